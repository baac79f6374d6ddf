/** The experiment planner (nnU-Net v2's ExperimentPlanner) and the plans file (nnsegPlans.json). */
export type { Plans, ConfigurationPlan, InheritingConfiguration, ArchKwargs, IntensityProperties, PlannerSettings } from './plans';
export { resolveConfiguration, isFullConfiguration } from './plans';
export type { PlannerOptions, PlannerInput } from './planner';
export { planExperiment, GPU_PRESET, CPU_PRESET, PlanningError, ANISO_THRESHOLD } from './planner';
export type { PlanDatasetOptions, PlanDatasetResult } from './run';
export { planDataset, getFingerprint } from './run';
export { getPoolAndConvProps } from './topology';
export { convFeatureMapSize } from './vram';
export { computeNewShape } from './shapes';
