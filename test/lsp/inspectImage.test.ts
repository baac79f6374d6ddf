import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspTestClient } from '../helpers/lspClient';
import { corpusFile, skipNoCorpus, tempDir } from '../helpers/data';
import { InspectImageRequest } from '../../server/src/protocol';

const ws = tempDir();
after(() => ws.cleanup());

test('the backend inspects an image for the viewer and explains a corrupt one', { skip: skipNoCorpus }, async () => {
  const client = new LspTestClient({ NNSEG_STORAGE: path.join(ws.dir, '.storage') });
  try {
    await client.initialize(ws.dir);
    const ok = await client.conn.sendRequest(InspectImageRequest, { path: corpusFile('gh-niivue/FLAIR.nii.gz') });
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.dims, [124, 160, 140]);
    assert.equal(ok.orientation, 'RAS');
    const bytes = fs.readFileSync(corpusFile('gh-niivue/FLAIR.nii.gz'));
    const cut = path.join(ws.dir, 'cut.nii.gz');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const bad = await client.conn.sendRequest(InspectImageRequest, { path: cut, full: true });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /cut\.nii\.gz/);
    assert.match(bad.error!, /truncated|corrupt|shorter/i);
    const garbage = path.join(ws.dir, 'garbage.nii');
    fs.writeFileSync(garbage, Buffer.alloc(400, 7));
    const g = await client.conn.sendRequest(InspectImageRequest, { path: garbage });
    assert.equal(g.ok, false);
    assert.match(g.error!, /garbage\.nii/);
  } finally {
    await client.close();
  }
});
