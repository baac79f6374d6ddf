#!/usr/bin/python3
"""Runs the real nnU-Net v2 fingerprint extractor, default planner and preprocessor on raw datasets, to
produce reference outputs nnSeg is checked against (test/fixtures/planning, bench/preprocess.ts).

Usage (Debian: python3-numpy python3-scipy python3-skimage python3-nibabel python3-torch python3-pandas):
  NNUNET_SRC=/path/with/nnUNet,dynamic-network-architectures,batchgenerators,acvl_utils \
  /usr/bin/python3 bench/nnunet_reference.py RAW_ROOT OUT_ROOT DatasetXXX_Name [...] [--plan-only]
      [--preprocess CASE_ID CONFIG] [--time-preprocess CONFIG]

NNUNET_SRC holds source checkouts of MIC-DKFZ/nnUNet, MIC-DKFZ/dynamic-network-architectures,
MIC-DKFZ/batchgenerators and MIC-DKFZ/acvl_utils (not installed: put on sys.path here). SimpleITK is not
packaged for Debian, so a small stand-in built on nibabel provides the few calls nnU-Net's SimpleITKIO
makes (ReadImage, GetArrayFromImage, GetSpacing/Origin/Direction) with ITK's conventions: array [z, y, x],
spacing (x, y, z) from pixdim, LPS origin/direction. blosc2 and tifffile are stubbed (not used here).
With --plan-only the fingerprint is not extracted: OUT_ROOT/<dataset>/dataset_fingerprint.json must exist
(the planner needs only it, dataset.json and one readable image). Outputs: OUT_ROOT/<dataset>/dataset_fingerprint.json, nnUNetPlans.json, and with --preprocess the
preprocessed arrays of one case as .npy plus its properties as JSON.
"""
import json
import os
import sys
import types

SRC = os.environ.get('NNUNET_SRC', '/work/pyref')
for sub in ('nnUNet', 'dynamic-network-architectures', 'batchgenerators', 'acvl_utils'):
    sys.path.insert(0, os.path.join(SRC, sub))

import numpy as np  # noqa: E402
import nibabel  # noqa: E402


def _install_stubs():
    sitk = types.ModuleType('SimpleITK')

    class Image:
        def __init__(self, fname):
            img = nibabel.load(fname)
            arr = np.asanyarray(img.dataobj)
            self._arr = np.ascontiguousarray(arr.transpose(tuple(range(arr.ndim))[::-1]))
            zooms = img.header.get_zooms()[:arr.ndim]
            self._spacing = tuple(float(z) for z in zooms)
            aff = img.affine
            sp = np.array([float(z) for z in img.header.get_zooms()[:3]])
            direction = aff[:3, :3] / sp[None, :]
            lps = np.diag([-1.0, -1.0, 1.0])
            self._direction = tuple(float(v) for v in (lps @ direction).ravel())
            self._origin = tuple(float(v) for v in (lps @ aff[:3, 3]))

        def GetSpacing(self):
            return self._spacing

        def GetOrigin(self):
            return self._origin

        def GetDirection(self):
            return self._direction

    sitk.Image = Image
    sitk.ReadImage = lambda f: Image(f)
    sitk.GetArrayFromImage = lambda im: im._arr

    def _unsupported(*a, **k):
        raise RuntimeError('SimpleITK stand-in: writing is not supported')

    sitk.WriteImage = _unsupported
    sitk.GetImageFromArray = _unsupported
    sys.modules['SimpleITK'] = sitk
    class _Anything(types.ModuleType):
        """A module whose every attribute is another stand-in (enough for imports and type hints)."""

        def __getattr__(self, attr):
            if attr.startswith('__'):
                raise AttributeError(attr)
            sub = _Anything(f'{self.__name__}.{attr}')
            setattr(self, attr, sub)
            return sub

        def __call__(self, *a, **k):
            raise RuntimeError(f'{self.__name__} is a stand-in and cannot be used')

    for name in ('blosc2', 'tifffile'):
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = _Anything(name)


_install_stubs()


def main(argv):
    raw_root, out_root, *rest = argv
    os.environ['nnUNet_raw'] = os.path.abspath(raw_root)
    os.environ['nnUNet_preprocessed'] = os.path.abspath(out_root)
    os.environ.setdefault('nnUNet_results', os.path.abspath(os.path.join(out_root, '_results')))
    plan_only = '--plan-only' in rest
    rest = [r for r in rest if r != '--plan-only']
    time_config = None
    if '--time-preprocess' in rest:
        i = rest.index('--time-preprocess')
        time_config = rest[i + 1]
        rest = rest[:i] + rest[i + 2:]
    preprocess = None
    if '--preprocess' in rest:
        i = rest.index('--preprocess')
        preprocess = rest[i + 1:i + 3]
        rest = rest[:i] + rest[i + 3:]
    from nnunetv2.experiment_planning.dataset_fingerprint.fingerprint_extractor import DatasetFingerprintExtractor
    from nnunetv2.experiment_planning.experiment_planners.default_experiment_planner import ExperimentPlanner
    for name in rest:
        if not plan_only:  # --plan-only: plan from the dataset_fingerprint.json already in OUT_ROOT/<name>
            DatasetFingerprintExtractor(name, num_processes=1).run(overwrite_existing=True)
        ExperimentPlanner(name, gpu_memory_target_in_gb=8).plan_experiment()
        if preprocess:
            dump_preprocessed(name, *preprocess)
        if time_config:
            time_preprocessing(name, time_config)


def time_preprocessing(name, configuration):
    """Preprocesses every training case in this process (DefaultPreprocessor.run_case, no saving) and prints
    one JSON line: cases and seconds."""
    import time
    from batchgenerators.utilities.file_and_folder_operations import load_json, join
    from nnunetv2.preprocessing.preprocessors.default_preprocessor import DefaultPreprocessor
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager
    from nnunetv2.utilities.utils import get_filenames_of_train_images_and_targets
    pre = join(os.environ['nnUNet_preprocessed'], name)
    raw = join(os.environ['nnUNet_raw'], name)
    pm = PlansManager(join(pre, 'nnUNetPlans.json'))
    cm = pm.get_configuration(configuration)
    dj = load_json(join(raw, 'dataset.json'))
    ds = get_filenames_of_train_images_and_targets(raw, dj)
    pp = DefaultPreprocessor(verbose=False)
    t = time.perf_counter()
    for k in ds:
        pp.run_case(ds[k]['images'], ds[k]['label'], pm, cm, dj)
    print(json.dumps({'cases': len(ds), 'seconds': time.perf_counter() - t}))


def dump_preprocessed(name, case_id, configuration):
    from batchgenerators.utilities.file_and_folder_operations import load_json, join
    from nnunetv2.preprocessing.preprocessors.default_preprocessor import DefaultPreprocessor
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager
    from nnunetv2.utilities.utils import get_filenames_of_train_images_and_targets
    pre = join(os.environ['nnUNet_preprocessed'], name)
    raw = join(os.environ['nnUNet_raw'], name)
    pm = PlansManager(join(pre, 'nnUNetPlans.json'))
    cm = pm.get_configuration(configuration)
    dj = load_json(join(raw, 'dataset.json'))
    ds = get_filenames_of_train_images_and_targets(raw, dj)
    data, seg, props = DefaultPreprocessor(verbose=False).run_case(ds[case_id]['images'], ds[case_id]['label'], pm, cm, dj)
    out = join(pre, f'reference_{case_id}_{configuration}')
    np.save(out + '_data.npy', data.astype(np.float32))
    np.save(out + '_seg.npy', seg.astype(np.int16))
    locs = {str(k): np.asarray(v).tolist() for k, v in props.pop('class_locations').items()}
    props = {k: (np.asarray(v).tolist() if isinstance(v, (np.ndarray, tuple, list)) else v) for k, v in props.items()
             if k != 'sitk_stuff'}
    with open(out + '_properties.json', 'w') as f:
        json.dump({'properties': props, 'class_locations': locs}, f)


if __name__ == '__main__':
    main(sys.argv[1:])
