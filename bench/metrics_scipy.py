#!/usr/bin/python3
"""Reference segmentation metrics with numpy + scipy.ndimage (independent of nnSeg's TypeScript code).

Definitions (the ones nnSeg documents):
  surface   = mask & ~binary_erosion(mask, 6-connectivity, border_value=0)  (grid border counts as outside)
  directed  = distance_transform_edt(~surface_other, sampling=spacing) read at surface voxels
  hdP       = max(percentile(d_ab, P), percentile(d_ba, P))   (--hd-mode pooled: percentile(concat, P))
  assd      = (sum d_ab + sum d_ba) / (n_ab + n_ba)
  dice/iou  = nnU-Net (both empty -> None; ref empty and pred not -> 0)

Input: two raw C-order arrays in engine order (shape z,y,x) written by bench/metrics.ts, or two NIfTI files
(--nifti, read with nibabel and transposed to z,y,x). Output: JSON on stdout {"labels": {...}, "seconds": ...}.
The EDT runs on the union bounding box of both masks plus one voxel (as DeepMind's surface-distance does);
--full runs it on the whole grid instead (what a plain scipy script does).
"""
import argparse
import json
import sys
import time

import numpy as np
from scipy import ndimage


def load(args):
    if args.nifti:
        import nibabel as nib

        out = []
        for f in (args.ref, args.pred):
            img = nib.load(f)
            data = np.asanyarray(img.dataobj)
            while data.ndim > 3 and data.shape[-1] == 1:
                data = data[..., 0]
            zooms = img.header.get_zooms()[:3]
            out.append((np.ascontiguousarray(data.transpose(2, 1, 0)), [float(zooms[2]), float(zooms[1]), float(zooms[0])]))
        return out[0][0], out[1][0], out[0][1]
    shape = [int(s) for s in args.shape.split(',')]
    ref = np.fromfile(args.ref, dtype=args.dtype).reshape(shape)
    pred = np.fromfile(args.pred, dtype=args.dtype).reshape(shape)
    return ref, pred, [float(s) for s in args.spacing.split(',')]


def shift(a, d):
    """a shifted by d voxels per axis, zero filled (not rolled)."""
    out = np.zeros_like(a)
    src = tuple(slice(max(0, -k), a.shape[i] - max(0, k)) for i, k in enumerate(d))
    dst = tuple(slice(max(0, k), a.shape[i] - max(0, -k)) for i, k in enumerate(d))
    out[dst] = a[src]
    return out


STRUCT = ndimage.generate_binary_structure(3, 1)


def surface(mask):
    return mask & ~ndimage.binary_erosion(mask, structure=STRUCT, border_value=0)


def distances(a, b, spacing, full):
    if not full:
        idx = np.argwhere(a | b)
        lo = np.maximum(idx.min(axis=0) - 1, 0)
        hi = np.minimum(idx.max(axis=0) + 2, a.shape)
        sl = tuple(slice(int(l), int(h)) for l, h in zip(lo, hi))
        a = a[sl]
        b = b[sl]
    sa = surface(a)
    sb = surface(b)
    d_ab = ndimage.distance_transform_edt(~sb, sampling=spacing)[sa]
    d_ba = ndimage.distance_transform_edt(~sa, sampling=spacing)[sb]
    return d_ab, d_ba


def ratio(n, d):
    return None if d == 0 else float(n) / float(d)


def label_metrics(ref, pred, label, spacing, mode, full, with_distances):
    a = ref == label
    b = pred == label
    tp = int(np.count_nonzero(a & b))
    na = int(np.count_nonzero(a))
    nb = int(np.count_nonzero(b))
    fp = nb - tp
    fn = na - tp
    tn = int(a.size) - tp - fp - fn
    both_empty = na == 0 and nb == 0
    m = {
        'tp': tp, 'fp': fp, 'fn': fn, 'tn': tn,
        'dice': None if both_empty else 2 * tp / (2 * tp + fp + fn),
        'iou': None if both_empty else tp / (tp + fp + fn),
        'sensitivity': ratio(tp, tp + fn),
        'specificity': ratio(tn, tn + fp),
        'hd95': None, 'hd99_9': None, 'hd100': None, 'assd': None,
        'refVolumeMm3': na * spacing[0] * spacing[1] * spacing[2],
        'predVolumeMm3': nb * spacing[0] * spacing[1] * spacing[2],
        'empty': 'both' if both_empty else 'ref' if na == 0 else 'pred' if nb == 0 else None,
    }
    if m['empty'] is None and with_distances:
        d_ab, d_ba = distances(a, b, spacing, full)
        if mode == 'pooled':
            both = np.concatenate([d_ab, d_ba])
            pct = lambda p: float(np.percentile(both, p))
        else:
            pct = lambda p: float(max(np.percentile(d_ab, p), np.percentile(d_ba, p)))
        m['hd95'] = pct(95)
        m['hd99_9'] = pct(99.9)
        m['hd100'] = float(max(d_ab.max(), d_ba.max()))
        m['assd'] = float((d_ab.sum() + d_ba.sum()) / (d_ab.size + d_ba.size))
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ref', required=True)
    ap.add_argument('--pred', help='default: the reference shifted by --shift')
    ap.add_argument('--nifti', action='store_true')
    ap.add_argument('--shape')
    ap.add_argument('--dtype', default='uint8')
    ap.add_argument('--spacing')
    ap.add_argument('--shift', help='z,y,x voxels: pred = ref shifted (zero filled)')
    ap.add_argument('--labels')
    ap.add_argument('--hd-mode', default='max', choices=['max', 'pooled'])
    ap.add_argument('--full', action='store_true')
    ap.add_argument('--no-distances', action='store_true')
    args = ap.parse_args()
    if args.pred is None:
        args.pred = args.ref
    ref, pred, spacing = load(args)
    if args.shift:
        pred = shift(pred, [int(s) for s in args.shift.split(',')])
    t0 = time.perf_counter()
    if args.labels:
        labels = [int(s) for s in args.labels.split(',')]
    else:
        labels = sorted(int(v) for v in np.union1d(np.unique(ref), np.unique(pred)) if v != 0)
    out = {str(l): label_metrics(ref, pred, l, spacing, args.hd_mode, args.full, not args.no_distances) for l in labels}
    seconds = time.perf_counter() - t0
    json.dump({'labels': out, 'seconds': seconds, 'spacing': spacing, 'shape': list(ref.shape),
               'scipy': __import__('scipy').__version__, 'numpy': np.__version__}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
