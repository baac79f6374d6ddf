/**
 * A small, real nnU-Net v2 raw dataset of generated 3D images: a body (ellipsoid) with labelled blobs, CT-like
 * (air -1000 HU around soft tissue, blobs at their own HU) or MR-like (zero background, tissue and blobs
 * at their own intensity, a smooth bias field), plus noise. Deterministic for a seed. Used by tests, the
 * training smoke runs and the one-command demo.
 *
 *   await generateSyntheticDataset({ dir: '/tmp/Dataset900_Synth', numCases: 6, shape: [32, 48, 48] });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeNifti } from '../io';
import { writeJsonAtomic } from '../../util/atomic';
import type { DatasetJson } from './datasetJson';
import { mulberry32 } from '../../util/random';

export interface SyntheticOptions {
  /** The dataset folder to create (its basename is the dataset name, e.g. Dataset900_Synth). */
  dir: string;
  numCases?: number;
  /** Test cases written to imagesTs (no labels). */
  numTest?: number;
  /** [z, y, x] voxels of each case. */
  shape?: [number, number, number];
  /** Per case, each axis is scaled by a random factor in [1 - jitter, 1 + jitter] (default 0). */
  shapeJitter?: number;
  /** [sz, sy, sx] in mm; e.g. [3.5, 0.8, 0.8] for anisotropic data. */
  spacing?: [number, number, number];
  /** Per case, each spacing is scaled by a random factor in [1 - jitter, 1 + jitter] (default 0). */
  spacingJitter?: number;
  /** Foreground labels (1..numLabels). */
  numLabels?: number;
  numChannels?: number;
  modality?: 'CT' | 'MR';
  /** Blobs per label and case. */
  blobsPerLabel?: number;
  /** Fraction of the field of view the body fills on each axis (default 0.8; 1 fills it, no zero border). */
  bodyFraction?: number;
  /** Noise standard deviation relative to the tissue contrast (default 0.1). */
  noise?: number;
  seed?: number;
  fileEnding?: '.nii.gz' | '.nii';
  /** dataset.json "description" (default: a line naming the generator, modality and seed). */
  description?: string;
}

export interface SyntheticDataset {
  dir: string;
  datasetJson: DatasetJson;
  trainingIds: string[];
  testIds: string[];
}

const rng = mulberry32;

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

interface Blob {
  label: number;
  c: [number, number, number];
  r: [number, number, number];
}

function caseGeometry(o: Required<Pick<SyntheticOptions, 'shape' | 'spacing' | 'shapeJitter' | 'spacingJitter'>>, r: () => number) {
  const jit = (j: number) => 1 + (r() * 2 - 1) * j;
  const shape = o.shape.map((s) => Math.max(4, Math.round(s * jit(o.shapeJitter)))) as [number, number, number];
  const spacing = o.spacing.map((s) => +(s * jit(o.spacingJitter)).toFixed(4)) as [number, number, number];
  return { shape, spacing };
}

/** Generates one case's channels and label map (C-order [z, y, x]). */
export function generateCase(
  shape: [number, number, number],
  opts: { numLabels: number; numChannels: number; modality: 'CT' | 'MR'; blobsPerLabel: number; bodyFraction: number; noise: number },
  r: () => number,
): { channels: Float32Array[]; labels: Uint8Array } {
  const [Z, Y, X] = shape;
  const n = Z * Y * X;
  const labels = new Uint8Array(n);
  const body = new Uint8Array(n);
  const bf = opts.bodyFraction;
  const half = shape.map((s) => (s * bf) / 2);
  const centre = shape.map((s) => (s - 1) / 2);
  const blobs: Blob[] = [];
  for (let l = 1; l <= opts.numLabels; l++) {
    for (let b = 0; b < opts.blobsPerLabel; b++) {
      const rad = shape.map((s) => Math.max(1.5, s * bf * (0.08 + 0.07 * r()))) as [number, number, number];
      // centre inside the body, away from its surface
      const c = shape.map((_, a) => centre[a] + (r() * 2 - 1) * Math.max(0, half[a] - rad[a] * 1.3) * 0.6) as [number, number, number];
      blobs.push({ label: l, c, r: rad });
    }
  }
  for (let z = 0, i = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++, i++) {
        const dz = (z - centre[0]) / half[0];
        const dy = (y - centre[1]) / half[1];
        const dx = (x - centre[2]) / half[2];
        if (bf >= 1 || dz * dz + dy * dy + dx * dx <= 1) body[i] = 1;
        if (!body[i]) continue;
        for (const b of blobs) {
          const ez = (z - b.c[0]) / b.r[0];
          const ey = (y - b.c[1]) / b.r[1];
          const ex = (x - b.c[2]) / b.r[2];
          if (ez * ez + ey * ey + ex * ex <= 1) labels[i] = b.label;
        }
      }
    }
  }
  const channels: Float32Array[] = [];
  for (let ch = 0; ch < opts.numChannels; ch++) {
    const img = new Float32Array(n);
    if (opts.modality === 'CT') {
      const tissue = 40 + 10 * ch;
      const levels = Array.from({ length: opts.numLabels + 1 }, (_, l) => (l === 0 ? tissue : tissue + 60 * l * (ch % 2 ? -1 : 1) + 20 * r()));
      const sd = 60 * opts.noise * 3;
      for (let i = 0; i < n; i++) img[i] = body[i] ? Math.round(levels[labels[i]] + sd * gaussian(r)) : -1000 + Math.round(5 * gaussian(r));
    } else {
      const tissue = 300 + 50 * ch;
      const levels = Array.from({ length: opts.numLabels + 1 }, (_, l) => (l === 0 ? tissue : tissue * (1 + (0.35 + 0.1 * r()) * l * (ch % 2 ? -0.5 : 1))));
      const sd = tissue * 0.35 * opts.noise;
      // smooth multiplicative bias field, as MR intensities drift across the field of view
      const bz = 0.15 * (r() - 0.5);
      const by = 0.15 * (r() - 0.5);
      const bx = 0.15 * (r() - 0.5);
      for (let z = 0, i = 0; z < Z; z++) {
        for (let y = 0; y < Y; y++) {
          for (let x = 0; x < X; x++, i++) {
            if (!body[i]) continue;
            const bias = 1 + bz * (z / Z - 0.5) * 2 + by * (y / Y - 0.5) * 2 + bx * (x / X - 0.5) * 2;
            img[i] = Math.max(1, levels[labels[i]] * bias + sd * gaussian(r));
          }
        }
      }
    }
    channels.push(img);
  }
  return { channels, labels };
}

function affineFor(spacing: [number, number, number], shape: [number, number, number]): number[][] {
  const [sz, sy, sx] = spacing;
  const [Z, Y, X] = shape;
  // RAS, centred on the origin
  return [
    [sx, 0, 0, (-(X - 1) * sx) / 2],
    [0, sy, 0, (-(Y - 1) * sy) / 2],
    [0, 0, sz, (-(Z - 1) * sz) / 2],
    [0, 0, 0, 1],
  ];
}

export async function generateSyntheticDataset(options: SyntheticOptions): Promise<SyntheticDataset> {
  const o = {
    numCases: 4,
    numTest: 0,
    shape: [32, 40, 40] as [number, number, number],
    shapeJitter: 0,
    spacing: [1, 1, 1] as [number, number, number],
    spacingJitter: 0,
    numLabels: 2,
    numChannels: 1,
    modality: 'MR' as const,
    blobsPerLabel: 1,
    bodyFraction: 0.8,
    noise: 0.1,
    seed: 0,
    fileEnding: '.nii.gz' as const,
    ...options,
  };
  if (o.numCases < 1) throw new Error('generateSyntheticDataset: numCases must be >= 1');
  const dir = path.resolve(o.dir);
  const r = rng(o.seed * 7919 + 17);
  const ending = o.fileEnding;
  const channelNames: Record<string, string> = {};
  for (let c = 0; c < o.numChannels; c++) channelNames[String(c)] = o.modality === 'CT' ? 'CT' : o.numChannels === 1 ? 'T2' : ['T1', 'T2', 'FLAIR', 'T1c'][c % 4] + (c >= 4 ? String(c) : '');
  const labels: Record<string, number> = { background: 0 };
  for (let l = 1; l <= o.numLabels; l++) labels[`blob${l}`] = l;
  const datasetJson: DatasetJson = {
    name: path.basename(dir),
    description: o.description ?? `nnSeg synthetic dataset (${o.modality}, seed ${o.seed})`,
    channel_names: channelNames,
    labels,
    numTraining: o.numCases,
    file_ending: ending,
  };
  const pad = (i: number) => String(i).padStart(3, '0');
  const trainingIds = Array.from({ length: o.numCases }, (_, i) => `synth_${pad(i)}`);
  const testIds = Array.from({ length: o.numTest }, (_, i) => `synth_${pad(o.numCases + i)}`);
  for (const sub of ['imagesTr', 'labelsTr', ...(o.numTest ? ['imagesTs'] : [])]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const gen = { numLabels: o.numLabels, numChannels: o.numChannels, modality: o.modality, blobsPerLabel: o.blobsPerLabel, bodyFraction: o.bodyFraction, noise: o.noise };
  const writeOne = async (id: string, imagesDir: string, labelsDir: string | null) => {
    const { shape, spacing } = caseGeometry(o, r);
    const { channels, labels: lab } = generateCase(shape, gen, r);
    const affine = affineFor(spacing, shape);
    for (let c = 0; c < channels.length; c++) {
      const f = path.join(dir, imagesDir, `${id}_${String(c).padStart(4, '0')}${ending}`);
      await writeNifti(f, { data: channels[c], shape }, { kind: 'image', affine, description: 'nnSeg synthetic' });
    }
    if (labelsDir) await writeNifti(path.join(dir, labelsDir, `${id}${ending}`), { data: lab, shape }, { kind: 'label', affine, description: 'nnSeg synthetic' });
  };
  for (const id of trainingIds) await writeOne(id, 'imagesTr', 'labelsTr');
  for (const id of testIds) await writeOne(id, 'imagesTs', null);
  await writeJsonAtomic(path.join(dir, 'dataset.json'), datasetJson);
  return { dir, datasetJson, trainingIds, testIds };
}
