import * as jsonc from 'jsonc-parser';
import {
  getLanguageService,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type LanguageService,
  type Position,
  type Range,
  CodeActionKind,
  DiagnosticSeverity,
  MarkupKind,
  TextDocument,
} from 'vscode-json-languageservice';
import { defaultFor, experimentSchema, experimentSchemaUri, schemaAt, type JsonPath, type Preset } from '../config/schema';
import type { PathContext } from '../config/paths';
import { semanticChecks, type Finding } from './semantic';
import type { DatasetSummary } from './dataset';
import type { IntegrityCache } from './integrity';
import type { DatasetCheckResult } from '../engine/dataset/check';

export const DIAGNOSTIC_SOURCE = 'nnseg';

/** Data attached to a diagnostic so the code-action request can offer its fix without re-checking. */
interface FixData {
  fix?: { title: string; newText: string };
  path?: JsonPath;
}

export interface DiagnoseResult {
  diagnostics: Diagnostic[];
  dataset?: DatasetSummary;
  /** The dataset's integrity check is still running: diagnose again when `pending` settles. */
  pending?: Promise<unknown>;
}

/**
 * Deeper than this is no experiment config (the schema's deepest value is 4 levels down), and the JSON
 * tools recurse per level: a few thousand levels overflow the stack.
 */
const MAX_DEPTH = 64;

/** The offset of the first bracket deeper than MAX_DEPTH, by a flat token scan (no recursion). */
function tooDeepAt(text: string): number | undefined {
  const scanner = jsonc.createScanner(text, true);
  let depth = 0;
  for (let t = scanner.scan(); t !== jsonc.SyntaxKind.EOF; t = scanner.scan()) {
    if (t === jsonc.SyntaxKind.OpenBraceToken || t === jsonc.SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_DEPTH) return scanner.getTokenOffset();
    } else if (t === jsonc.SyntaxKind.CloseBraceToken || t === jsonc.SyntaxKind.CloseBracketToken) depth--;
  }
  return undefined;
}

/** How many of a dataset's problems are listed on the config; `nnseg check-dataset` lists them all. */
const MAX_DATASET_PROBLEMS = 5;

const severities: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

function presetOf(tree: jsonc.Node | undefined): Preset {
  const n = tree && jsonc.findNodeAtLocation(tree, ['preset']);
  return n?.value === 'baseline' ? 'baseline' : 'improved';
}

function rangeOf(doc: TextDocument, node: jsonc.Node): Range {
  return { start: doc.positionAt(node.offset), end: doc.positionAt(node.offset + node.length) };
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

function withoutUniqueItems<T>(node: T): T {
  if (Array.isArray(node)) node.forEach(withoutUniqueItems);
  else if (node && typeof node === 'object') {
    delete (node as Record<string, unknown>).uniqueItems;
    Object.values(node).forEach(withoutUniqueItems);
  }
  return node;
}

/**
 * The language features for *.nnseg.json: JSON parsing, schema validation and completion from
 * vscode-json-languageservice, plus nnSeg's semantic checks, hover and quick fixes. No editor state:
 * the language server and `nnseg check` both call it.
 */
export class ConfigService {
  private readonly ls: LanguageService;
  // json-languageservice resolves $refs in place: give it its own copy, never the shared schema object.
  // Without uniqueItems: the semantic checks do that in linear time (see checkUnique).
  private readonly schema = withoutUniqueItems(structuredClone(experimentSchema()));

  constructor() {
    this.ls = getLanguageService({
      // A config's own "$schema" may name our schema by URL or path; answer with the bundled copy.
      schemaRequestService: async (uri) => {
        if (uri === experimentSchemaUri || uri.endsWith('experiment.schema.json')) return JSON.stringify(this.schema);
        throw new Error(`nnSeg only knows its own schema, not ${uri}`);
      },
    });
    this.ls.configure({
      validate: true,
      allowComments: true,
      schemas: [{ uri: experimentSchemaUri, fileMatch: ['*'], schema: this.schema as object }],
    });
  }

  /**
   * `integrity`: where dataset checks come from. 'await' (the CLI) waits for them; a cache without
   * waiting (the language server) uses what is cached and returns `pending` otherwise.
   */
  async diagnose(doc: TextDocument, ctx: PathContext, integrity?: { cache: IntegrityCache; wait: boolean }): Promise<DiagnoseResult> {
    const deep = tooDeepAt(doc.getText());
    if (deep !== undefined) {
      const at = doc.positionAt(deep);
      const message = `Nested more than ${MAX_DEPTH} levels deep: this is not an experiment config (its deepest values are 4 levels down).`;
      return { diagnostics: [{ range: { start: at, end: at }, severity: DiagnosticSeverity.Error, code: 'config-depth', source: DIAGNOSTIC_SOURCE, message }] };
    }
    const jsonDoc = this.ls.parseJSONDocument(doc);
    const schemaDiags = await this.ls.doValidation(doc, jsonDoc, { comments: 'ignore', trailingCommas: 'warning', schemaValidation: 'error' }, this.schema as object);
    const tree = jsonc.parseTree(doc.getText(), [], { allowTrailingComma: true });
    // An empty file (or only comments) is valid JSON to the language service, and no config.
    if (!tree && !schemaDiags.length) {
      const start = { line: 0, character: 0 };
      schemaDiags.push({ range: { start, end: start }, severity: DiagnosticSeverity.Error, code: 'config-empty', source: DIAGNOSTIC_SOURCE, message: 'The config is empty: it needs at least "dataset", the nnU-Net raw dataset folder.' });
    }
    const { findings, dataset } = semanticChecks(tree, ctx);
    const semantic: Diagnostic[] = [];
    for (const f of findings) {
      const node = tree && jsonc.findNodeAtLocation(tree, f.path);
      if (!node) continue;
      const data: FixData = { fix: f.fix, path: f.path };
      semantic.push({ range: rangeOf(doc, node), severity: severities[f.severity], code: f.code, source: DIAGNOSTIC_SOURCE, message: f.message, data });
    }
    // A semantic finding says more than the schema's generic message on the same value (e.g. a
    // probability above 1): keep only ours there.
    const kept = schemaDiags.filter((d) => !semantic.some((s) => overlaps(s.range, d.range) && d.severity === DiagnosticSeverity.Error && s.severity === DiagnosticSeverity.Error));
    for (const d of kept) d.source = DIAGNOSTIC_SOURCE;
    const diagnostics = [...kept, ...semantic];
    let pending: Promise<unknown> | undefined;
    const datasetNode = tree && jsonc.findNodeAtLocation(tree, ['dataset']);
    if (dataset && integrity && datasetNode) {
      let check = integrity.cache.cached(dataset.dir);
      if (!check && integrity.wait) check = await integrity.cache.ensure(dataset.dir).catch(() => undefined);
      else if (!check) pending = integrity.cache.ensure(dataset.dir).catch(() => undefined);
      if (check) diagnostics.push(...this.datasetDiagnostics(doc, datasetNode, check));
    }
    return { diagnostics, dataset, pending };
  }

  private datasetDiagnostics(doc: TextDocument, node: jsonc.Node, check: DatasetCheckResult): Diagnostic[] {
    const range = rangeOf(doc, node);
    const shown = [...check.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1)).slice(0, MAX_DATASET_PROBLEMS);
    const out: Diagnostic[] = shown.map((p) => ({
      range,
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: `dataset-${p.code}`,
      source: DIAGNOSTIC_SOURCE,
      message: `Dataset: ${p.message}`,
    }));
    const rest = check.problems.length - shown.length;
    if (rest > 0)
      out.push({ range, severity: DiagnosticSeverity.Information, code: 'dataset-more', source: DIAGNOSTIC_SOURCE, message: `Dataset: ${rest} more problem(s); run 'nnseg check-dataset ${check.dir}' to list them all.` });
    return out;
  }

  complete(doc: TextDocument, pos: Position): Promise<CompletionList | null> {
    if (tooDeepAt(doc.getText()) !== undefined) return Promise.resolve(null);
    return Promise.resolve(this.ls.doComplete(doc, pos, this.ls.parseJSONDocument(doc)));
  }

  /** Description, default for both presets, the paper's and nnU-Net's values, and the effective value. */
  hover(doc: TextDocument, pos: Position): Hover | null {
    const text = doc.getText();
    if (tooDeepAt(text) !== undefined) return null;
    const offset = doc.offsetAt(pos);
    const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
    if (!tree) return null;
    let node = jsonc.findNodeAtOffset(tree, offset, false);
    if (!node) return null;
    // On a key: describe its property. On a value: describe the property that holds it.
    if (node.parent?.type === 'property' && node.parent.children?.[0] === node) node = node.parent.children[1] ?? node;
    const path = jsonc.getNodePath(node);
    const schema = schemaAt(path);
    if (!schema || path.length === 0) return null;
    const key = path.filter((p) => typeof p === 'string').join('.');
    const preset = presetOf(tree);
    const lines = [`**${key}**`, '', schema.description ?? ''];
    if (schema.enum && typeof node.value === 'string' && schema.enumDescriptions) {
      const i = schema.enum.indexOf(node.value);
      if (i >= 0 && schema.enumDescriptions[i]) lines.push('', `\`${node.value}\`: ${schema.enumDescriptions[i]}`);
    }
    const improved = defaultFor(schema, 'improved');
    const baseline = defaultFor(schema, 'baseline');
    if (improved !== undefined || baseline !== undefined) {
      lines.push('', '| preset | default |', '|---|---|');
      lines.push(`| improved (paper) | \`${JSON.stringify(improved)}\` |`);
      lines.push(`| baseline (nnU-Net v2) | \`${JSON.stringify(baseline)}\` |`);
      lines.push('', `This config uses the **${preset}** preset: default here \`${JSON.stringify(defaultFor(schema, preset))}\`.`);
    }
    const holder = node.parent?.type === 'property' ? node.parent : node;
    return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: rangeOf(doc, holder.children?.[0] ?? holder) };
  }

  /** Quick fixes: the finding's own fix, else "use the default" for a value that has one. */
  codeActions(doc: TextDocument, diagnostics: Diagnostic[]): CodeAction[] {
    const actions: CodeAction[] = [];
    if (tooDeepAt(doc.getText()) !== undefined) return actions;
    const tree = jsonc.parseTree(doc.getText(), [], { allowTrailingComma: true });
    const preset = presetOf(tree);
    for (const d of diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const data = (d.data ?? {}) as FixData;
      let fix = data.fix;
      if (!fix && tree) {
        const node = jsonc.findNodeAtOffset(tree, doc.offsetAt(d.range.start), false);
        const path = data.path ?? (node ? jsonc.getNodePath(node) : undefined);
        const schema = path && path.length ? schemaAt(path) : undefined;
        const def = schema && defaultFor(schema, preset);
        if (def !== undefined) fix = { title: `Use the default (${JSON.stringify(def)})`, newText: JSON.stringify(def) };
      }
      if (!fix) continue;
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [doc.uri]: [{ range: d.range, newText: fix.newText }] } },
      });
    }
    return actions;
  }
}

export { TextDocument };
