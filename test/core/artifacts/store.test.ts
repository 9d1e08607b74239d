import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalArtifactStore, sha256 } from '../../../core/artifacts/store';

describe('local artifact store', () => {
  it('addresses content by hash and leaves no temporary files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-'));
    const store = new LocalArtifactStore(root);
    const a = store.put(Buffer.from('weights'), 'model', 'onnx');
    const b = store.put(Buffer.from('weights'), 'model', 'onnx');
    expect(a).toEqual(b);
    expect(a.sha256).toBe(sha256('weights'));
    expect(store.read(a).toString()).toBe('weights');
    const files = fs.readdirSync(path.join(root, a.sha256.slice(0, 2)));
    expect(files).toEqual([`${a.sha256}.onnx`]);
  });

  it('refuses an artifact whose bytes no longer match its hash', () => {
    const store = new LocalArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-')));
    const ref = store.put('abc', 'json', 'json');
    fs.writeFileSync(store.localPath(ref), 'tampered');
    expect(() => store.read(ref)).toThrow(/does not match its hash/);
  });
});

describe('keyed results', () => {
  it('records a result once and finds it again', () => {
    const store = new LocalArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-store-')));
    expect(store.lookup('trial-abc')).toBeUndefined();
    store.record('trial-abc', { score: 1 });
    store.record('trial-abc', { score: 2 });
    expect(store.lookup('trial-abc')).toEqual({ score: 1 });
    expect(() => store.record('../escape', 1)).toThrow(/bad result key/);
  });
});
