// `npm run bench -- nifti [--size 512x512x300] [--repeat 2] [--json]`
// Reads a generated int16 .nii.gz into a Float32Array and writes it back (float32 .nii.gz), with nnSeg
// and with nibabel (bench/nifti_nibabel.py, Debian python3-nibabel) in the same run. Each task runs in
// its own child process so its peak RSS is measured alone; the best of --repeat runs is reported.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNifti, writeNifti } from '../server/src/engine/io';

interface Result { seconds: number; maxRssKB: number; baselineKB: number }

const PY = '/usr/bin/python3';
const here = __dirname; // out/bench
const root = path.resolve(here, '..', '..');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/**
 * Peak resident set of this process in KiB (VmHWM). Not getrusage's ru_maxrss: that survives fork+exec,
 * so a child would report its parent's peak.
 */
export function peakRssKB(): number {
  const m = /VmHWM:\s*(\d+)\s*kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

async function child(mode: string, file: string, out?: string): Promise<void> {
  if (mode === 'generate') {
    await generate(file, out!.split('x').map(Number));
    return;
  }
  const base = peakRssKB();
  let seconds: number;
  if (mode === 'read' || mode === 'read-raw') {
    const t = performance.now();
    const v = await readNifti(file, { raw: mode === 'read-raw' });
    seconds = (performance.now() - t) / 1000;
    if (v.data.length === 0) throw new Error('empty');
  } else {
    const v = await readNifti(file);
    const t = performance.now();
    await writeNifti(out!, v, { kind: 'image', reference: v.header });
    seconds = (performance.now() - t) / 1000;
  }
  process.stdout.write(JSON.stringify({ seconds, maxRssKB: peakRssKB(), baselineKB: base }) + '\n');
}

/** A CT-like int16 volume: smooth structure plus noise, so it compresses like real scans (about 2-3x). */
async function generate(file: string, dims: number[]): Promise<void> {
  const [nx, ny, nz] = dims;
  const data = new Int16Array(nx * ny * nz);
  let seed = 12345;
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
    const base = 400 * Math.sin(y / 23 + z / 40);
    for (let x = 0; x < nx; x++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const r = (x - nx / 2) ** 2 + (y - ny / 2) ** 2;
      const body = r < (nx * 0.42) ** 2 ? base + 300 * Math.cos(x / 17) : -1000;
      data[i++] = Math.round(body + ((seed >>> 16) % 41) - 20);
    }
  }
  const affine = [[-0.7, 0, 0, 180], [0, -0.7, 0, 180], [0, 0, 1.25, -300], [0, 0, 0, 1]];
  await writeNifti(file, { data, shape: [nz, ny, nx] }, { kind: 'image', datatype: 'int16', affine, compressionLevel: 6 });
}

function run(cmd: string, args: string[]): Result | string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-1)[0];
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as Result;
}

function best(results: (Result | string)[]): Result | string {
  const ok = results.filter((r): r is Result => typeof r !== 'string');
  if (!ok.length) return results[0];
  return ok.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4], process.argv[5]);
  const dims = arg('size', '512x512x300').split('x').map(Number);
  const repeat = Number(arg('repeat', '2'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-bench-nifti-'));
  try {
    const file = path.join(dir, 'ct.nii.gz');
    const t0 = performance.now();
    // In a child: a peak in this process would not matter for VmHWM, but keeps the parent small.
    const g = spawnSync(process.execPath, [__filename, '--child', 'generate', file, dims.join('x')], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('generating the test volume failed');
    const voxels = dims.reduce((a, b) => a * b, 1);
    const decompressed = 352 + voxels * 2;
    const compressed = fs.statSync(file).size;
    const haveNib = spawnSync(PY, ['-c', 'import nibabel'], { encoding: 'utf8' }).status === 0;
    const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`nifti bench: ${dims.join('x')} int16, ${(decompressed / 2 ** 20).toFixed(1)} MiB decompressed, ${(compressed / 2 ** 20).toFixed(1)} MiB gzip (level 6), generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`load average ${load} on ${os.cpus().length} CPUs; best of ${repeat}; peak RSS per task in its own process`);
    const tasks: [string, string[], string[]][] = [
      ['read -> float32', ['read', file], ['read', file]],
      ['read raw int16', ['read-raw', file], ['read-raw', file]],
      ['write float32 .nii.gz', ['write', file, path.join(dir, 'out-node.nii.gz')], ['write', file, path.join(dir, 'out-py.nii.gz')]],
    ];
    const rows: Record<string, { nnseg: Result | string; nibabel: Result | string | null }> = {};
    for (const [name, nodeArgs, pyArgs] of tasks) {
      const ours: (Result | string)[] = [];
      const theirs: (Result | string)[] = [];
      for (let k = 0; k < repeat; k++) {
        ours.push(run(process.execPath, [__filename, '--child', ...nodeArgs]));
        if (haveNib) theirs.push(run(PY, [path.join(root, 'bench', 'nifti_nibabel.py'), ...pyArgs]));
      }
      rows[name] = { nnseg: best(ours), nibabel: haveNib ? best(theirs) : null };
    }
    const mib = (kb: number) => (kb / 1024).toFixed(0);
    const fmt = (r: Result | string | null) => (r === null ? 'nibabel not installed (apt-get install -y python3-nibabel)' : typeof r === 'string' ? `failed: ${r}` : `${r.seconds.toFixed(2)} s, peak ${mib(r.maxRssKB)} MiB (${(r.maxRssKB * 1024 / decompressed).toFixed(2)}x; ${mib(r.maxRssKB - r.baselineKB)} MiB above the ${mib(r.baselineKB)} MiB runtime)`);
    for (const [name, r] of Object.entries(rows)) {
      console.log(`\n${name}`);
      console.log(`  nnSeg   ${fmt(r.nnseg)}`);
      console.log(`  nibabel ${fmt(r.nibabel)}`);
      if (typeof r.nnseg !== 'string' && r.nibabel && typeof r.nibabel !== 'string') {
        console.log(`  time ratio nnSeg/nibabel ${(r.nnseg.seconds / r.nibabel.seconds).toFixed(2)}, peak ratio ${(r.nnseg.maxRssKB / r.nibabel.maxRssKB).toFixed(2)}`);
      }
    }
    const summary = { dims, voxels, decompressedBytes: decompressed, compressedBytes: compressed, loadavg: os.loadavg(), cpus: os.cpus().length, rows };
    if (process.argv.includes('--json')) console.log(JSON.stringify(summary));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
