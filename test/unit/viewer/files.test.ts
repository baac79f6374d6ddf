import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPoint, bestEpoch, metricPoint } from '../../../client/src/dashboard/metrics';
import { labelColor } from '../../../client/src/viewer/labelColors';
import { caseId, imageCandidatesForLabel, isNiftiName, looksLikeLabelName, pairedImageName } from '../../../client/src/viewer/niftiFiles';

test('NIfTI file names, .hdr/.img pairs and nnU-Net case ids', () => {
  assert.ok(isNiftiName('a.nii') && isNiftiName('a.NII.GZ') && isNiftiName('ras.hdr'));
  assert.ok(!isNiftiName('a.nii.zip') && !isNiftiName('a.img'));
  assert.equal(pairedImageName('ras.hdr'), 'ras.img');
  assert.equal(pairedImageName('X.HDR'), 'X.IMG');
  assert.equal(pairedImageName('a.hdr.gz'), 'a.img.gz');
  assert.equal(pairedImageName('a.nii.gz'), undefined);
  assert.equal(caseId('liver_003_0000.nii.gz'), 'liver_003');
  assert.equal(caseId('liver_003.nii.gz'), 'liver_003');
  assert.deepEqual(imageCandidatesForLabel('labelsTs', 'la_007.nii.gz'), ['../imagesTs/la_007_0000.nii.gz', '../imagesTr/la_007_0000.nii.gz']);
  assert.ok(looksLikeLabelName('case_seg.nii.gz') && looksLikeLabelName('lesion.nii.gz') && !looksLikeLabelName('FLAIR.nii.gz'));
});

test('label colours: the first twenty are distinct, later ones too', () => {
  const seen = new Set<string>();
  for (let l = 1; l <= 120; l++) seen.add(labelColor(l).join(','));
  assert.equal(seen.size, 120);
  assert.deepEqual(labelColor(1), [255, 0, 0]);
});

test('dashboard metrics: events to points, repeated epochs replaced, best epoch by mean pseudo-Dice', () => {
  const p = metricPoint(
    { type: 'metrics', jobId: 'j', epoch: 3, values: { train_loss: -0.5, val_loss: null, pseudo_dice: [0.8, 0.6], lr: 0.009, epoch_time: 40.5, other: 1 } },
    0,
  );
  assert.deepEqual(p, { epoch: 3, trainLoss: -0.5, pseudoDice: [0.8, 0.6], lr: 0.009, epochTime: 40.5 });
  assert.equal(metricPoint({ type: 'metrics', jobId: 'j', values: { pseudo_dice: 0.7 } }, 8).epoch, 8);
  const h = [] as ReturnType<typeof metricPoint>[];
  addPoint(h, { epoch: 2, valLoss: -0.3, pseudoDice: [0.5] });
  addPoint(h, { epoch: 0, valLoss: -0.1 });
  addPoint(h, { epoch: 1, valLoss: -0.2, pseudoDice: [0.7] });
  addPoint(h, { epoch: 2, pseudoDice: [0.6] });
  assert.deepEqual(h.map((x) => x.epoch), [0, 1, 2]);
  assert.deepEqual(h[2], { epoch: 2, valLoss: -0.3, pseudoDice: [0.6] });
  assert.deepEqual(bestEpoch(h), { epoch: 1, meanDice: 0.7, valLoss: -0.2 });
  assert.deepEqual(bestEpoch([{ epoch: 0, valLoss: -0.1 }, { epoch: 1, valLoss: -0.4 }]), { epoch: 1, valLoss: -0.4 });
});
