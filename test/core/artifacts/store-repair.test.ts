// One damaged object must not fail every later job: a PTQ trial whose recorded model was damaged
// runs again, and its put mends the object, so the next job finds an intact result.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPtqActivities } from '../../../activities/ptq-trial';
import { LocalArtifactStore, sha256 } from '../../../core/artifacts/store';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

describe('a damaged trial artifact', () => {
  it('is produced again by the next trial with the same key, which then finds it intact', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-repair-'));
    const store = new LocalArtifactStore(root);
    const { ptqTrial } = createPtqActivities({ store, threads: 1 });
    const model = await store.put(fs.readFileSync(ppocrModel(CLS_MODEL)), 'model', 'onnx');
    const input = { model, calib: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 3 }, ptq: { batchSize: 4, batchNum: 2 }, input: { name: 'x', shape: [4, 3, 48, 192], threads: 1 } };
    const first = await ptqTrial(input);
    const file = await store.localPath(first.model);
    const good = fs.readFileSync(file);

    // One flipped byte in the stored INT8 model: reading it fails, naming it.
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0xff;
    fs.writeFileSync(file, bad);
    await expect(store.read(first.model)).rejects.toThrow(first.model.uri);

    // The same trial again: its record points at a damaged model, so it is recomputed, not returned.
    const second = await ptqTrial(input);
    expect(second.trialKey).toBe(first.trialKey);
    expect(sha256(await store.read(second.model))).toBe(second.model.sha256);
    expect(second.model).toEqual(first.model); // quantization is deterministic: the same bytes mend the object
    expect(fs.readFileSync(file).equals(good)).toBe(true);
    expect(await store.lookup(first.trialKey)).toEqual(first);
  }, 120_000);
});
