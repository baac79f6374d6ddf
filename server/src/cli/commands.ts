import type { CliCommand } from './command';

/**
 * Every `nnseg` subcommand, loaded lazily (require on use) so `nnseg lsp` and `nnseg --help` start without
 * pulling in the engine (tfjs, workers). One line per command; the module default-exports a CliCommand.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): { default: CliCommand };
}

export const commands: CommandEntry[] = [
  { name: 'check', summary: 'Check an experiment config (*.nnseg.json): the same diagnostics as the editor', load: () => require('./check') as typeof import('./check') },
  { name: 'lsp', summary: 'Run the language server (--stdio) for any LSP editor', load: () => require('./lsp') as typeof import('./lsp') },
  { name: 'nifti-info', summary: 'Print a NIfTI header, geometry and voxel statistics', load: () => require('./niftiInfo') as typeof import('./niftiInfo') },
  { name: 'check-dataset', summary: 'Check an nnU-Net raw dataset folder for integrity problems', load: () => require('./checkDataset') as typeof import('./checkDataset') },
  { name: 'fingerprint', summary: 'Extract the dataset fingerprint (dataset_fingerprint.json)', load: () => require('./fingerprint') as typeof import('./fingerprint') },
  { name: 'plan', summary: 'Plan the experiment (spacing, patch, network, batch) from a dataset', load: () => require('./plan') as typeof import('./plan') },
  { name: 'preprocess', summary: 'Crop, resample and normalise a dataset into the preprocessed cache', load: () => require('./preprocess') as typeof import('./preprocess') },
  { name: 'doctor', summary: 'Report the compute backend, native kernels, memory and optional pieces', load: () => require('./doctor') as typeof import('./doctor') },
  { name: 'metrics', summary: 'Segmentation metrics (Dice, IoU, HD95, ...) for one prediction against a reference', load: () => require('./metrics') as typeof import('./metrics') },
  { name: 'evaluate', summary: 'Evaluate a folder of predictions against a folder of references (summary.json)', load: () => require('./evaluate') as typeof import('./evaluate') },
  { name: 'compare', summary: 'Compare several methods (e.g. nnSeg vs TotalSegmentator) in a Table-1 style report', load: () => require('./compare') as typeof import('./compare') },
  { name: 'demo', summary: 'Run the pipeline on built-in (generated) data', load: () => require('./demo') as typeof import('./demo') },
  { name: 'jobs', summary: 'Run an engine job (as the editor does) and stream its events', load: () => require('./jobs') as typeof import('./jobs') },
];
