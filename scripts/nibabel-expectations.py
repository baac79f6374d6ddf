#!/usr/bin/python3
"""Writes test/fixtures/nifti-expectations.json: what nibabel reads from every file of the shared NIfTI
corpus (header fields, geometry, statistics, sample voxels, canonical reorientation), for the io tests.

Run with Debian's nibabel (apt-get install -y python3-nibabel):
    /usr/bin/python3 scripts/nibabel-expectations.py [CORPUS_DIR] [OUT_JSON]
Defaults: ../shared/data/nifti next to the checkout, test/fixtures/nifti-expectations.json.
"""
import json
import os
import sys

import numpy as np
import nibabel as nib
from nibabel.openers import Opener

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'data', 'nifti')
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'test', 'fixtures', 'nifti-expectations.json')
N_SAMPLES = 24
VALID_XFORM = {1, 2, 3, 4, 5}


def sample_indices(n):
    """Deterministic spread of flat indices (x fastest), the same rule the tests use."""
    if n <= N_SAMPLES:
        return list(range(n))
    return sorted({(k * 2654435761) % n for k in range(N_SAMPLES - 2)} | {0, n - 1})


def num(x):
    x = float(x)
    if np.isnan(x):
        return 'NaN'
    if np.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def stats(arr):
    a = np.asarray(arr, dtype=np.float64).ravel()
    finite = np.isfinite(a)
    f = a[finite]
    count = int(f.size)
    return {
        'min': float(f.min()) if count else None,
        'max': float(f.max()) if count else None,
        'sum': float(f.sum(dtype=np.float64)),
        'mean': float(f.mean(dtype=np.float64)) if count else None,
        'count': count,
        'nonFinite': int(a.size - count),
    }


def samples(arr):
    flat = np.asarray(arr).ravel(order='F')
    idx = sample_indices(flat.size)
    vals = []
    for i in idx:
        v = flat[i]
        if flat.dtype.names:  # RGB(A): structured
            vals.append([int(v[name]) for name in flat.dtype.names])
        elif np.iscomplexobj(flat):
            vals.append([num(v.real), num(v.imag)])
        else:
            vals.append(num(v))
    return {'index': [int(i) for i in idx], 'value': vals}


def content_length(ext):
    """Length of the raw content with trailing NULs stripped (nibabel's view); None when nibabel parsed it (CIFTI XML)."""
    c = ext.get_content()
    return len(c) if isinstance(c, (bytes, bytearray)) else None


def raw_header(path, klass):
    """The header exactly as stored (nibabel's load-time fixes not applied)."""
    hdr_path = path[:-4] + '.hdr' if path.endswith('.img') else path
    with Opener(hdr_path) as f:
        return klass.header_class.from_fileobj(f, check=False)


def image_class(path):
    with Opener(path) as f:
        first = f.read(4)
    size_le = int.from_bytes(first, 'little')
    size_be = int.from_bytes(first, 'big')
    v2 = 540 in (size_le, size_be)
    pair = path.endswith('.hdr') or path.endswith('.hdr.gz')
    if v2:
        return nib.Nifti2Pair if pair else nib.Nifti2Image
    return nib.Nifti1Pair if pair else nib.Nifti1Image


def our_affine(hdr):
    """The issue's rule: sform if sform_code > 0, else qform if qform_code > 0, else diag(pixdim)."""
    if int(hdr['sform_code']) in VALID_XFORM:
        return hdr.get_sform(), 'sform'
    if int(hdr['qform_code']) in VALID_XFORM:
        return hdr.get_qform(), 'qform'
    z = [float(x) for x in hdr.get_zooms()[:3]] + [1.0] * 3
    return np.diag(z[:3] + [1.0]), 'pixdim'


def describe(path, rel):
    klass = image_class(path)
    img = klass.from_filename(path)
    hdr = img.header  # after nibabel's fixes
    raw = raw_header(path, klass)
    aff, source = our_affine(hdr)
    dt = img.get_data_dtype()
    slope, inter = hdr.get_slope_inter()
    out = {
        'file': rel,
        'nibabelClass': klass.__name__,
        'version': 2 if 'Nifti2' in klass.__name__ else 1,
        'littleEndian': raw.endianness == '<',
        'datatypeCode': int(raw['datatype']),
        'bitpix': int(raw['bitpix']),
        'dim': [int(x) for x in raw['dim']],
        'pixdim': [num(x) for x in raw['pixdim']],
        'zooms': [num(x) for x in hdr.get_zooms()],
        'sclSlope': num(raw['scl_slope']),
        'sclInter': num(raw['scl_inter']),
        'scaling': None if slope is None else [num(slope), num(inter)],
        'qformCode': int(raw['qform_code']),
        'sformCode': int(raw['sform_code']),
        'intentCode': int(raw['intent_code']),
        'descrip': raw['descrip'].item().decode('latin-1').split('\x00')[0],
        'voxOffset': int(raw['vox_offset']),
        'extensions': [[int(e.get_code()), content_length(e)] for e in hdr.extensions],
        'shape': [int(x) for x in img.shape],
        'affine': [[num(x) for x in row] for row in aff],
        'affineSource': source,
        'nibabelBestAffine': [[num(x) for x in row] for row in hdr.get_best_affine()],
        'orientation': ''.join(nib.aff2axcodes(aff)),
    }
    scalar = dt.names is None and not np.issubdtype(dt, np.complexfloating)
    data = np.asanyarray(img.dataobj)  # scaled (float64) for scalar types, stored values otherwise
    out['samples'] = samples(data)
    out['stats'] = stats(img.get_fdata(dtype=np.float64)) if scalar else None
    if scalar and len(img.shape) >= 3:
        # Canonical reorientation of the first 3D volume, with the affine rule.
        vol = np.asanyarray(img.dataobj[(...,) + (0,) * (len(img.shape) - 3)]) if len(img.shape) > 3 else data
        ornt = nib.orientations.io_orientation(aff)
        canon = nib.orientations.apply_orientation(vol, ornt)
        t = nib.orientations.inv_ornt_aff(ornt, vol.shape)
        out['canonical'] = {
            'shape': [int(x) for x in canon.shape],
            'affine': [[num(x) for x in row] for row in aff.dot(t)],
            'samples': samples(canon),
        }
    return out


def main():
    files = []
    for base, _dirs, names in os.walk(CORPUS):
        for n in names:
            if n.endswith(('.nii', '.nii.gz', '.hdr')):
                files.append(os.path.join(base, n))
    result = {
        'generatedBy': 'scripts/nibabel-expectations.py',
        'nibabel': nib.__version__,
        'numpy': np.__version__,
        'sampleRule': 'flat index (x fastest) = (k * 2654435761) mod n for k < %d, plus 0 and n-1, sorted; all when n <= %d' % (N_SAMPLES - 2, N_SAMPLES),
        'files': [],
    }
    for path in sorted(files):
        rel = os.path.relpath(path, CORPUS).replace(os.sep, '/')
        try:
            result['files'].append(describe(path, rel))
        except Exception as e:  # recorded so the test can see nibabel refused it
            result['files'].append({'file': rel, 'nibabelError': '%s: %s' % (type(e).__name__, e)})
        print(rel, file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    print('wrote %s (%d files)' % (OUT, len(result['files'])), file=sys.stderr)


if __name__ == '__main__':
    main()
