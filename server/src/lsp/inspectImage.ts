import type { InspectImageResult } from '../protocol';
import { errorMessage } from '../util/errors';

/**
 * Header check of an image for the viewer: the backend's reader gives the clear error a corrupt file
 * deserves. Filled in with the NIfTI layer (engine/io).
 */
export async function inspectImage(file: string): Promise<InspectImageResult> {
  try {
    const io = require('../engine/io') as { readNiftiHeader(f: string): Promise<{ dim: number[]; pixdim: number[] }> };
    const h = await io.readNiftiHeader(file);
    return { ok: true, dims: h.dim.slice(1, 1 + h.dim[0]), pixdim: h.pixdim.slice(1, 1 + h.dim[0]) };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}
