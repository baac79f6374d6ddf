#!/usr/bin/python3
"""scipy side of `npm run bench -- resample`.

    /usr/bin/python3 bench/resample_scipy.py IN.f32 Z Y X OZ OY OX OUT.f32 REPEAT

Times, on the same float32 volume as nnSeg: scipy.ndimage.zoom(order=3) with its defaults, and the call nnU-Net
actually makes (skimage.transform.resize(order=3, mode='edge', anti_aliasing=False) = scipy.ndimage.zoom(order=3,
mode='nearest', grid_mode=True) on float64, then clipping to the input range). Writes the latter's result as
float32 for the difference. Prints one JSON line of best-of-REPEAT seconds.
"""
import json
import sys
import time

import numpy as np
from scipy import ndimage

try:
    from skimage.transform import resize
except ImportError:  # skimage missing: time the zoom it would call
    resize = None


def best(fn, repeat):
    t = None
    out = None
    for _ in range(repeat):
        s = time.perf_counter()
        out = fn()
        d = time.perf_counter() - s
        t = d if t is None else min(t, d)
    return t, out


def main(a):
    src, shape, oshape, dst, repeat = a[0], tuple(map(int, a[1:4])), tuple(map(int, a[4:7])), a[7], int(a[8])
    x = np.fromfile(src, dtype='<f4').reshape(shape)
    factors = [o / i for o, i in zip(oshape, shape)]
    t_default, _ = best(lambda: ndimage.zoom(x, factors, order=3), repeat)

    def nnunet_call():
        xd = x.astype(float)
        if resize is not None:
            return resize(xd, oshape, 3, mode='edge', anti_aliasing=False)
        z = ndimage.zoom(xd, [o / i for o, i in zip(oshape, shape)], order=3, mode='nearest', grid_mode=True)
        return np.clip(z, xd.min(), xd.max())

    t_nnunet, out = best(nnunet_call, repeat)
    out.astype('<f4').tofile(dst)
    print(json.dumps({'zoom_default_s': t_default, 'nnunet_resize_s': t_nnunet, 'skimage': resize is not None}))


if __name__ == '__main__':
    main(sys.argv[1:])
