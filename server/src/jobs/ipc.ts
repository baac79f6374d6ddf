import type { LogLevel } from '../protocol';
import type { JobSpec } from './kinds';

/** Messages from the language server to a job process. */
export type ParentMessage = { type: 'start'; spec: JobSpec } | { type: 'cancel' };

/** Messages from a job process to the language server. */
export type ChildMessage =
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'progress'; fraction?: number; message?: string }
  | { type: 'metrics'; values: Record<string, number | number[] | null>; epoch?: number }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'cancelled' };
