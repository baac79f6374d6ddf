import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetJson } from './datasetJson';

/** One training case: its image files (one per channel, in channel order) and its label file. */
export interface DatasetCase {
  id: string;
  images: string[];
  label: string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function listFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * Case identifiers of a folder of `CASE_XXXX<ending>` files, as nnU-Net derives them: every file with the
 * ending, minus the ending and the 5-character channel suffix, unique and sorted.
 */
export function identifiersInFolder(dir: string, fileEnding: string): string[] {
  const crop = fileEnding.length + 5;
  const ids = new Set<string>();
  for (const f of listFiles(dir)) if (f.endsWith(fileEnding) && f.length > crop) ids.add(f.slice(0, -crop));
  return [...ids].sort();
}

/** The channel files of one case in a folder (`id_\d\d\d\d<ending>`), sorted, as nnU-Net lists them. */
export function channelFilesOf(dir: string, files: string[], id: string, fileEnding: string): string[] {
  const re = new RegExp(`^${escapeRe(id)}_\\d\\d\\d\\d${escapeRe(fileEnding)}$`);
  return files.filter((f) => re.test(f)).map((f) => path.join(dir, f));
}

/** nnU-Net's get_filenames_of_train_images_and_targets: the explicit "dataset" list, else imagesTr/labelsTr. */
export function trainingCases(dir: string, d: DatasetJson): DatasetCase[] {
  if (d.dataset) {
    const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(dir, p));
    return Object.entries(d.dataset).map(([id, c]) => ({ id, images: c.images.map(abs), label: abs(c.label) }));
  }
  const imagesTr = path.join(dir, 'imagesTr');
  const files = listFiles(imagesTr);
  return identifiersInFolder(imagesTr, d.file_ending).map((id) => ({
    id,
    images: channelFilesOf(imagesTr, files, id, d.file_ending),
    label: path.join(dir, 'labelsTr', id + d.file_ending),
  }));
}

/** Test cases in imagesTs (no labels), if that folder exists. */
export function testCases(dir: string, d: DatasetJson): { id: string; images: string[] }[] {
  const imagesTs = path.join(dir, 'imagesTs');
  const files = listFiles(imagesTs);
  return identifiersInFolder(imagesTs, d.file_ending).map((id) => ({
    id,
    images: channelFilesOf(imagesTs, files, id, d.file_ending),
  }));
}
