/**
 * Completion and diagnostics latency of the language server for a 200-line config, through the real
 * protocol (stdio), idle and while a CPU-heavy job runs in the backend. Target: p95 < 20 ms in both.
 *   npm run bench -- lsp [--json] [--requests 200]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from '../test/helpers/lspClient';
import { makeDataset } from '../test/helpers/workspace';
import { StartJobRequest, CancelJobRequest, JobEventNotification, type JobEvent } from '../server/src/protocol';

const args = process.argv.slice(2);
const json = args.includes('--json');
const N = Number(args[args.indexOf('--requests') + 1]) || 200;

/** A realistic 200-line config: every section, comments, compareWith entries. */
function bigConfig(): string {
  const lines = ['{', '  // generated for the latency benchmark', '  "dataset": "Dataset001_Liver",', '  "preset": "improved",', '  "configuration": "3d_fullres",'];
  lines.push('  "augmentation": {');
  const augs = ['rotation', 'scaling', 'gaussianNoise', 'gaussianBlur', 'brightness', 'contrast', 'lowResolution', 'gammaInverted', 'gamma'];
  augs.forEach((a, i) => {
    lines.push(`    "${a}": {`, '      // probability per sample', `      "probability": 0.${i + 1}`, `    }${i < augs.length - 1 ? ',' : ''}`);
  });
  lines.push('  },');
  lines.push('  "training": {', '    "epochs": 1000,', '    "iterationsPerEpoch": 250,', '    "initialLR": 0.01,', '    "momentum": 0.99,', '    "weightDecay": 3e-5', '  },');
  lines.push('  "loss": { "diceWeight": 1.5, "ceWeight": 0.5 },');
  lines.push('  "evaluation": {', '    "labels": ["liver"],', '    "compareWith": [');
  let i = 0;
  while (lines.length < 193) {
    lines.push('      {', `        "name": "method${i}",`, `        "path": "preds${i}",`, '        "format": "labelmap"', '      },');
    i++;
  }
  lines.push('      { "name": "last", "path": "preds-last" }', '    ]', '  },', '  "inference": { "stepSize": 0.5 }', '}');
  return lines.join('\n') + '\n';
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = (s.length - 1) * p;
  const f = Math.floor(k);
  return s[f] + (s[Math.min(f + 1, s.length - 1)] - s[f]) * (k - f);
}

async function measure(client: LspTestClient, file: string, text: string, startVersion: number) {
  const uri = pathToFileURL(file).toString();
  const lines = text.split('\n');
  const completion: number[] = [];
  const diagnostics: number[] = [];
  for (let i = 0; i < N; i++) {
    const line = 5 + (i % (lines.length - 10));
    const t = performance.now();
    await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character: Math.min(6, lines[line].length) } });
    completion.push(performance.now() - t);
  }
  for (let i = 0; i < N; i++) {
    const v = startVersion + i;
    const edited = text.replace('"epochs": 1000', `"epochs": ${1000 + i}`);
    const t = performance.now();
    await client.change(file, v, edited);
    diagnostics.push(performance.now() - t);
  }
  const r = (xs: number[]) => ({ p50: +pct(xs, 0.5).toFixed(2), p95: +pct(xs, 0.95).toFixed(2), max: +Math.max(...xs).toFixed(2) });
  return { completion: r(completion), diagnostics: r(diagnostics) };
}

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-lsp-'));
  await makeDataset(ws);
  const file = path.join(ws, 'big.nnseg.json');
  const text = bigConfig();
  fs.writeFileSync(file, text);
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws, '.storage') });
  await client.initialize(ws);
  await client.open(file, text);
  // Warm up the JIT and the schema caches like a real session.
  await measure(client, file, text, 2);
  const idle = await measure(client, file, text, 10000);
  const { job } = await client.conn.sendRequest(StartJobRequest, { kind: 'selftest', params: { seconds: 600 } });
  await new Promise<void>((resolve) =>
    client.conn.onNotification(JobEventNotification, (e: JobEvent) => {
      if (e.type === 'progress' && e.jobId === job.id) resolve();
    }),
  );
  const busy = await measure(client, file, text, 20000);
  await client.conn.sendRequest(CancelJobRequest, { id: job.id });
  await client.close();
  fs.rmSync(ws, { recursive: true, force: true });
  const result = { lines: text.split('\n').length - 1, requests: N, idle, whileJobRuns: busy, cores: os.cpus().length, load: os.loadavg()[0] };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`LSP latency, ${result.lines}-line config, ${N} requests each (ms), load ${result.load.toFixed(2)} on ${result.cores} cores`);
    console.log('                      completion p50/p95/max     diagnostics p50/p95/max');
    for (const [name, r] of [['idle', idle], ['while a job runs', busy]] as const)
      console.log(`${name.padEnd(20)}  ${`${r.completion.p50} / ${r.completion.p95} / ${r.completion.max}`.padEnd(26)} ${r.diagnostics.p50} / ${r.diagnostics.p95} / ${r.diagnostics.max}`);
  }
}

void main();
