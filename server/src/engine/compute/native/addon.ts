/**
 * Finding and loading the oneDNN addon (server/native, built by `npm install` when libdnnl-dev and a
 * compiler are present). Loading never throws: a missing build, a missing or broken libdnnl.so, or an
 * addon built for another Node ABI gives `{ addon: null, reason }` with one sentence saying which.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The addon's exports (server/native/src/addon.cc). Every op also has an `...Async` twin. */
export interface NativeAddon {
  convForward(spec: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  convBackwardData(spec: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  convBackwardWeights(spec: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null): void;
  normActForward(
    nsc: Int32Array, conv: Float32Array, gamma: Float32Array, beta: Float32Array,
    out: Float32Array, mean: Float32Array, invStd: Float32Array, eps: number, slope: number,
  ): void;
  normActBackward(
    nsc: Int32Array, dy: Float32Array, conv: Float32Array, mean: Float32Array, invStd: Float32Array,
    gamma: Float32Array, beta: Float32Array, dconv: Float32Array, dgamma: Float32Array, dbeta: Float32Array, slope: number,
  ): void;
  convNormAct(
    spec: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array, gamma: Float32Array, beta: Float32Array,
    out: Float32Array, conv: Float32Array, mean: Float32Array, invStd: Float32Array, eps: number, slope: number,
  ): void;
  convNormActGrad(
    spec: Int32Array, dy: Float32Array, x: Float32Array, w: Float32Array, conv: Float32Array, mean: Float32Array,
    invStd: Float32Array, gamma: Float32Array, beta: Float32Array, dx: Float32Array, dw: Float32Array,
    dbias: Float32Array, dgamma: Float32Array, dbeta: Float32Array, slope: number,
  ): void;
  /** spec: [op, rank, shape x rank, aStrides x rank, bStrides x rank]; ops Add Sub Mul Div Max Min SquaredDiff. */
  binary(spec: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** spec: [op]; ops Exp Log Neg Sqrt Square Abs Relu LeakyRelu Sigmoid Reciprocal Rsqrt Tanh. */
  unary(spec: Int32Array, x: Float32Array, out: Float32Array, alpha: number): void;
  /** spec: [op, O, R, I]: x as [O, R, I] reduced over R; ops Sum Max Min Mean. */
  reduce(spec: Int32Array, x: Float32Array, out: Float32Array): void;
  /** spec: [rows, C]: softmax over the last axis. */
  softmax(spec: Int32Array, x: Float32Array, out: Float32Array): void;
  /** spec: [rank, shape x rank, inStrides x rank, outStrides x rank, inOffset, outOffset]. */
  copy(spec: Int32Array, src: Float32Array, dst: Float32Array): void;
  addN(spec: Int32Array, out: Float32Array, ...inputs: Float32Array[]): void;
  /** spec: [N, V, K, doBg, batchDice]; labels int32 or float32 class indices; loss has one element. */
  diceCE(spec: Int32Array, logits: Float32Array, labels: Int32Array | Float32Array, loss: Float32Array, grad: Float32Array, weightDice: number, weightCE: number, smooth: number): void;
  info(): { version: string; hash: string; isa: string; threads: number; cores: number; runtime: string };
  setThreads(n: number): void;
  implName(kind: 0 | 1 | 2, spec: Int32Array): string;
  clearCache(): void;
  [asyncName: `${string}Async`]: (...args: unknown[]) => Promise<void>;
}

const addonRel = path.join('server', 'native', 'build', 'Release', 'nnseg_native.node');

/** The addon file: NNSEG_NATIVE_ADDON, else server/native/build/Release under the package root. */
export function addonPath(): string {
  const override = process.env.NNSEG_NATIVE_ADDON;
  if (override) return path.resolve(override);
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, addonRel);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.resolve(__dirname, '..', '..', '..', '..', '..', '..', addonRel);
}

/** One sentence for a failed require() of the addon. */
export function explainLoadError(file: string, err: unknown): string {
  const msg = String((err as Error)?.message ?? err).split('\n')[0];
  if (/libdnnl|cannot open shared object file/.test(msg))
    return `a library ${path.basename(file)} needs could not be loaded (${msg}); install oneDNN (apt-get install libdnnl-dev) or rebuild with npm install`;
  if (/invalid ELF header|file too short/i.test(msg))
    return `${file} is not a loadable library: it is corrupt or truncated (${msg}); rebuild it with npm install`;
  if (/NODE_MODULE_VERSION|different Node\.js version|napi|wrong ELF class|not a valid Win32/i.test(msg))
    return `${file} was built for another Node ABI or platform (${msg}); rebuild it with npm install`;
  if (/undefined symbol/.test(msg)) return `${file} does not match the installed oneDNN (${msg}); rebuild it with npm install`;
  return `${file} could not be loaded: ${msg}`;
}

export function loadAddon(): { addon: NativeAddon | null; file: string; reason?: string; missing?: boolean } {
  const file = addonPath();
  if (!fs.existsSync(file))
    return { addon: null, file, missing: true, reason: `the native addon is not built (${file} is missing; install libdnnl-dev and a C++ compiler, then run npm install)` };
  // OpenMP threads sleep instead of spinning between parallel regions (libgomp reads this once, when
  // the addon loads it). The native kernels' regions are milliseconds long, so waking costs little,
  // while spinning burns a core that a busy machine (or the editor) needs. An explicit setting wins.
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'PASSIVE';
  try {
    return { addon: require(file) as NativeAddon, file };
  } catch (err) {
    return { addon: null, file, reason: explainLoadError(file, err) };
  }
}
