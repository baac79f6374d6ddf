/**
 * Reuses the large output buffers of the native kernels once tfjs disposes their tensors. A fresh
 * 32 MB Float32Array costs more than the conv that fills it (the OS zeroes and maps every page on
 * first touch), and a training step creates and drops the same sizes over and over.
 *
 * Safety: a buffer goes back to the pool only when no tensor on the cpu backend still refers to it
 * (every write/move of a pooled buffer, including views such as a contiguous Slice, is counted and
 * every dispose uncounted) and its values were never handed to user code (readSync/read mark it as
 * escaped, for good). Kernels that alloc() must overwrite every element.
 */
import type { CpuBackend } from './context';

interface Entry {
  refs: number;
  escaped: boolean;
}

interface PatchableBackend extends CpuBackend {
  data: CpuBackend['data'] & { has(dataId: object): boolean };
  write(values: unknown, shape: number[], dtype: string): object;
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
}

/** Idle buffers of a size nobody asked for in this many allocations are dropped (left to the GC). */
const staleAfter = 1024;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly lastUse = new Map<number, number>();
  private tick = 0;
  private readonly tracked = new WeakMap<ArrayBuffer, Entry>();
  private pooledBytes = 0;
  private installedOn: object | null = null;

  /** maxBytes: most memory kept idle in the pool; minBytes: smaller buffers are not pooled. */
  constructor(readonly maxBytes: number, readonly minBytes = 1 << 18) {}

  /** A Float32Array of n elements with unspecified contents. */
  alloc(n: number): Float32Array {
    if (!this.installedOn || n * 4 < this.minBytes) return new Float32Array(n);
    this.lastUse.set(n * 4, ++this.tick);
    if (this.tick % 128 === 0) this.dropStale();
    const list = this.free.get(n * 4);
    let buf = list?.pop();
    if (buf) this.pooledBytes -= buf.byteLength;
    else buf = new ArrayBuffer(n * 4);
    this.tracked.set(buf, { refs: 0, escaped: false });
    return new Float32Array(buf);
  }

  /** Idle bytes held for reuse. */
  get idleBytes(): number {
    return this.pooledBytes;
  }

  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }

  /** Sizes the work no longer uses (say training patches once inference runs) should not stay resident. */
  private dropStale(): void {
    for (const [bytes, list] of this.free) {
      if ((this.lastUse.get(bytes) ?? 0) >= this.tick - staleAfter) continue;
      this.pooledBytes -= bytes * list.length;
      this.free.delete(bytes);
      this.lastUse.delete(bytes);
    }
  }

  /** Marks a buffer as handed out, so it is never reused. */
  escape(values: unknown): void {
    const e = this.entry(values);
    if (e) e.escaped = true;
  }

  private entry(values: unknown): Entry | undefined {
    if (!ArrayBuffer.isView(values)) return undefined;
    return this.tracked.get(values.buffer as ArrayBuffer);
  }

  private release(values: unknown): void {
    const e = this.entry(values);
    if (!e) return;
    e.refs--;
    if (e.refs > 0 || e.escaped) return;
    const buf = (values as Float32Array).buffer as ArrayBuffer;
    this.tracked.delete(buf);
    if (this.pooledBytes + buf.byteLength > this.maxBytes) return;
    const list = this.free.get(buf.byteLength) ?? [];
    list.push(buf);
    this.free.set(buf.byteLength, list);
    this.pooledBytes += buf.byteLength;
  }

  /** Hooks the cpu backend's data lifecycle; once per backend instance. */
  install(backend: CpuBackend): void {
    if (this.installedOn === backend) return;
    if (this.installedOn) throw new Error('nnseg native: the buffer pool is already installed on another backend');
    const b = backend as PatchableBackend;
    const { write, move, disposeData, readSync, read } = b;
    const count = (values: unknown) => {
      const e = this.entry(values);
      if (e) e.refs++;
    };
    b.write = function (values, shape, dtype) {
      const id = write.call(this, values, shape, dtype);
      count(values);
      return id;
    };
    b.move = function (dataId, values, shape, dtype, refCount) {
      move.call(this, dataId, values, shape, dtype, refCount);
      count(values);
    };
    const release = (v: unknown) => this.release(v);
    const escape = (v: unknown) => this.escape(v);
    b.disposeData = function (dataId, force) {
      const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
      const r = disposeData.call(this, dataId, force);
      if (values !== undefined && !this.data.has(dataId)) release(values);
      return r;
    };
    b.readSync = function (dataId) {
      const v = readSync.call(this, dataId);
      escape(this.data.has(dataId) ? this.data.get(dataId).values : v);
      return v;
    };
    b.read = function (dataId) {
      if (this.data.has(dataId)) escape(this.data.get(dataId).values);
      return read.call(this, dataId);
    };
    this.installedOn = backend;
  }
}
