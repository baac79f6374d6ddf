import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDataset, type DatasetCheckResult } from '../engine/dataset/check';

/** What makes a cached check stale: a case or dataset.json was added, removed or rewritten. */
function stamp(dir: string): string {
  return ['', 'dataset.json', 'imagesTr', 'labelsTr']
    .map((p) => {
      try {
        return fs.statSync(path.join(dir, p)).mtimeMs;
      } catch {
        return 0;
      }
    })
    .join(':');
}

/**
 * Header-level integrity checks of the datasets that open configs point at (nnU-Net's
 * verify_dataset_integrity, as `nnseg check-dataset` runs it, without reading voxels). Runs in the
 * background and caches per folder, so diagnostics never wait for it.
 */
export class IntegrityCache {
  private readonly done = new Map<string, { stamp: string; result: DatasetCheckResult }>();
  private readonly running = new Map<string, Promise<DatasetCheckResult>>();

  cached(dir: string): DatasetCheckResult | undefined {
    const hit = this.done.get(dir);
    return hit && hit.stamp === stamp(dir) ? hit.result : undefined;
  }

  ensure(dir: string): Promise<DatasetCheckResult> {
    const hit = this.cached(dir);
    if (hit) return Promise.resolve(hit);
    let p = this.running.get(dir);
    if (!p) {
      const s = stamp(dir);
      p = checkDataset(dir, { content: 'headers' }).then(
        (result) => {
          this.done.set(dir, { stamp: s, result });
          this.running.delete(dir);
          return result;
        },
        (err: Error) => {
          // Cached like a result, so a folder that cannot be checked is not re-checked in a loop.
          const result: DatasetCheckResult = { dir, ok: false, problems: [{ file: dir, severity: 'error', code: 'unreadable', message: `${dir}: cannot check the dataset (${err.message}).` }], numTraining: 0, numTest: 0, channels: [], labels: [], caseIds: [] };
          this.done.set(dir, { stamp: s, result });
          this.running.delete(dir);
          return result;
        },
      );
      this.running.set(dir, p);
    }
    return p;
  }
}
