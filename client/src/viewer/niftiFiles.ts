/** File-name rules for NIfTI volumes. Pure string functions (no vscode), so they are unit-tested. */

const NIFTI_RE = /\.(nii|nii\.gz|hdr|hdr\.gz)$/i;

export function isNiftiName(name: string): boolean {
  return NIFTI_RE.test(name);
}

/** The image-data file of an Analyze / NIfTI pair: x.hdr -> x.img (x.hdr.gz -> x.img.gz). */
export function pairedImageName(name: string): string | undefined {
  const m = /^(.*)\.hdr(\.gz)?$/i.exec(name);
  if (!m) return undefined;
  const upper = name.endsWith('.HDR') || name.endsWith('.HDR.GZ');
  return `${m[1]}.${upper ? 'IMG' : 'img'}${m[2] ?? ''}`;
}

/** Case id of a file in the nnU-Net raw layout: imagesTr/la_003_0000.nii.gz -> la_003, labelsTr/la_003.nii.gz -> la_003. */
export function caseId(fileName: string): string {
  const stem = fileName.replace(NIFTI_RE, '');
  const m = /^(.*)_\d{4}$/.exec(stem);
  return m ? m[1] : stem;
}

/**
 * Where the image of a label file probably is, in nnU-Net's raw layout:
 * labelsTr/<case>.nii.gz -> imagesTr/<case>_0000.nii.gz (labelsTs -> imagesTs).
 * Returns folder-relative candidate paths (posix), best first.
 */
export function imageCandidatesForLabel(dirName: string, fileName: string): string[] {
  const ext = /\.nii\.gz$/i.test(fileName) ? '.nii.gz' : '.nii';
  const id = caseId(fileName);
  const out: string[] = [];
  const m = /^labels(Tr|Ts|Va)?$/i.exec(dirName);
  if (m) out.push(`../images${m[1] ?? ''}/${id}_0000${ext}`);
  out.push(`../imagesTr/${id}_0000${ext}`, `../imagesTs/${id}_0000${ext}`);
  return [...new Set(out)];
}

/** Heuristic for files without backend info: names that say they are label maps. */
export function looksLikeLabelName(fileName: string): boolean {
  return /(seg|label|mask|lesion|pred|gt|truth|aseg|parc)/i.test(fileName);
}
