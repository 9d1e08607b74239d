// Paths a job may touch: external data only inside the model's folder (by path.relative, not by
// string prefix), outputs only under the output roots and never through a link, and one writer
// per output folder (the newest job).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWithin } from '../../../core/artifacts/contain';
import { checkOutputDir, checkOutputFile, outputRoots } from '../../../core/artifacts/output-roots';
import { claimOutput, readOwner } from '../../../core/artifacts/output-owner';
import { readModel, writeModel } from '../../../core/onnx/model-io';
import { LocalArtifactStore } from '../../../core/artifacts/store';
import { importModelFile } from '../../../activities/model-refs';
import { allTensors, decodeModel, encodeModel, hasExternalData } from '../../../core/onnx/model-io';
import { ppocrModel, CLS_MODEL } from '../../fixtures/models';

const tmp = (label: string) => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `sf-${label}-`)));

describe('external data', () => {
  it('is read from the model folder only: a sibling folder with the same prefix is refused', () => {
    const dir = tmp('ext');
    const modelDir = path.join(dir, 'ext');
    fs.mkdirSync(modelDir);
    fs.mkdirSync(path.join(dir, 'ext-secret'));
    const file = path.join(modelDir, 'cls.onnx');
    writeModel(readModel(ppocrModel(CLS_MODEL)), file, { externalDataThreshold: 1024 });
    // Move the weights next door and point the model at them, as an attacker's model would.
    fs.renameSync(`${file}.data`, path.join(dir, 'ext-secret', 'weights.bin'));
    const m = decodeModel(fs.readFileSync(file), file);
    let n = 0;
    for (const t of allTensors(m)) {
      for (const e of t.externalData ?? []) if (e.key === 'location') { e.value = '../ext-secret/weights.bin'; n++; }
    }
    expect(n).toBeGreaterThan(0);
    fs.writeFileSync(file, encodeModel(m));
    expect(() => readModel(file)).toThrow(/external data outside the model folder: \.\.\/ext-secret\/weights\.bin/);
  });

  it('is loaded when a worker imports a model whose weights.bin lies beside it', async () => {
    const dir = tmp('ext-ok');
    const file = path.join(dir, 'cls.onnx');
    writeModel(readModel(ppocrModel(CLS_MODEL)), file, { externalDataThreshold: 1024 });
    expect(hasExternalData(decodeModel(fs.readFileSync(file), file))).toBe(true);
    const store = new LocalArtifactStore(tmp('ext-store'));
    const ref = await importModelFile({ store } as never, file);
    const stored = decodeModel(await store.read(ref), ref.uri);
    expect(hasExternalData(stored)).toBe(false);
    // The imported model is the original, byte for byte.
    expect((await store.read(ref)).equals(fs.readFileSync(ppocrModel(CLS_MODEL)))).toBe(true);
  });
});

describe('containment', () => {
  it('uses path.relative, not prefixes', () => {
    expect(isWithin('/a/ext', '/a/ext/w.bin')).toBe(true);
    expect(isWithin('/a/ext', '/a/ext')).toBe(true);
    expect(isWithin('/a/ext', '/a/ext-secret/w.bin')).toBe(false);
    expect(isWithin('/a/ext', '/a/ext/../ext-secret')).toBe(false);
    expect(isWithin('/a/ext', '/a/ext/..foo')).toBe(true);
  });
});

describe('output roots', () => {
  it('default to the project .slimflow and SLIMFLOW_OUTPUT_ROOTS', () => {
    expect(outputRoots({ SLIMFLOW_OUTPUT_ROOTS: `/x${path.delimiter}/y` }, '/p')).toEqual(['/p/.slimflow', '/x', '/y']);
    expect(outputRoots({}, '/p')).toEqual(['/p/.slimflow']);
  });

  it('reject a folder outside them, naming the key', () => {
    const root = tmp('roots');
    expect(() => checkOutputDir('/etc/slimflow-out', 'Global.output_dir', [root])).toThrow(/outside the output roots.*Global\.output_dir/);
    expect(() => checkOutputDir(path.join(root, '..', 'elsewhere'), 'registry', [root])).toThrow(/outside the output roots.*registry/);
    expect(checkOutputDir(path.join(root, 'a', 'b'), 'k', [root])).toBe(path.join(root, 'a', 'b'));
  });

  it('do not follow a symbolic link in the output location', () => {
    const root = tmp('roots-link');
    const outside = tmp('outside');
    fs.symlinkSync(outside, path.join(root, 'out'));
    expect(() => checkOutputDir(path.join(root, 'out', 'model'), 'Global.output_dir', [root])).toThrow(/symbolic link/);
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'real', 'model.onnx'));
    expect(() => checkOutputFile(path.join(root, 'real', 'model.onnx'), 'publishModel.file', [root])).toThrow(/output file is a symbolic link/);
  });

  it('reject an output folder that is an existing file before the job runs', () => {
    const root = tmp('roots-file');
    fs.writeFileSync(path.join(root, 'out'), 'x');
    expect(() => checkOutputDir(path.join(root, 'out'), 'Global.output_dir', [root])).toThrow(/output folder is an existing file.*Global\.output_dir/);
  });
});

describe('output owner', () => {
  it('lets the newest job write and refuses an older one', () => {
    const dir = tmp('owner');
    const older = { workflowId: 'job', runId: 'r1', startedAt: '2026-01-01T00:00:00.000Z' };
    const newer = { workflowId: 'job', runId: 'r2', startedAt: '2026-01-01T00:05:00.000Z' };
    claimOutput(dir, older);
    claimOutput(dir, newer);
    expect(readOwner(dir)).toEqual(newer);
    expect(() => claimOutput(dir, older)).toThrow(/a newer job \(job, started 2026-01-01T00:05:00.000Z\) owns this output folder/);
    claimOutput(dir, newer); // the owner itself may write again (a retried publish)
    expect(readOwner(dir)).toEqual(newer);
  });
});
