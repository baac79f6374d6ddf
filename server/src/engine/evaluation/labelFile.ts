import { compareGeometry, readNifti, scalingOf, type NiftiHeader, type NiftiVolume } from '../io';
import { NnsegError } from '../../util/errors';
import type { LabelArray, LabelGrid, Shape3 } from './types';

/** A label map read for evaluation: the grid plus what is needed for geometry checks and names. */
export interface LabelFile extends LabelGrid {
  file: string;
  volume: NiftiVolume;
}

/** Two label maps that do not share a grid; names both files and every difference. */
export class GridMismatchError extends NnsegError {
  constructor(
    readonly refFile: string,
    readonly predFile: string,
    readonly differences: string[],
  ) {
    super(`${predFile} is not on the grid of ${refFile}: ${differences.join('; ')}.`, predFile, 'EGRID');
  }
}

export class LabelFileError extends NnsegError {
  constructor(file: string, problem: string) {
    super(`${file} ${problem.replace(/\.$/, '')}.`, file, 'ELABELMAP');
  }
}

/**
 * Reads a label map as stored (no float copy) when its scaling is the identity, else scaled. 4-D files
 * with a single volume are accepted; anything else that is not one 3-D volume is refused.
 */
export async function readLabelFile(file: string): Promise<LabelFile> {
  let vol = await readNifti(file, { raw: true });
  const { slope, inter } = scalingOf(vol.header, file);
  const bigint = vol.data instanceof BigInt64Array || vol.data instanceof BigUint64Array;
  if (slope !== 1 || inter !== 0 || bigint) vol = await readNifti(file);
  let shape = vol.shape;
  while (shape.length > 3 && shape[0] === 1) shape = shape.slice(1);
  if (shape.length !== 3) throw new LabelFileError(file, `has shape ${vol.shape.join('x')}; a label map must be one 3-D volume`);
  const spacing = vol.spacing.slice(-3);
  return { file, volume: vol, data: vol.data as LabelArray, shape: shape as Shape3, spacing: spacing as Shape3 };
}

/** Throws GridMismatchError unless pred shares ref's grid (shape, spacing, orientation, affine). */
export function checkSameGrid(ref: LabelFile, pred: LabelFile): void {
  const a = { shape: ref.shape, spacing: ref.spacing, affine: ref.volume.affine };
  const b = { shape: pred.shape, spacing: pred.spacing, affine: pred.volume.affine };
  const diffs = compareGeometry(a, b);
  if (diffs.length) throw new GridMismatchError(ref.file, pred.file, diffs.map((d) => d.message));
}

/**
 * The label names stored in a NIfTI header extension as TotalSegmentator's --ml writes them: extension
 * code 0 holding a CIFTI-style XML `<CaretExtension>...<LabelTable><Label Key="1" ...><![CDATA[spleen]]>
 * </Label>...`. Returns value -> name, or null when the file has no such table.
 */
export function labelTableOf(header: NiftiHeader): Map<number, string> | null {
  for (const ext of header.extensions) {
    const text = Buffer.from(ext.data.buffer, ext.data.byteOffset, ext.data.byteLength).toString('utf8');
    if (!text.includes('<LabelTable')) continue;
    const table = new Map<number, string>();
    const re = /<Label\b([^>]*)>(?:\s*<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/Label>/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const key = /\bKey\s*=\s*"(-?\d+)"/.exec(m[1]);
      if (!key) continue;
      const name = (m[2] ?? decodeXml(m[3] ?? '')).trim();
      table.set(Number(key[1]), name);
    }
    if (table.size) return table;
  }
  return null;
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
