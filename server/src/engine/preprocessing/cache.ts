/**
 * The preprocessed cache: per case `<id>.bin` (raw little-endian arrays: the channels as float32
 * [c, z, y, x], then the labels as int8 or int16 [z, y, x], then the foreground locations as int32
 * (z, y, x) triples, each section 8-byte aligned) and `<id>.json` (shapes, byte offsets, nnU-Net's case properties, the input
 * signature). The .bin is written first and the .json last, each atomically, so a case is complete exactly
 * when its .json exists and describes a .bin of the right size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic';
import { NnsegError } from '../../util/errors';
import type { CaseProperties, PreprocessedCase } from './case';

export const CACHE_FORMAT = 'nnseg-preprocessed-case/1';

interface Section {
  offset: number;
  byteLength: number;
}

export interface CaseMeta {
  format: typeof CACHE_FORMAT;
  id: string;
  /** [channels, z, y, x] */
  dataShape: number[];
  segDtype: 'int8' | 'int16' | null;
  data: Section;
  seg: Section | null;
  /** Per class key ("1", or "1,2" for a region): the slice of int32 triples in the .bin. */
  classLocations: Record<string, Section & { count: number }>;
  properties: CaseProperties;
  /** What the case was computed from (files, sizes, mtimes, configuration); a change means recompute. */
  signature: string;
  binBytes: number;
}

export class CacheError extends NnsegError {
  constructor(message: string, file: string) {
    super(message, file, 'ECACHE');
  }
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(a: ArrayBufferView): Uint8Array {
  if (!HOST_LE) throw new Error('nnSeg caches need a little-endian host');
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function casePaths(dir: string, id: string): { bin: string; json: string } {
  return { bin: path.join(dir, `${id}.bin`), json: path.join(dir, `${id}.json`) };
}

export async function writeCase(dir: string, c: PreprocessedCase & { id: string }, signature: string): Promise<CaseMeta> {
  const { bin, json } = casePaths(dir, c.id);
  await fs.promises.rm(json, { force: true }); // the case is incomplete from here until the new json lands
  const parts: Uint8Array[] = [];
  let offset = 0;
  const add = (a: ArrayBufferView): Section => {
    const pad = (8 - (offset % 8)) % 8; // sections start 8-byte aligned so typed views can map them
    if (pad) {
      parts.push(new Uint8Array(pad));
      offset += pad;
    }
    const b = bytesOf(a);
    parts.push(b);
    const s = { offset, byteLength: b.byteLength };
    offset += b.byteLength;
    return s;
  };
  const voxels = c.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(voxels * c.channels.length);
  c.channels.forEach((ch, i) => data.set(ch, i * voxels));
  const dataSec = add(data);
  const segSec = add(c.seg);
  const locs: CaseMeta['classLocations'] = {};
  for (const [k, v] of Object.entries(c.classLocations)) locs[k] = { ...add(v), count: v.length / 3 };
  const buf = Buffer.concat(parts);
  await writeFileAtomic(bin, buf);
  const meta: CaseMeta = {
    format: CACHE_FORMAT,
    id: c.id,
    dataShape: [c.channels.length, ...c.shape],
    segDtype: c.seg instanceof Int16Array ? 'int16' : 'int8',
    data: dataSec,
    seg: segSec,
    classLocations: locs,
    properties: c.properties,
    signature,
    binBytes: buf.byteLength,
  };
  await writeJsonAtomic(json, meta);
  return meta;
}

/** The case's metadata if the case is complete (json present, parseable, .bin of the recorded size). */
export function completeCaseMeta(dir: string, id: string): CaseMeta | null {
  const { bin, json } = casePaths(dir, id);
  try {
    const meta = JSON.parse(fs.readFileSync(json, 'utf8')) as CaseMeta;
    if (meta.format !== CACHE_FORMAT || meta.id !== id) return null;
    if (fs.statSync(bin).size !== meta.binBytes) return null;
    return meta;
  } catch {
    return null;
  }
}

export interface CachedCase {
  id: string;
  meta: CaseMeta;
  /** One [z, y, x] float32 view per channel. */
  channels: Float32Array[];
  seg: Int8Array | Int16Array | null;
  shape: number[];
  /** Per class key: flat (z, y, x) triples. */
  classLocations: Record<string, Int32Array>;
}

/** Reads a complete case from the cache (throws CacheError naming the file otherwise). */
export function readCachedCase(dir: string, id: string): CachedCase {
  const meta = completeCaseMeta(dir, id);
  const { bin, json } = casePaths(dir, id);
  if (!meta) throw new CacheError(`${json}: preprocessed case ${id} is missing or incomplete; run nnseg preprocess again.`, json);
  const raw = fs.readFileSync(bin);
  // copy into an aligned buffer so typed views are valid whatever Buffer's pool offset is
  const ab = new ArrayBuffer(raw.byteLength);
  new Uint8Array(ab).set(raw);
  const [c, ...shape] = meta.dataShape;
  const voxels = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(ab, meta.data.offset, meta.data.byteLength / 4);
  const channels = Array.from({ length: c }, (_, i) => data.subarray(i * voxels, (i + 1) * voxels));
  let seg: Int8Array | Int16Array | null = null;
  if (meta.seg) {
    seg = meta.segDtype === 'int16' ? new Int16Array(ab, meta.seg.offset, meta.seg.byteLength / 2) : new Int8Array(ab, meta.seg.offset, meta.seg.byteLength);
  }
  const classLocations: Record<string, Int32Array> = {};
  for (const [k, s] of Object.entries(meta.classLocations)) classLocations[k] = new Int32Array(ab, s.offset, s.byteLength / 4);
  return { id, meta, channels, seg, shape, classLocations };
}

/** Identifiers of the complete cases in a cache folder. */
export function listCachedCases(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -5))
    .filter((id) => completeCaseMeta(dir, id) !== null)
    .sort();
}
