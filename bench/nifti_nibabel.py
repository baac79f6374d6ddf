#!/usr/bin/python3
"""nibabel side of `npm run bench -- nifti`: one task per process so peak RSS is that task's alone.

    /usr/bin/python3 bench/nifti_nibabel.py read FILE          # img.get_fdata(dtype=np.float32)
    /usr/bin/python3 bench/nifti_nibabel.py read-raw FILE      # np.asanyarray(img.dataobj) (stored int16)
    /usr/bin/python3 bench/nifti_nibabel.py write FILE OUT     # read as above, then nib.save float32 .nii.gz

Prints one JSON line: seconds (the timed part), maxRssKB (peak resident set of the process, VmHWM),
baselineKB (peak before the timed part: interpreter + numpy + nibabel).
"""
import json
import resource
import sys
import time

import numpy as np
import nibabel as nib


def peak_kb():
    """VmHWM (peak RSS of this process); ru_maxrss survives fork+exec and would report the parent's peak."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    mode, path = sys.argv[1], sys.argv[2]
    base = peak_kb()
    if mode == 'read':
        t = time.perf_counter()
        data = nib.load(path).get_fdata(dtype=np.float32)
        secs = time.perf_counter() - t
    elif mode == 'read-raw':
        t = time.perf_counter()
        data = np.asanyarray(nib.load(path).dataobj)
        secs = time.perf_counter() - t
    elif mode == 'write':
        img = nib.load(path)
        data = img.get_fdata(dtype=np.float32)
        hdr = img.header.copy()
        hdr.set_data_dtype(np.float32)
        out = nib.Nifti1Image(data, img.affine, hdr)
        t = time.perf_counter()
        nib.save(out, sys.argv[3])
        secs = time.perf_counter() - t
    else:
        raise SystemExit('unknown mode ' + mode)
    print(json.dumps({'seconds': secs, 'maxRssKB': peak_kb(), 'baselineKB': base, 'voxels': int(data.size)}))


if __name__ == '__main__':
    main()
