/**
 * Extension integration tests with @vscode/test-electron: mocha inside a real VS Code extension host.
 * VS Code is downloaded at test time; where that is impossible (no internet), the suite reports itself
 * skipped (exit 77) with the reason. NNSEG_VSCODE_EXECUTABLE points at an installed VS Code instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { makeDataset } from '../helpers/workspace';
import { repoRoot } from '../helpers/data';

async function main(): Promise<number> {
  let vscodeExecutablePath = process.env.NNSEG_VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version: 'stable', timeout: 15000, cachePath: path.join(repoRoot, '.vscode-test') });
    } catch (err) {
      console.log(`integration: skipped: @vscode/test-electron cannot download VS Code here (${(err as Error).message.split('\n')[0]}). It runs where VS Code can be downloaded, or with NNSEG_VSCODE_EXECUTABLE=/path/to/code.`);
      return 77;
    }
  }
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'nnseg-it-'));
  await makeDataset(ws);
  fs.writeFileSync(path.join(ws, 'broken.nnseg.json'), '{\n  "dataset": "Dataset001_Liver",\n  "crossValidation": { "folds": [9] }\n}\n');
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    });
    return 0;
  } catch (err) {
    console.error(`integration: failed: ${(err as Error).message}`);
    return 1;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
