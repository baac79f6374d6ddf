#!/usr/bin/python3
"""Writes planner inputs for dataset archetypes (isotropic MR, BraTS-like, abdominal CT, anisotropic prostate,
ACDC-like, tiny hippocampus, large CT, x-anisotropic, 2D, many labels): a dataset.json with one tiny image (the
planner only opens one to pick the reader) and a dataset_fingerprint.json with seeded per-case spacings and
shapes. bench/nnunet_reference.py --plan-only then runs nnU-Net's planner on them; test/fixtures/planning holds
the results (see its README.md).

Usage: /usr/bin/python3 bench/planning_archetypes.py RAW_ROOT OUT_ROOT
"""
import json
import os
import sys

import numpy as np
import nibabel


def archetypes():
    r = np.random.RandomState(42)

    def cases(n, spacing, sp_jit, shape, sh_jit, rel=(0.9, 1.0)):
        sp = [[float(np.float32(s * (1 + r.uniform(-j, j)))) for s, j in zip(spacing, sp_jit)] for _ in range(n)]
        sh = [[int(max(1, round(s * (1 + r.uniform(-j, j))))) for s, j in zip(shape, sh_jit)] for _ in range(n)]
        rels = [float(r.uniform(*rel)) for _ in range(n)]
        return sp, sh, rels

    def ct_spacings(n):
        z = r.choice([0.7, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 5.0], n)
        xy = r.uniform(0.55, 0.95, n)
        return [[float(a), float(np.float32(b)), float(np.float32(b))] for a, b in zip(z, xy)]

    out = {}
    sp, sh, rel = cases(20, [1, 1, 1], [0.1, 0.1, 0.1], [150, 190, 160], [0.1, 0.1, 0.1], (0.5, 0.7))
    out['Dataset801_IsoMR'] = dict(channels={'0': 'T1'}, labels=3, spacings=sp, shapes=sh, rel=rel)
    sp, sh, rel = cases(40, [1, 1, 1], [0, 0, 0], [140, 170, 140], [0.08, 0.08, 0.08], (0.35, 0.45))
    out['Dataset802_BratsLike'] = dict(channels={'0': 'T1', '1': 'T1ce', '2': 'T2', '3': 'FLAIR'}, labels=3,
                                       spacings=sp, shapes=sh, rel=rel)
    n = 30
    sp = ct_spacings(n)
    sh = [[int(round(400 * 1.0 / s[0] * r.uniform(0.6, 1.4))), int(r.randint(400, 513)), int(r.randint(400, 513))]
          for s in sp]
    out['Dataset803_AbdomenCT'] = dict(channels={'0': 'CT'}, labels=2, spacings=sp, shapes=sh,
                                       rel=[float(r.uniform(0.85, 1.0)) for _ in range(n)])
    sp, sh, rel = cases(32, [3.6, 0.625, 0.625], [0.1, 0.05, 0.05], [20, 300, 300], [0.2, 0.1, 0.1], (0.95, 1.0))
    out['Dataset804_ProstateAniso'] = dict(channels={'0': 'T2', '1': 'ADC'}, labels=2, spacings=sp, shapes=sh, rel=rel)
    sp = [[float(r.choice([5.0, 6.5, 10.0])), float(np.float32(x)), float(np.float32(x))] for x in r.uniform(1.2, 1.8, 100)]
    sh = [[int(r.randint(6, 18)), int(r.randint(180, 260)), int(r.randint(180, 260))] for _ in range(100)]
    out['Dataset805_ACDCLike'] = dict(channels={'0': 'cineMRI'}, labels=3, spacings=sp, shapes=sh,
                                      rel=[1.0] * 100)
    sp, sh, rel = cases(260, [1, 1, 1], [0, 0, 0], [36, 50, 35], [0.1, 0.1, 0.1], (0.99, 1.0))
    out['Dataset806_Hippocampus'] = dict(channels={'0': 'MRI'}, labels=2, spacings=sp, shapes=sh, rel=rel)
    sp, sh, rel = cases(12, [1.0, 0.8, 0.8], [0.05, 0.05, 0.05], [800, 512, 512], [0.15, 0, 0], (0.8, 0.95))
    out['Dataset807_LargeCT'] = dict(channels={'0': 'CT'}, labels=4, spacings=sp, shapes=sh, rel=rel)
    sp, sh, rel = cases(16, [0.8, 0.8, 4.0], [0.05, 0.05, 0.1], [200, 220, 30], [0.1, 0.1, 0.2], (0.9, 1.0))
    out['Dataset808_XAniso'] = dict(channels={'0': 'T2'}, labels=1, spacings=sp, shapes=sh, rel=rel)
    sh = [[1, int(r.randint(400, 600)), int(r.randint(400, 600))] for _ in range(50)]
    out['Dataset809_Flat2D'] = dict(channels={'0': 'R', '1': 'G', '2': 'B'}, labels=1,
                                    spacings=[[999.0, 1.0, 1.0]] * 50, shapes=sh, rel=[1.0] * 50)
    sp, sh, rel = cases(24, [1.5, 1.5, 1.5], [0.0, 0.0, 0.0], [250, 230, 230], [0.2, 0.1, 0.1], (0.7, 0.8))
    out['Dataset810_ManyLabels'] = dict(channels={'0': 'CT'}, labels=104, spacings=sp, shapes=sh, rel=rel)
    return out


def write(raw_root, out_root, name, a):
    raw = os.path.join(raw_root, name)
    os.makedirs(os.path.join(raw, 'imagesTr'), exist_ok=True)
    os.makedirs(os.path.join(raw, 'labelsTr'), exist_ok=True)
    for c in a['channels']:
        img = nibabel.Nifti1Image(np.ones((4, 4, 4), np.float32), np.eye(4))
        nibabel.save(img, os.path.join(raw, 'imagesTr', f'case_{int(c):04d}.nii.gz'))
    nibabel.save(nibabel.Nifti1Image(np.zeros((4, 4, 4), np.uint8), np.eye(4)), os.path.join(raw, 'labelsTr', 'case.nii.gz'))
    labels = {'background': 0, **{f'class{i}': i for i in range(1, a['labels'] + 1)}}
    dj = {'channel_names': a['channels'], 'labels': labels, 'numTraining': len(a['spacings']), 'file_ending': '.nii.gz'}
    with open(os.path.join(raw, 'dataset.json'), 'w') as f:
        json.dump(dj, f, indent=2)
    props = {}
    for c, cname in a['channels'].items():
        if cname == 'CT':
            props[c] = dict(mean=60.5, median=55.0, std=140.25, min=-1024.0, max=3071.0, percentile_99_5=410.0,
                            percentile_00_5=-160.0)
        else:
            props[c] = dict(mean=320.0, median=300.0, std=80.0, min=0.0, max=1200.0, percentile_99_5=700.0,
                            percentile_00_5=20.0)
    fp = {'spacings': a['spacings'], 'shapes_after_crop': a['shapes'],
          'foreground_intensity_properties_per_channel': props,
          'median_relative_size_after_cropping': float(np.median(a['rel']))}
    os.makedirs(os.path.join(out_root, name), exist_ok=True)
    with open(os.path.join(out_root, name, 'dataset_fingerprint.json'), 'w') as f:
        json.dump(fp, f)


if __name__ == '__main__':
    raw_root, out_root = sys.argv[1:3]
    for name, a in archetypes().items():
        write(raw_root, out_root, name, a)
        print(name)
