import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InspectImageResult } from '../protocol';
import { errorMessage } from '../util/errors';
import { affineOf, orientationCode, readNifti, readNiftiHeader, NIFTI_INTENT_LABEL } from '../engine/io';
import { labelTableOf } from '../engine/evaluation/labelFile';

const INTEGER_TYPES = new Set(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

/** Label names from the nearest dataset.json above the file (an nnU-Net raw dataset), value -> name. */
function datasetLabelNames(file: string): Record<string, string> | undefined {
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 3; i++) {
    const dj = path.join(dir, 'dataset.json');
    if (fs.existsSync(dj)) {
      try {
        const labels = JSON.parse(fs.readFileSync(dj, 'utf8')).labels as Record<string, number | number[]>;
        const out: Record<string, string> = {};
        for (const [name, v] of Object.entries(labels ?? {})) if (typeof v === 'number') out[String(v)] = name;
        return out;
      } catch {
        return undefined;
      }
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Label names stored in the file itself (TotalSegmentator's --ml label table extension). */
function headerLabelNames(h: Parameters<typeof labelTableOf>[0]): Record<string, string> | undefined {
  const t = labelTableOf(h);
  return t && t.size ? Object.fromEntries([...t].map(([k, v]) => [String(k), v])) : undefined;
}

/**
 * The backend's look at an image for the viewer: header, geometry and label names, or the NIfTI
 * reader's one-sentence error. `full` also reads the voxels (used when the webview could not parse the
 * file, to say exactly what is wrong with it).
 */
export async function inspectImage(file: string, full = false): Promise<InspectImageResult> {
  try {
    const h = full ? (await readNifti(file, { raw: true })).header : await readNiftiHeader(file);
    const n = h.dim[0];
    return {
      ok: true,
      dims: h.dim.slice(1, 1 + n),
      pixdim: h.pixdim.slice(1, 1 + n),
      datatype: h.datatype,
      orientation: orientationCode(affineOf(h).affine),
      labelNames: headerLabelNames(h) ?? datasetLabelNames(file),
      isLabelMap: h.intentCode === NIFTI_INTENT_LABEL || labelTableOf(h) !== null || (INTEGER_TYPES.has(h.datatype) && /labels?(Tr|Ts)?$/i.test(path.basename(path.dirname(file)))),
    };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}
