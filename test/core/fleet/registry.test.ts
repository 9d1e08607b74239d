import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetKey } from '../../../core/fleet/key';
import { listVersions, publishVersion, readLatest, readVersion, setLatest } from '../../../core/fleet/registry';
import { parseJobConfig } from '../../../core/config/load';
import { absolutizeJobPaths } from '../../../core/fleet/paths';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-registry-'));

function job(dir: string, over: Record<string, unknown> = {}) {
  fs.writeFileSync(path.join(dir, 'm.onnx'), 'model-bytes-1');
  fs.mkdirSync(path.join(dir, 'npy'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'npy', 'a.npy'), 'data-1');
  const raw = { Global: { model: 'm.onnx', input_shape: [1, 3, 8, 8], calibration_data: { kind: 'npy', dir: 'npy' }, output_dir: 'out', ...over } };
  return absolutizeJobPaths(parseJobConfig(raw), dir);
}

describe('fleet key', () => {
  it('is stable, ignores output location, and changes with model bytes, data bytes, config and version', () => {
    const dir = tmp();
    const base = fleetKey(job(dir), '1.0.0').key;
    expect(fleetKey(job(dir), '1.0.0').key).toBe(base);
    expect(fleetKey(job(dir, { output_dir: 'elsewhere' }), '1.0.0').key).toBe(base);
    expect(fleetKey(job(dir), '1.0.1').key).not.toBe(base);
    expect(fleetKey(job(dir, { seed: 3 }), '1.0.0').key).not.toBe(base);
    const cfg = job(dir);
    fs.writeFileSync(path.join(dir, 'npy', 'a.npy'), 'data-2');
    expect(fleetKey(cfg, '1.0.0').key).not.toBe(base);
    fs.writeFileSync(path.join(dir, 'npy', 'a.npy'), 'data-1');
    fs.writeFileSync(path.join(dir, 'm.onnx'), 'model-bytes-2');
    expect(fleetKey(cfg, '1.0.0').key).not.toBe(base);
  });

  it('names a missing model or data folder', () => {
    const dir = tmp();
    const cfg = job(dir);
    fs.rmSync(path.join(dir, 'npy'), { recursive: true });
    expect(() => fleetKey(cfg, '1')).toThrow(/data folder does not exist.*calibration_data/);
    fs.rmSync(path.join(dir, 'm.onnx'));
    expect(() => fleetKey(cfg, '1')).toThrow(/model file does not exist/);
  });
});

describe('registry', () => {
  it('publishes a version whole and exactly once; latest moves only when set', () => {
    const root = tmp();
    const src = tmp();
    fs.writeFileSync(path.join(src, 'model.onnx'), 'm');
    fs.writeFileSync(path.join(src, 'report.json'), '{}');
    const key = 'ab'.repeat(32);
    const rec = { name: 'x', key, parts: {}, accepted: false, reason: 'too slow', publishedAt: '2026-11-25T00:00:00Z', workflowId: 'w' };
    const first = publishVersion(root, rec, { 'model.onnx': path.join(src, 'model.onnx'), 'report.json': path.join(src, 'report.json') });
    expect(first.published).toBe(true);
    expect(fs.readdirSync(first.dir).sort()).toEqual(['key.json', 'model.onnx', 'report.json']);
    expect(publishVersion(root, rec, {}).published).toBe(false);
    expect(readVersion(root, key)?.reason).toBe('too slow');
    expect(fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readLatest(root)).toBeNull();
    setLatest(root, key, 'now');
    expect(readLatest(root)).toMatchObject({ version: key.slice(0, 16), dir: first.dir });
    expect(listVersions(root)).toHaveLength(1);
    expect(fs.readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
