import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CPU_PRESET, GPU_PRESET, planExperiment, PlanningError, determineFullresTargetSpacing } from '../../../server/src/engine/planning/planner';
import { isFullConfiguration, resolveConfiguration, type ConfigurationPlan, type Plans } from '../../../server/src/engine/planning/plans';
import type { DatasetFingerprint } from '../../../server/src/engine/fingerprint/types';
import type { DatasetJson } from '../../../server/src/engine/dataset/datasetJson';
import { computeNewShape } from '../../../server/src/engine/planning/shapes';
import { median } from '../../../server/src/engine/fingerprint/numeric';

/** A fingerprint with n cases around the given spacing and shape (deterministic jitter). */
function fingerprint(n: number, spacing: number[], shape: number[], opts: { jitter?: number; rel?: number; spacingOf?: (i: number) => number[] } = {}): DatasetFingerprint {
  const j = opts.jitter ?? 0.1;
  const wobble = (i: number, a: number) => 1 + j * Math.sin(i * 12.9898 + a * 78.233);
  return {
    spacings: Array.from({ length: n }, (_, i) => opts.spacingOf?.(i) ?? spacing.slice()),
    shapes_after_crop: Array.from({ length: n }, (_, i) => shape.map((s, a) => Math.max(1, Math.round(s * wobble(i, a))))),
    foreground_intensity_properties_per_channel: { '0': { mean: 100, median: 100, std: 20, min: 0, max: 300, percentile_00_5: 10, percentile_99_5: 250 } },
    median_relative_size_after_cropping: opts.rel ?? 1,
  };
}

function dataset(n: number, channels: Record<string, string> = { '0': 'T2' }, labels = 2): DatasetJson {
  const l: Record<string, number> = { background: 0 };
  for (let i = 1; i <= labels; i++) l[`c${i}`] = i;
  return { channel_names: channels, labels: l, numTraining: n, file_ending: '.nii.gz' };
}

function plan(fp: DatasetFingerprint, dj: DatasetJson, opts = GPU_PRESET): Plans {
  return planExperiment({ datasetName: 'Dataset001_Test', datasetJson: dj, fingerprint: fp }, opts);
}

function full(p: Plans, name: string): ConfigurationPlan {
  return resolveConfiguration(p, name);
}

function checkInvariants(p: Plans, fp: DatasetFingerprint, dj: DatasetJson, opts = GPU_PRESET): void {
  for (const [name, c] of Object.entries(p.configurations)) {
    if (!isFullConfiguration(c)) continue;
    const k = c.architecture.arch_kwargs;
    const dim = c.patch_size.length;
    assert.equal(k.n_stages, k.strides.length, `${name}: one stride per stage`);
    assert.equal(k.kernel_sizes.length, k.n_stages);
    assert.deepEqual(k.strides[0], new Array(dim).fill(1), `${name}: first stage not strided`);
    // patch divisible by the total stride per axis
    for (let a = 0; a < dim; a++) {
      const total = k.strides.reduce((t, s) => t * s[a], 1);
      assert.equal(c.patch_size[a] % total, 0, `${name}: patch axis ${a} divisible by ${total}`);
      // bottleneck edge >= min edge on pooled axes
      if (total > 1) assert.ok(c.patch_size[a] / total >= opts.featuremapMinEdgeLength, `${name}: bottleneck edge`);
    }
    const maxF = dim === 2 ? opts.maxFeatures2d : opts.maxFeatures3d;
    assert.deepEqual(k.features_per_stage, k.features_per_stage.map((_, i) => Math.min(opts.baseFeatures * 2 ** i, maxF)));
    assert.ok(c.batch_size >= 2, `${name}: batch size >= 2`);
    // the dataset size the 5% rule uses: 3D median voxels (the 2d configuration uses the 3D one too)
    const fr = p.configurations['3d_fullres'];
    const med = name === '2d' && isFullConfiguration(fr) ? fr.median_image_size_in_voxels : c.median_image_size_in_voxels;
    const approx = med.reduce((a, b) => a * b, 1) * dj.numTraining;
    const cap = Math.round((approx * 0.05) / c.patch_size.reduce((a, b) => a * b, 1));
    assert.ok(c.batch_size <= Math.max(2, cap), `${name}: batch ${c.batch_size} <= 5% cap ${cap}`);
  }
  // transpose: coarsest target axis first
  const target = determineFullresTargetSpacing(fp);
  assert.equal(p.transpose_forward[0], target.indexOf(Math.max(...target)));
  assert.deepEqual(p.transpose_forward.map((_, i) => p.transpose_backward[p.transpose_forward[i]]), [0, 1, 2]);
}

test('isotropic dataset: median spacing, cubic-ish patch, 3x3x3 kernels, CT normalisation for CT', () => {
  const fp = fingerprint(20, [1, 1, 1], [160, 180, 170]);
  const dj = dataset(20, { '0': 'CT' });
  const p = plan(fp, dj);
  checkInvariants(p, fp, dj);
  const c = full(p, '3d_fullres');
  assert.deepEqual(c.spacing, [1, 1, 1]);
  assert.ok(c.architecture.arch_kwargs.kernel_sizes.every((k) => k.every((x) => x === 3)));
  assert.deepEqual(c.normalization_schemes, ['CTNormalization']);
  assert.deepEqual(c.use_mask_for_norm, [false]);
  assert.deepEqual(p.transpose_forward, [0, 1, 2]);
  assert.ok(Math.max(...c.patch_size) / Math.min(...c.patch_size) <= 1.5, `roughly cubic: ${c.patch_size}`);
});

test('anisotropic dataset (3x+): 10th-percentile target on the coarse axis, stride 1 and kernel 1 there, separate-z resampling defaults', () => {
  const zs = [3, 3.5, 4, 4.5, 5, 5.5, 6, 3, 4, 5];
  const fp = fingerprint(10, [0, 0.7, 0.7], [20, 300, 300], { spacingOf: (i) => [zs[i], 0.7, 0.7] });
  const dj = dataset(10, { '0': 'T2', '1': 'ADC' });
  const p = plan(fp, dj);
  checkInvariants(p, fp, dj);
  const c = full(p, '3d_fullres');
  // numpy percentile 10 of the z spacings
  const sorted = zs.slice().sort((a, b) => a - b);
  const vi = 0.1 * (sorted.length - 1);
  const p10 = sorted[Math.floor(vi)] + (sorted[Math.floor(vi) + 1] - sorted[Math.floor(vi)]) * (vi - Math.floor(vi));
  assert.ok(Math.abs(c.spacing[0] - p10) < 1e-12, `z target ${c.spacing[0]} = 10th percentile ${p10}`);
  assert.ok(c.spacing[0] < median(zs));
  const k = c.architecture.arch_kwargs;
  assert.equal(k.kernel_sizes[0][0], 1, 'first stage does not convolve across slices');
  assert.equal(k.strides[1][0], 1, 'first pooling keeps the slices');
  assert.ok(c.patch_size[0] < c.patch_size[1], 'fewer slices than in-plane voxels');
  assert.deepEqual(c.resampling_fn_data_kwargs, { is_seg: false, order: 3, order_z: 0, force_separate_z: null });
  assert.deepEqual(c.resampling_fn_seg_kwargs, { is_seg: true, order: 1, order_z: 0, force_separate_z: null });
});

test('coarse x axis is transposed to the front', () => {
  const fp = fingerprint(8, [0.8, 0.8, 4], [200, 200, 30]);
  const dj = dataset(8);
  const p = plan(fp, dj);
  checkInvariants(p, fp, dj);
  assert.deepEqual(p.transpose_forward, [2, 0, 1]);
  assert.deepEqual(p.transpose_backward, [1, 2, 0]);
  assert.equal(full(p, '3d_fullres').spacing[0], Math.max(...full(p, '3d_fullres').spacing));
});

test('tiny images: the patch is the (padded) median image and the batch grows but stays under 5% of the data', () => {
  const fp = fingerprint(200, [1, 1, 1], [36, 50, 35]);
  const dj = dataset(200);
  const p = plan(fp, dj);
  checkInvariants(p, fp, dj);
  const c = full(p, '3d_fullres');
  const med = c.median_image_size_in_voxels;
  c.patch_size.forEach((s, i) => assert.ok(s >= med[i] && s < med[i] + 16, `patch ${s} covers median ${med[i]}`));
  assert.ok(c.batch_size > 2);
  assert.equal('3d_lowres' in p.configurations, false);
});

test('large images: 3d_lowres with coarser spacing and the cascade; batch_dice as nnU-Net sets it', () => {
  const fp = fingerprint(12, [1, 0.8, 0.8], [700, 512, 512], { jitter: 0.05 });
  const dj = dataset(12, { '0': 'CT' });
  const p = plan(fp, dj);
  checkInvariants(p, fp, dj);
  const fr = full(p, '3d_fullres');
  const lr = full(p, '3d_lowres');
  assert.ok(fr.patch_size.reduce((a, b) => a * b, 1) / fr.median_image_size_in_voxels.reduce((a, b) => a * b, 1) < 0.25);
  assert.ok(lr.spacing.every((s, i) => s > fr.spacing[i]), 'lowres is coarser on every axis');
  assert.equal(fr.batch_dice, true);
  assert.equal(lr.batch_dice, false);
  assert.equal(full(p, '2d').batch_dice, true);
  assert.equal(lr.next_stage, '3d_cascade_fullres');
  assert.deepEqual(p.configurations['3d_cascade_fullres'], { inherits_from: '3d_fullres', previous_stage: '3d_lowres' });
  assert.deepEqual(full(p, '3d_cascade_fullres').patch_size, fr.patch_size);
});

test('strong cropping turns on the nonzero mask for z-score channels only', () => {
  const fp = fingerprint(10, [1, 1, 1], [140, 170, 140], { rel: 0.4 });
  const dj = dataset(10, { '0': 'T1', '1': 'CT', '2': 'noNorm' });
  const c = full(plan(fp, dj), '3d_fullres');
  assert.deepEqual(c.normalization_schemes, ['ZScoreNormalization', 'CTNormalization', 'NoNormalization']);
  assert.deepEqual(c.use_mask_for_norm, [true, false, false]);
});

test('a smaller memory target never gives a larger patch; the CPU preset gives a small 16-based network', () => {
  const fp = fingerprint(20, [1, 1, 1], [150, 190, 160]);
  const dj = dataset(20);
  let prev = Infinity;
  for (const gb of [16, 8, 4, 2, 1]) {
    const c = full(plan(fp, dj, { ...GPU_PRESET, memoryTargetGB: gb }), '3d_fullres');
    const v = c.patch_size.reduce((a, b) => a * b, 1);
    assert.ok(v <= prev, `${gb} GB: ${v} <= ${prev}`);
    prev = v;
  }
  const cpu = plan(fp, dj, CPU_PRESET);
  checkInvariants(cpu, fp, dj, CPU_PRESET);
  const c = full(cpu, '3d_fullres');
  const voxels = c.patch_size.reduce((a, b) => a * b, 1);
  assert.ok(voxels >= 64 ** 3 * 0.8 && voxels <= 96 ** 3, `CPU patch ${c.patch_size} in the 64^3-96^3 class`);
  assert.deepEqual(c.architecture.arch_kwargs.features_per_stage, [16, 32, 64, 128]);
  assert.equal(cpu.nnseg_planner?.preset, 'cpu');
});

test('a memory target too small for any patch is a clear planning error', () => {
  const fp = fingerprint(5, [1, 1, 1], [100, 100, 100]);
  assert.throws(() => plan(fp, dataset(5), { ...GPU_PRESET, memoryTargetGB: 1e-6 }), PlanningError);
});

test('median_image_size_in_voxels is the median of the resampled shapes', () => {
  const fp = fingerprint(7, [2, 1, 1], [50, 100, 100], { spacingOf: (i) => [1.5 + 0.25 * i, 1, 1] });
  const c = full(plan(fp, dataset(7)), '3d_fullres');
  const shapes = fp.spacings.map((s, i) => computeNewShape(fp.shapes_after_crop[i], s, c.spacing));
  assert.deepEqual(c.median_image_size_in_voxels, [0, 1, 2].map((a) => median(shapes.map((s) => s[a]))));
});
