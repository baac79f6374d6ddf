/**
 * The ONE place where messages between the VS Code client and the nnSeg backend are declared.
 * Client and server both import these constants; neither redeclares a message shape.
 * Method names are namespaced `nnseg/...` so they never collide with LSP's own.
 */
import { NotificationType, RequestType, RequestType0, type Diagnostic } from 'vscode-languageserver-protocol';

export const LANGUAGE_ID = 'nnseg-config';
/** Experiment configs are recognised by file name, whatever languageId the editor sends. */
export const CONFIG_FILE_SUFFIX = '.nnseg.json';

/** Case-insensitive, as VS Code's own file-name-to-language association is, so client and server agree. */
export function hasConfigSuffix(name: string): boolean {
  return name.toLowerCase().endsWith(CONFIG_FILE_SUFFIX);
}

export type JobKind =
  | 'check'
  | 'fingerprint'
  | 'plan'
  | 'preprocess'
  | 'train'
  | 'predict'
  | 'evaluate'
  | 'compare'
  | 'selftest';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: JobKind;
  title: string;
  state: JobState;
  /** Config file the job was started from, if any. */
  configUri?: string;
  queuedAt: string;
  startedAt?: string;
  endedAt?: string;
  /** 0..1 when known. */
  progress?: number;
  message?: string;
  /** Why it failed, one sentence. */
  error?: string;
  /** Where its logs and outputs are. */
  logFile?: string;
  result?: unknown;
}

export interface StartJobParams {
  kind: JobKind;
  /** The experiment config the job runs from (file URI or path). */
  configUri?: string;
  /** Kind-specific parameters (e.g. folders for evaluate/compare). */
  params?: Record<string, unknown>;
  /** A workDoneToken the client created; the server reports LSP progress on it. */
  workDoneToken?: string | number;
}

export interface StartJobResult {
  job: JobInfo;
}

export interface CancelJobParams {
  id: string;
}

export interface ListJobsResult {
  jobs: JobInfo[];
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Everything a running job reports. One notification carries one event. */
export type JobEvent =
  | { type: 'state'; job: JobInfo }
  | { type: 'log'; jobId: string; level: LogLevel; message: string; time: string }
  | { type: 'progress'; jobId: string; fraction?: number; message?: string }
  | { type: 'metrics'; jobId: string; epoch?: number; values: Record<string, number | number[] | null> };

export interface ServerInfo {
  version: string;
  jobsAllowed: boolean;
  storageDir: string;
  /** The backend process id (the client shows it when the backend dies). */
  pid: number;
}

export interface CheckConfigParams {
  uri: string;
}

export interface CheckConfigResult {
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

export const StartJobRequest = new RequestType<StartJobParams, StartJobResult, void>('nnseg/startJob');
export const CancelJobRequest = new RequestType<CancelJobParams, { cancelled: boolean }, void>('nnseg/cancelJob');
export const ListJobsRequest = new RequestType0<ListJobsResult, void>('nnseg/listJobs');
export const ServerInfoRequest = new RequestType0<ServerInfo, void>('nnseg/serverInfo');
export const CheckConfigRequest = new RequestType<CheckConfigParams, CheckConfigResult, void>('nnseg/checkConfig');
export const JobEventNotification = new NotificationType<JobEvent>('nnseg/jobEvent');

/** Options the client passes at initialize (initializationOptions). */
export interface InitOptions {
  /** Workspace Trust: false means language features only, no jobs. */
  trusted: boolean;
  /** Extension global storage: logs and job state live here, never in the user's repository. */
  storageDir?: string;
  settings?: NnsegSettings;
  /** The client shows job progress itself (VS Code): the server then sends no LSP work-done progress. */
  ownProgressUi?: boolean;
}

export interface NnsegSettings {
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  rawDir?: string;
  preprocessedDir?: string;
  resultsDir?: string;
  threads?: number;
}

export const DidChangeSettingsNotification = new NotificationType<{ settings: NnsegSettings; trusted: boolean }>(
  'nnseg/didChangeSettings',
);

/** Header check and summary of an image file, done by the backend's NIfTI reader (the viewer shows its error). */
export interface InspectImageParams {
  /** File system path or file URI. */
  path: string;
  /** Also read the voxels (slower): to explain a file the viewer could not parse. */
  full?: boolean;
}

export interface InspectImageResult {
  ok: boolean;
  /** The backend's one-sentence error (NiftiError message) when ok is false. */
  error?: string;
  /** NIfTI dims in file order, spacing in mm, datatype name, orientation code, when ok. */
  dims?: number[];
  pixdim?: number[];
  datatype?: string;
  orientation?: string;
  /** Label names by value: from a TotalSegmentator-style header extension or the dataset.json found above the file. */
  labelNames?: Record<string, string>;
  /** True when the image looks like a label map (integer type with few distinct values, or intent NIFTI_INTENT_LABEL). */
  isLabelMap?: boolean;
}

export const InspectImageRequest = new RequestType<InspectImageParams, InspectImageResult, void>('nnseg/inspectImage');

/**
 * A quick low-resolution look at a large image for the viewer, read by the backend while the full file
 * travels to the webview: the first volume subsampled (nearest voxel) by whole-number factors per axis.
 * Preview voxel (I, J, K) is file voxel (factors * (I, J, K) + offsets), so `affine` puts it at exactly the
 * world position of that file voxel.
 */
export interface ImagePreviewParams {
  /** File system path or file URI. */
  path: string;
  /** Most bytes of voxel data to return (default 4 MiB). */
  maxBytes?: number;
}

export interface ImagePreviewResult {
  ok: boolean;
  /** Why there is no preview (the backend's one-sentence read error, an unsupported datatype, "cancelled"). */
  error?: string;
  /** Preview dims (i, j, k) and voxel-to-world (RAS mm) affine. */
  dims?: [number, number, number];
  affine?: number[][];
  /** The file's own dims (i, j, k) and affine (sform, else qform, else pixdim, like the viewer's reader). */
  fileDims?: [number, number, number];
  fileAffine?: number[][];
  factors?: [number, number, number];
  offsets?: [number, number, number];
  /** Stored type of the values (uint8, int8, int16, uint16, int32, uint32, float32, float64), unscaled. */
  datatype?: string;
  /** The values, file order (i fastest), little-endian, gzip-compressed, base64. */
  data?: string;
  /** How `data` is compressed before base64 (only 'gzip' so far). */
  encoding?: 'gzip';
  /** scl_slope / scl_inter as stored (the viewer applies NIfTI's rules: slope 0 means unscaled). */
  sclSlope?: number;
  sclInter?: number;
  intentCode?: number;
  /** Volumes in the file (dims 4..7); the preview is of the first. */
  frames?: number;
  /** pixdim[1..3] as stored. */
  pixdim?: [number, number, number];
  /** Backend timings in ms: reading the file, subsampling + encoding, in all (worker start included). */
  ms?: { read?: number; sample?: number; total?: number };
}

export const ImagePreviewRequest = new RequestType<ImagePreviewParams, ImagePreviewResult, void>('nnseg/imagePreview');
