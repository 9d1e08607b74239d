import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactIntegrityError, LocalArtifactStore, refsIn, sha256 } from '../../../core/artifacts/store';
import { openStore } from '../../../core/artifacts/open-store';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-'));

describe('local artifact store', () => {
  it('addresses content by store key and hash, names no machine path, and leaves no temporary files', async () => {
    const root = tmp();
    const store = new LocalArtifactStore(root);
    const a = await store.put(Buffer.from('weights'), 'model', 'onnx');
    const b = await store.put(Buffer.from('weights'), 'model', 'onnx');
    expect(a).toEqual(b);
    expect(a.sha256).toBe(sha256('weights'));
    expect(a.uri).toBe(`slimflow:models/${a.sha256.slice(0, 2)}/${a.sha256}.onnx`);
    expect(a.uri).not.toContain(root);
    expect((await store.read(a)).toString()).toBe('weights');
    expect(fs.readdirSync(path.join(root, 'models', a.sha256.slice(0, 2)))).toEqual([`${a.sha256}.onnx`]);
  });

  it('resolves a reference against whichever store reads it: a copy of the folder serves the same refs', async () => {
    const root = tmp();
    const ref = await new LocalArtifactStore(root).put('table', 'table', 'json');
    const copy = tmp();
    fs.cpSync(root, copy, { recursive: true });
    fs.rmSync(root, { recursive: true });
    const store = new LocalArtifactStore(copy);
    expect(await store.localPath(ref)).toBe(path.join(copy, 'tables', ref.sha256.slice(0, 2), `${ref.sha256}.json`));
  });

  it('refuses an artifact whose bytes no longer match its hash, naming the ref, and put() of the same content mends it', async () => {
    const store = new LocalArtifactStore(tmp());
    const ref = await store.put('abc', 'json', 'json');
    const file = await store.localPath(ref);
    fs.writeFileSync(file, 'abd');
    const err = await store.read(ref).catch((e) => e);
    expect(err).toBeInstanceOf(ArtifactIntegrityError);
    expect(err.message).toContain(ref.uri);
    expect(err.message).toMatch(/does not match its hash/);
    await expect(store.localPath(ref)).rejects.toThrow(/does not match its hash/);
    expect(await store.put('abc', 'json', 'json')).toEqual(ref);
    expect((await store.read(ref)).toString()).toBe('abc');
  });

  it('reports a missing artifact by its ref', async () => {
    const store = new LocalArtifactStore(tmp());
    const ref = await store.put('gone', 'model', 'onnx');
    fs.rmSync(await store.localPath(ref));
    await expect(store.read(ref)).rejects.toThrow(`artifact missing: ${ref.uri}`);
  });

  it('still reads old file:// refs, checked against their hash, and finds their content in this store when the path is gone', async () => {
    const root = tmp();
    const file = path.join(root, 'old.onnx');
    fs.writeFileSync(file, 'legacy');
    const old = { uri: `file://${file}`, sha256: sha256('legacy'), bytes: 6, kind: 'model' as const };
    const store = new LocalArtifactStore(root);
    expect((await store.read(old)).toString()).toBe('legacy');
    // The layout of stores before store keys: <root>/<ab>/<sha256>.<ext>.
    const legacyLayout = path.join(root, old.sha256.slice(0, 2), `${old.sha256}.onnx`);
    fs.mkdirSync(path.dirname(legacyLayout));
    fs.renameSync(file, legacyLayout);
    expect((await store.read(old)).toString()).toBe('legacy');
    fs.writeFileSync(legacyLayout, 'tampered');
    await expect(store.read(old)).rejects.toThrow(/does not match its hash/);
  });

  it('refuses a reference whose key does not carry its hash or escapes the store', async () => {
    const store = new LocalArtifactStore(tmp());
    const h = sha256('x');
    await expect(store.read({ uri: `slimflow:models/${h.slice(0, 2)}/${'0'.repeat(64)}.onnx`, sha256: h, bytes: 1, kind: 'model' })).rejects.toThrow(/not a store reference/);
    await expect(store.read({ uri: `slimflow:../../etc/${h}.onnx`, sha256: h, bytes: 1, kind: 'model' })).rejects.toThrow(/not a store reference/);
    await expect(store.read({ uri: `http://example.com/${h}.onnx`, sha256: h, bytes: 1, kind: 'model' })).rejects.toThrow(/unknown artifact reference scheme/);
  });
});

describe('keyed results', () => {
  it('records a result once and finds it again', async () => {
    const store = new LocalArtifactStore(tmp());
    expect(await store.lookup('trial-abc')).toBeUndefined();
    await store.record('trial-abc', { score: 1 });
    await store.record('trial-abc', { score: 2 });
    expect(await store.lookup('trial-abc')).toEqual({ score: 1 });
    await expect(store.record('../escape', 1)).rejects.toThrow(/bad result key/);
  });

  it('treats a result whose artifact is damaged or missing as none, so its step runs again and records anew', async () => {
    const store = new LocalArtifactStore(tmp());
    const model = await store.put('int8 model', 'model', 'onnx');
    await store.record('ptq-1', { model, trial: { model } });
    expect(await store.lookup('ptq-1')).toEqual({ model, trial: { model } });
    fs.writeFileSync(await store.localPath(model), 'int8 modeX');
    expect(await store.lookup('ptq-1')).toBeUndefined();
    // The step runs again: its put mends the object, its record stands.
    const again = await store.put('int8 model', 'model', 'onnx');
    await store.record('ptq-1', { model: again, trial: { model: again }, rerun: true });
    expect(await store.lookup('ptq-1')).toEqual({ model, trial: { model } });
    fs.rmSync(await store.localPath(model));
    expect(await store.lookup('ptq-1')).toBeUndefined();
    const other = await store.put('another result', 'model', 'onnx');
    await store.record('ptq-1', { model: other });
    expect(await store.lookup('ptq-1')).toEqual({ model: other });
  });

  it('treats a torn record as none', async () => {
    const root = tmp();
    const store = new LocalArtifactStore(root);
    await store.record('k', { a: 1 });
    fs.writeFileSync(path.join(root, 'keys', 'k.json'), '{"a":');
    expect(await store.lookup('k')).toBeUndefined();
  });

  it('finds every reference inside a result', () => {
    const r = (s: string) => ({ uri: `slimflow:json/${s}`, sha256: s, bytes: 1, kind: 'json' });
    expect(refsIn({ a: r('1'), b: [r('2'), { c: r('1') }], d: 'x' }).map((x) => x.sha256)).toEqual(['1', '2']);
  });
});

describe('openStore', () => {
  it('opens a folder from a path or a file:// URL and refuses other schemes', async () => {
    const root = tmp();
    const ref = await openStore(`file://${root}`, tmp()).put('x', 'json', 'json');
    expect((await openStore(root, tmp()).read(ref)).toString()).toBe('x');
    expect(() => openStore('ftp://host/x', tmp())).toThrow(/unsupported store/);
    expect(() => openStore('s3://Bad_Bucket/x', tmp())).toThrow(/not an S3 location/);
  });
});
