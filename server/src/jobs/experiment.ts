import * as path from 'node:path';
import type { NnsegSettings } from '../protocol';
import { readConfigFile, resolveConfig } from '../config/resolve';
import type { ResolvedExperimentConfig } from '../config/experimentConfig.generated';
import { resolveConfigPath, stageRoot, type PathContext } from '../config/paths';
import { NnsegError } from '../util/errors';

/** An experiment config with its folders resolved: what every engine job starts from. */
export interface Experiment {
  configFile: string;
  config: ResolvedExperimentConfig;
  /** The nnU-Net raw dataset folder. */
  rawDir: string;
  datasetName: string;
  /** <preprocessed>/<dataset>: fingerprint, plans and the cache. */
  preprocessedDir: string;
  /** <results>/<dataset>: trained folds, predictions, reports. */
  resultsDir: string;
}

/**
 * Reads and resolves a config. Folders: the config's own setting, else the nnseg.* setting (or nnU-Net's
 * environment variable), else a folder beside the config; each holds one subfolder per dataset, as in nnU-Net.
 */
export function loadExperiment(configFile: string, settings: NnsegSettings = {}, workspaceFolders: string[] = [], env: NodeJS.ProcessEnv = process.env): Experiment {
  const config = resolveConfig(readConfigFile(configFile), configFile);
  const ctx: PathContext = { configFile, workspaceFolders, settings, env };
  const ds = resolveConfigPath(config.dataset, ctx, 'raw');
  if (!ds.exists) throw new NnsegError(`${configFile}: dataset folder not found: ${ds.tried.join(' or ')}.`, configFile);
  const datasetName = path.basename(ds.path);
  return {
    configFile,
    config,
    rawDir: ds.path,
    datasetName,
    preprocessedDir: path.join(stageRoot('preprocessed', config.preprocessedDir, ctx), datasetName),
    resultsDir: path.join(stageRoot('results', config.resultsDir, ctx), datasetName),
  };
}
