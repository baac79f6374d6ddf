import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-json-languageservice';
import type { NnsegSettings } from '../protocol';
import { ConfigService, TextDocument } from './configService';
import { NnsegError } from '../util/errors';
import type { DatasetSummary } from './dataset';
import { IntegrityCache } from './integrity';

let service: ConfigService | undefined;
const integrity = new IntegrityCache();

export interface CheckResult {
  file: string;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  dataset?: DatasetSummary;
}

/** The editor's diagnostics for a config file on disk (for `nnseg check` and job start). */
export async function checkConfigFile(file: string, opts: { workspaceFolders?: string[]; settings?: NnsegSettings; env?: NodeJS.ProcessEnv } = {}): Promise<CheckResult> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NnsegError(code === 'ENOENT' ? `${abs}: config file not found.` : `${abs}: cannot read the config (${code}).`, abs);
  }
  service ??= new ConfigService();
  const doc = TextDocument.create(pathToFileURL(abs).toString(), 'jsonc', 1, text);
  const { diagnostics, dataset } = await service.diagnose(doc, {
    configFile: abs,
    workspaceFolders: opts.workspaceFolders ?? [process.cwd()],
    settings: opts.settings,
    env: opts.env,
  }, { cache: integrity, wait: true });
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return {
    file: abs,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length,
    warnings: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).length,
    dataset,
  };
}

/** Why a job cannot start from this config (its first error, as `name:line: message`), if it cannot. */
export function firstError(r: CheckResult, name = r.file): string | undefined {
  const first = r.diagnostics.find((d) => d.severity === DiagnosticSeverity.Error);
  return first && `${name}:${first.range.start.line + 1}: ${first.message} (fix the config first; ${r.errors} error(s) in all)`;
}

/** `file:line:col: message`, the form editors and terminals make clickable. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const sev = d.severity === DiagnosticSeverity.Error ? 'error' : d.severity === DiagnosticSeverity.Warning ? 'warning' : 'info';
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${d.message}`;
}
