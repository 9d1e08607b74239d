// The S3 backend against a real S3-compatible server (versitygw on loopback, posix backend):
// objects go through the AWS SDK, configured from the environment the SDK's way.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { openStore } from '../../core/artifacts/open-store';
import { ArtifactIntegrityError, ArtifactStore, sha256 } from '../../core/artifacts/store';
import { S3Backend } from '../../core/artifacts/s3-backend';
import { isSharedStore, stageModelInput } from '../../core/artifacts/stage-inputs';
import { absolutizeConfig, createJobActivities } from '../../activities/job-activities';
import { checkOutputDir, checkOutputLocation } from '../../core/artifacts/output-roots';
import { RemoteOutput } from '../../core/artifacts/remote-output';
import { importModelFile } from '../../activities/model-refs';
import { parseJobConfig } from '../../core/config/load';
import { ppocrModel, CLS_MODEL } from '../fixtures/models';
import { sampleReport } from '../core/report/fixtures';
import { clsJob } from './harness';
import { S3Server, startS3Server } from './setup/versitygw';

const tmp = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sf-${label}-`));

describe('the S3 artifact store on versitygw', () => {
  let s3: S3Server;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3Server();
    Object.assign(process.env, s3.env);
  });
  afterAll(async () => {
    process.env = saved;
    await s3?.stop();
  });

  /** A worker's view: the shared bucket under `prefix`, and a cache of its own. */
  const worker = (prefix: string, cache = tmp('cache')) => ({ store: openStore(`s3://${s3.bucket}/${prefix}`, cache), cache });
  const objectFile = (prefix: string, uri: string) => path.join(s3.dir, s3.bucket, prefix, uri.slice('slimflow:'.length));

  it('puts, reads and lists objects through the bucket; another worker with its own cache reads them', async () => {
    const a = worker('put-get');
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    const ref = await a.store.put(bytes, 'model', 'onnx');
    expect(ref.uri).toBe(`slimflow:models/${ref.sha256.slice(0, 2)}/${ref.sha256}.onnx`);
    expect(ref.sha256).toBe(sha256(bytes));
    // The object is in the bucket under the prefix, byte for byte.
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `put-get/${ref.uri.slice('slimflow:'.length)}` }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    expect(await new S3Backend(`s3://${s3.bucket}/put-get`).list('models/')).toEqual([ref.uri.slice('slimflow:'.length)]);

    const b = worker('put-get');
    const file = await b.store.localPath(ref);
    expect(file.startsWith(b.cache)).toBe(true);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect((await b.store.read(ref)).equals(bytes)).toBe(true);
    expect(await b.store.lookup('nothing-here')).toBeUndefined();
    await a.store.record('trial-1', { model: ref, score: 3 });
    expect(await b.store.lookup('trial-1')).toEqual({ model: ref, score: 3 });
  });

  it('refills a worker cache whose copy is damaged or deleted', async () => {
    const a = worker('cache');
    const ref = await a.store.put('calibrated weights', 'model', 'onnx');
    const b = worker('cache');
    const cached = await b.store.localPath(ref);
    fs.writeFileSync(cached, 'calibrated weighTs');
    expect((await b.store.read(ref)).toString()).toBe('calibrated weights');
    expect(fs.readFileSync(cached, 'utf8')).toBe('calibrated weights');
    fs.rmSync(cached);
    expect(fs.readFileSync(await b.store.localPath(ref), 'utf8')).toBe('calibrated weights');
  });

  it('reports a damaged object in the bucket by its ref, treats a result pointing at it as none, and put() mends it', async () => {
    const a = worker('corrupt');
    const ref = await a.store.put('int8 model bytes', 'model', 'onnx');
    await a.store.record('ptq-x', { model: ref });
    // Damage the stored object behind the server's back, on its posix backend.
    fs.writeFileSync(objectFile('corrupt', ref.uri), 'int8 model byteZ');
    const b = worker('corrupt');
    const err = await b.store.read(ref).catch((e) => e);
    expect(err).toBeInstanceOf(ArtifactIntegrityError);
    expect(err.message).toContain(ref.uri);
    expect(err.message).toContain(`s3://${s3.bucket}/corrupt/`);
    expect(err.message).toMatch(/does not match its hash/);
    expect(await b.store.lookup('ptq-x')).toBeUndefined();
    // The step runs again on worker b: same content, same ref, and the bucket holds it again.
    expect(await b.store.put('int8 model bytes', 'model', 'onnx')).toEqual(ref);
    expect(fs.readFileSync(objectFile('corrupt', ref.uri), 'utf8')).toBe('int8 model bytes');
    expect((await worker('corrupt').store.read(ref)).toString()).toBe('int8 model bytes');
    expect(await worker('corrupt').store.lookup('ptq-x')).toEqual({ model: ref });
  });

  it('checks the sha256 itself: other bytes written through S3 under an object key are refused', async () => {
    const a = worker('overwritten');
    const ref = await a.store.put('the real model', 'model', 'onnx');
    // Consistent for S3 (its checksums match the new bytes), wrong for the reference.
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `overwritten/${ref.uri.slice('slimflow:'.length)}`, Body: 'another model' }));
    await expect(worker('overwritten').store.read(ref)).rejects.toThrow(`has sha256 ${sha256('another model')}`);
  });

  it('takes the job model from the client: staged into the bucket, imported by a worker with its own cache', async () => {
    expect(isSharedStore(`s3://${s3.bucket}/jobs`)).toBe(true);
    expect(isSharedStore('/srv/store')).toBe(false);
    const client = worker('jobs');
    const config = absolutizeConfig(parseJobConfig(clsJob(tmp('out')), 'job'), process.cwd());
    const staged = await stageModelInput(config, client.store);
    const bytes = fs.readFileSync(ppocrModel(CLS_MODEL));
    expect(staged.Global.model).toBe(`slimflow:models/${sha256(bytes).slice(0, 2)}/${sha256(bytes)}.onnx`);
    // What a worker does with it: prepareJob keeps the reference, importModel reads it from the bucket.
    expect(absolutizeConfig(staged, '/elsewhere').Global.model).toBe(staged.Global.model);
    const w = worker('jobs');
    const ref = await importModelFile({ store: w.store, threads: 1 }, staged.Global.model);
    expect(ref).toEqual({ uri: staged.Global.model, sha256: sha256(bytes), bytes: bytes.byteLength, kind: 'model' });
    expect(fs.readFileSync(await w.store.localPath(ref)).equals(bytes)).toBe(true);
  });

  it('publishes model.onnx and the reports into an s3:// output_dir of the store bucket, and refuses other buckets', async () => {
    process.env.SLIMFLOW_STORE = `s3://${s3.bucket}/store`;
    const w = worker('store');
    const model = await w.store.put(fs.readFileSync(ppocrModel(CLS_MODEL)), 'model', 'onnx');
    const out = `s3://${s3.bucket}/jobs/cls-out`;
    const config = absolutizeConfig(parseJobConfig(clsJob(out), 'job'), process.cwd());
    expect(config.Global.output_dir).toBe(out);
    expect(checkOutputLocation(out, 'Global.output_dir')).toBe(out);
    const acts = createJobActivities({ store: w.store, threads: 1 });
    expect(await acts.publishModel({ model, outputDir: out })).toEqual({ path: `${out}/model.onnx` });
    const report = sampleReport();
    expect(await acts.writeReport({ report, outputDir: out })).toEqual({ path: `${out}/report.json`, html: `${out}/report.html` });
    const onDisk = (name: string) => fs.readFileSync(path.join(s3.dir, s3.bucket, 'jobs', 'cls-out', name));
    expect(onDisk('model.onnx').equals(fs.readFileSync(ppocrModel(CLS_MODEL)))).toBe(true);
    expect(JSON.parse(onDisk('report.json').toString()).best.label).toBe(report.best.label);
    expect(onDisk('report.html').toString()).toMatch(/<html/i);
    // Another bucket, dot segments, and s3:// where only folders are written: refused, naming the key.
    expect(() => checkOutputLocation('s3://elsewhere/out', 'Global.output_dir')).toThrow(/not in the bucket of this worker's store.*Global\.output_dir/);
    expect(() => checkOutputLocation(`s3://${s3.bucket}/a/../b`, 'Global.output_dir')).toThrow(/"\." or "\.\." segments/);
    expect(() => checkOutputDir(out, 'registry')).toThrow(/only Global\.output_dir may be s3:\/\/.*registry/);
  });

  it('gives an s3:// output location to the newest job only', async () => {
    const loc = new RemoteOutput(`s3://${s3.bucket}/jobs/owned`);
    const older = { workflowId: 'a', runId: 'r1', startedAt: '2026-01-01T00:00:00.000Z' };
    const newer = { workflowId: 'b', runId: 'r2', startedAt: '2026-01-02T00:00:00.000Z' };
    await loc.claim(older);
    await loc.claim(newer);
    await loc.claim(newer);
    await expect(loc.claim(older)).rejects.toThrow(/a newer job \(b,/);
  });

  it('reports an object missing from the bucket by its ref', async () => {
    const a = worker('missing');
    const ref = await a.store.put('soon gone', 'table', 'json');
    fs.rmSync(objectFile('missing', ref.uri));
    const fresh: ArtifactStore = worker('missing').store;
    await expect(fresh.read(ref)).rejects.toThrow(`artifact missing: ${ref.uri}`);
  });

  it('refuses a bucket that does not exist with the SDK error, not as a missing artifact', async () => {
    const store = worker('x').store;
    const ref = { uri: `slimflow:json/${'a'.repeat(2)}/${'a'.repeat(64)}.json`, sha256: 'a'.repeat(64), bytes: 1, kind: 'json' as const };
    const other = openStore('s3://no-such-bucket-here/x', tmp('cache'));
    await expect(other.read(ref)).rejects.toThrow(/bucket/i);
    await expect(store.read(ref)).rejects.toThrow(/artifact missing/);
  });
});
