import * as fs from 'node:fs';
import { NnsegError } from '../../util/errors';

/**
 * How a method's class names (TotalSegmentator's `liver`, `kidney_left`, ...) map to dataset labels:
 * an explicit mapping first (class -> label value, or null to drop the class on purpose), then the dataset's
 * own label names, compared case-insensitively with spaces, dashes and underscores treated alike.
 * Plain data so it crosses to worker threads.
 */
export interface ClassMapping {
  explicit: Record<string, number | null>;
  byName: Record<string, number>;
}

export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s\-_]+/g, '_');
}

/** label value, null (dropped on purpose) or undefined (unmapped). */
export function mapClass(m: ClassMapping, className: string): number | null | undefined {
  if (Object.prototype.hasOwnProperty.call(m.explicit, className)) return m.explicit[className];
  const n = normaliseName(className);
  if (Object.prototype.hasOwnProperty.call(m.explicit, n)) return m.explicit[n];
  return Object.prototype.hasOwnProperty.call(m.byName, n) ? m.byName[n] : undefined;
}

export class MappingFileError extends NnsegError {
  constructor(file: string, problem: string) {
    super(`${file} ${problem.replace(/\.$/, '')}.`, file, 'EMAPPING');
  }
}

/**
 * Builds the mapping from the dataset label names and an optional mapping file: a JSON object
 * `{"<class name>": <label value> | "<dataset label name>" | null}`.
 */
export function buildClassMapping(names: Record<string, string>, mappingFile?: string): ClassMapping {
  const byName: Record<string, number> = {};
  for (const [v, n] of Object.entries(names)) if (Number(v) !== 0) byName[normaliseName(n)] = Number(v);
  const explicit: Record<string, number | null> = {};
  if (mappingFile) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(mappingFile, 'utf8'));
    } catch (e) {
      throw new MappingFileError(mappingFile, `cannot be read as JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new MappingFileError(mappingFile, 'must be a JSON object {"<class name>": <label value or dataset label name or null>}');
    for (const [cls, target] of Object.entries(json as Record<string, unknown>)) {
      if (target === null || target === 0) explicit[cls] = null;
      else if (typeof target === 'number' && Number.isInteger(target) && target > 0) explicit[cls] = target;
      else if (typeof target === 'string' && byName[normaliseName(target)] !== undefined) explicit[cls] = byName[normaliseName(target)];
      else throw new MappingFileError(mappingFile, `maps "${cls}" to ${JSON.stringify(target)}, which is neither a label value nor a label name of the dataset`);
    }
  }
  return { explicit, byName };
}
