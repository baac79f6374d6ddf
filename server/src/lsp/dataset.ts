import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the language server needs to know of an nnU-Net raw dataset to check a config against it. */
export interface DatasetSummary {
  dir: string;
  name: string;
  /** Label name -> value (regions: list of values), as in dataset.json. */
  labels: Record<string, number | number[]>;
  channelNames: Record<string, string>;
  fileEnding?: string;
  numTraining?: number;
}

export type DatasetProbe = { ok: true; dataset: DatasetSummary } | { ok: false; problem: string };

/** Checks the folder has the nnU-Net raw layout and reads dataset.json. Cheap: no image is opened. */
export function probeDataset(dir: string): DatasetProbe {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return { ok: false, problem: `dataset folder '${dir}' does not exist` };
  }
  if (!st.isDirectory()) return { ok: false, problem: `'${dir}' is a file, not an nnU-Net raw dataset folder` };
  const djson = path.join(dir, 'dataset.json');
  if (!fs.existsSync(djson)) return { ok: false, problem: `'${dir}' is not an nnU-Net raw dataset: dataset.json is missing` };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(fs.readFileSync(djson, 'utf8'));
  } catch (e) {
    return { ok: false, problem: `${djson} is not valid JSON (${(e as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: `${djson} is not a JSON object` };
  const missing = ['imagesTr', 'labelsTr'].filter((d) => !fs.existsSync(path.join(dir, d)));
  if (missing.length) return { ok: false, problem: `'${dir}' is not an nnU-Net raw dataset: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing` };
  const labels = parsed.labels;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return { ok: false, problem: `${djson} has no "labels" object` };
  return {
    ok: true,
    dataset: {
      dir,
      name: path.basename(dir),
      labels: labels as Record<string, number | number[]>,
      channelNames: (parsed.channel_names ?? parsed.modality ?? {}) as Record<string, string>,
      fileEnding: typeof parsed.file_ending === 'string' ? parsed.file_ending : undefined,
      numTraining: typeof parsed.numTraining === 'number' ? parsed.numTraining : undefined,
    },
  };
}
