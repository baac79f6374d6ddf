/** Do an image and a label map (or two images) share one voxel grid in world space? */
import { type Mat4, affineOf, orientationCode, spacingOf } from './geometry';
import type { NiftiHeader } from './header';
import type { NiftiVolume } from './read';

export interface GeometryDifference {
  what: 'shape' | 'spacing' | 'affine' | 'orientation';
  message: string;
  a: unknown;
  b: unknown;
}

export interface GeometryTolerances {
  /** Allowed voxel-size difference in mm, relative above 1 mm (|a-b| <= tol * max(1, |a|, |b|)); default 1e-4. */
  spacingTol?: number;
  /** The same for each affine entry (direction cosines times spacing, origin in mm); default 1e-4. */
  affineTol?: number;
}

interface Grid {
  shape: number[];
  spacing: number[];
  affine: Mat4;
}

function gridOf(x: NiftiVolume | NiftiHeader | Grid): Grid {
  if ('affine' in x && 'shape' in x && 'spacing' in x) {
    const spatial = 'header' in x ? Math.min(3, x.header.dim[0]) : Math.min(3, x.shape.length);
    // Spatial part of the shape: the last axes before a raw component axis.
    const comps = 'header' in x && x.raw && x.shape.length > x.header.dim[0] ? 1 : 0;
    const s = x.shape.slice(0, x.shape.length - comps);
    return { shape: s.slice(-spatial), spacing: x.spacing, affine: x.affine };
  }
  const h = x as NiftiHeader;
  const n = Math.min(3, h.dim[0]);
  return { shape: h.dim.slice(1, n + 1).reverse(), spacing: spacingOf(h), affine: affineOf(h).affine };
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Lists how the spatial grids of `a` and `b` differ (shape, spacing, orientation, affine); empty when they
 * match within the tolerances. Extra leading axes (time, channels) are not compared.
 */
export function compareGeometry(a: NiftiVolume | NiftiHeader | Grid, b: NiftiVolume | NiftiHeader | Grid, tol: GeometryTolerances = {}): GeometryDifference[] {
  const spacingTol = tol.spacingTol ?? 1e-4;
  const affineTol = tol.affineTol ?? 1e-4;
  const ga = gridOf(a), gb = gridOf(b);
  const out: GeometryDifference[] = [];
  if (ga.shape.length !== gb.shape.length || ga.shape.some((d, k) => d !== gb.shape[k])) {
    out.push({ what: 'shape', message: `shapes differ: ${ga.shape.join('x')} vs ${gb.shape.join('x')}`, a: ga.shape, b: gb.shape });
  }
  if (ga.spacing.length !== gb.spacing.length || ga.spacing.some((s, k) => !close(s, gb.spacing[k], spacingTol))) {
    out.push({ what: 'spacing', message: `spacings differ: ${ga.spacing.join(', ')} vs ${gb.spacing.join(', ')} mm`, a: ga.spacing, b: gb.spacing });
  }
  const oa = orientationCode(ga.affine), ob = orientationCode(gb.affine);
  if (oa !== ob) out.push({ what: 'orientation', message: `orientations differ: ${oa} vs ${ob}`, a: oa, b: ob });
  let worst = 0;
  let where = '';
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) {
    const x = ga.affine[r][c], y = gb.affine[r][c];
    if (!close(x, y, affineTol)) {
      const d = Math.abs(x - y);
      if (d > worst) [worst, where] = [d, `[${r}][${c}]`];
    }
  }
  if (worst > 0) out.push({ what: 'affine', message: `affines differ by up to ${worst.toPrecision(3)} (entry ${where}; origin or direction)`, a: ga.affine, b: gb.affine });
  return out;
}
