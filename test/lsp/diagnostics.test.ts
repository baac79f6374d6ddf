import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest, HoverRequest, CodeActionRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspTestClient, positionOf } from '../helpers/lspClient';
import { tempDir } from '../helpers/data';
import { brokenConfig, makeDataset } from '../helpers/workspace';

let client: LspTestClient;
let ws: { dir: string; cleanup(): void };
let configFile: string;
let diags: Diagnostic[];

before(async () => {
  ws = tempDir();
  await makeDataset(ws.dir);
  configFile = path.join(ws.dir, 'liver.nnseg.json');
  fs.writeFileSync(configFile, brokenConfig);
  client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage') });
  await client.initialize(ws.dir);
  diags = (await client.open(configFile, brokenConfig)).diagnostics;
});

after(async () => {
  await client.close();
  ws.cleanup();
});

function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function at(needle: string, nth = 0) {
  return positionOf(brokenConfig, needle, nth);
}

function diagAt(needle: string): Diagnostic {
  const p = at(needle);
  const d = diags.find((x) => x.range.start.line === p.line && x.range.start.character === p.character);
  assert.ok(d, `no diagnostic at ${needle} (${p.line}:${p.character}); got ${JSON.stringify(diags.map((x) => [x.range.start, x.message]))}`);
  assert.equal(d.range.end.line, p.line);
  assert.equal(d.range.end.character, p.character + needle.length, `range of ${needle} ends after the value`);
  return d;
}

test('an invalid enum value is a schema error on exactly that value', () => {
  assert.match(msg(diagAt('"3d_fulres"')), /3d_fullres/);
});

test('a fold index >= numFolds is flagged on the index', () => {
  assert.match(msg(diagAt('7')), /Fold 7 does not exist.*0 to 4/);
});

test('a probability outside [0,1] gets our message, not a duplicate schema one', () => {
  const d = diagAt('1.5');
  assert.match(msg(d), /outside \[0, 1\]/);
  const p = at('1.5');
  assert.equal(diags.filter((x) => x.range.start.line === p.line).length, 1);
});

test('a range whose low is above its high is flagged on the range', () => {
  assert.match(msg(diagAt('[1, 0.7]')), /low \(1\) is greater than high \(0.7\)/);
});

test('a patch size not divisible by the total stride is flagged', () => {
  assert.match(msg(diagAt('[100, 128, 128]')), /100 on axis 0 \(stride 16\)/);
});

test('an unknown label name is flagged and lists the declared ones', () => {
  assert.match(msg(diagAt('"spleen"')), /Unknown label 'spleen'.*'liver'/);
});

test('a wrong type is a schema error', () => {
  assert.match(msg(diagAt('"heavy"')), /number/i);
});

test('no diagnostic for the valid parts (dataset, comments)', () => {
  assert.equal(diags.filter((d) => d.range.start.line === at('"Dataset001_Liver"').line).length, 0);
  assert.equal(diags.length, 7, JSON.stringify(diags.map((d) => d.message)));
});

test('quick fixes: use the default, swap a range, round the patch size', async () => {
  const uri = pathToFileURL(configFile).toString();
  const ask = async (needle: string) =>
    client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagAt(needle).range, context: { diagnostics: [diagAt(needle)] } });
  const prob = (await ask('1.5'))!;
  assert.equal(prob[0].title, 'Use the default (0.3)');
  const edit = (prob[0] as { edit: { changes: Record<string, { newText: string }[]> } }).edit.changes[uri][0];
  assert.equal(edit.newText, '0.3');
  assert.equal(((await ask('[1, 0.7]'))![0] as { title: string }).title, 'Swap to [0.7, 1]');
  assert.equal(((await ask('[100, 128, 128]'))![0] as { title: string }).title, 'Use [96,128,128]');
  assert.equal(((await ask('"3d_fulres"'))![0] as { title: string }).title, 'Use the default ("3d_fullres")');
});

test('completion offers schema properties and enum values', async () => {
  const uri = pathToFileURL(configFile).toString();
  const text = '{\n  "dataset": "Dataset001_Liver",\n  \n}\n';
  await client.change(configFile, 2, text);
  const props = await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: 2 } });
  const labels = (Array.isArray(props) ? props : props!.items).map((i) => i.label);
  for (const l of ['preset', 'configuration', 'augmentation', 'loss', 'crossValidation']) assert.ok(labels.includes(l), `${l} in ${labels}`);
  const text2 = '{\n  "dataset": "Dataset001_Liver",\n  "preset": \n}\n';
  await client.change(configFile, 3, text2);
  const vals = await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: 12 } });
  const vlabels = (Array.isArray(vals) ? vals : vals!.items).map((i) => i.label);
  assert.deepEqual(vlabels.sort(), ['"baseline"', '"improved"']);
});

test('hover shows the description, both presets, the paper and nnU-Net values', async () => {
  const uri = pathToFileURL(configFile).toString();
  const text = '{\n  "dataset": "Dataset001_Liver",\n  "preset": "baseline",\n  "loss": { "diceWeight": 2 }\n}\n';
  await client.change(configFile, 4, text);
  const h = await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, 'diceWeight') });
  const md = (h!.contents as { value: string }).value;
  assert.match(md, /\*\*loss\.diceWeight\*\*/);
  assert.match(md, /paper: 1\.5; nnU-Net: 1/);
  assert.match(md, /improved \(paper\) \| `1\.5`/);
  assert.match(md, /baseline \(nnU-Net v2\) \| `1`/);
  assert.match(md, /\*\*baseline\*\* preset: default here `1`/);
});

test('configs are recognised by file name whatever the languageId; other JSON is ignored', async () => {
  const other = path.join(ws.dir, 'package.json');
  const otherDiag = client.nextDiagnostics(pathToFileURL(other).toString());
  const r = await client.open(path.join(ws.dir, 'b.nnseg.json'), '{ "dataset": 3 }', 'json');
  assert.equal(r.diagnostics.length, 1);
  await client.open(path.join(ws.dir, 'c.nnseg.json'), '{ "dataset": 3 }', 'nnseg-config');
  // Case-insensitive, like VS Code's language association (a client may send 'jsonc' for it).
  const upper = await client.open(path.join(ws.dir, 'D.NNSEG.JSON'), '{ "dataset": 3 }', 'jsonc');
  assert.equal(upper.diagnostics.length, 1);
  const race = await Promise.race([otherDiag.then(() => 'published'), new Promise((res) => setTimeout(() => res('none'), 300))]);
  void client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(other).toString(), languageId: 'json', version: 1, text: '{"x": 1}' } });
  assert.equal(race, 'none');
});

test('text that is not JSON gets diagnostics, and the server keeps answering', async () => {
  const file = path.join(ws.dir, 'garbage.nnseg.json');
  const r = await client.open(file, 'this is { not json');
  assert.ok(r.diagnostics.length >= 1);
  const again = await client.open(path.join(ws.dir, 'ok.nnseg.json'), '{ "dataset": "Dataset001_Liver" }');
  assert.deepEqual(again.diagnostics, []);
});

test('paths outside the workspace and data folders are diagnostics', async () => {
  const r = await client.open(path.join(ws.dir, 'out.nnseg.json'), '{ "dataset": "/etc" }');
  assert.equal(r.diagnostics.length, 1);
  assert.match(msg(r.diagnostics[0]), /outside the workspace/);
});

test('integrity problems of the dataset are flagged on the dataset value once the background check ends', async () => {
  const dir = await makeDataset(ws.dir, 'Dataset002_Broken');
  fs.rmSync(path.join(dir, 'labelsTr', 'case_001.nii.gz'));
  const file = path.join(ws.dir, 'broken-ds.nnseg.json');
  const text = '{\n  "dataset": "Dataset002_Broken"\n}\n';
  const uri = pathToFileURL(file).toString();
  const first = await client.open(file, text);
  const withCheck = first.diagnostics.some((d) => /^Dataset: /.test(msg(d))) ? first : await client.nextDiagnostics(uri, 1);
  const d = withCheck.diagnostics.find((x) => /^Dataset: /.test(msg(x)));
  assert.ok(d, JSON.stringify(withCheck.diagnostics.map(msg)));
  assert.match(msg(d), /case_001/);
  assert.deepEqual(d.range.start, positionOf(text, '"Dataset002_Broken"'));
});
