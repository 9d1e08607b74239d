// No leftovers after a crash: a dead writer's temp file or half-copied version folder is swept by
// the next write to the same place, and a history.jsonl line lost between a version's rename and
// its append is restored before `latest` moves again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sweepStaleTemps, writeFileAtomic } from '../../../core/artifacts/atomic';
import { publishVersion, reconcileHistory, setLatest } from '../../../core/fleet/registry';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-leftovers-'));

/** The pid of a process that has exited (what a SIGKILLed worker leaves in its temp names). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(r.stdout));
}

const record = (key: string, at: string) => ({ name: 'm', key, parts: {}, accepted: true, publishedAt: at, workflowId: `wf-${key.slice(0, 4)}` });
const historyKeys = (root: string) => fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).key);

describe('leftovers', () => {
  it('a dead writer\'s half-written model.onnx.tmp-… is swept by the next write; a live one is kept', () => {
    const dir = tmp();
    const stale = path.join(dir, `model.onnx.tmp-${deadPid()}-abcd1234`);
    const live = path.join(dir, `model.onnx.tmp-${process.pid}-0000beef`);
    fs.writeFileSync(stale, 'half');
    fs.writeFileSync(live, 'in flight');
    writeFileAtomic(path.join(dir, 'model.onnx'), 'whole');
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'model.onnx'), 'utf8')).toBe('whole');
  });

  it('a half-copied version folder of a dead publisher is swept by the next publish', () => {
    const root = tmp();
    const half = path.join(root, `.aaaaaaaaaaaaaaaa.tmp-${deadPid()}-12345678`);
    fs.mkdirSync(half);
    fs.writeFileSync(path.join(half, 'model.onnx'), 'half');
    const src = path.join(root, 'src.onnx');
    fs.writeFileSync(src, 'model');
    publishVersion(root, record('b'.repeat(64), '2026-01-01T00:00:00Z'), { 'model.onnx': src });
    expect(fs.existsSync(half)).toBe(false);
    expect(sweepStaleTemps(root)).toEqual([]);
  });

  it('a history line lost between rename and append is restored before latest moves', () => {
    const root = tmp();
    const src = path.join(root, 'src.onnx');
    fs.writeFileSync(src, 'model');
    const k1 = '1'.repeat(64);
    const k2 = '2'.repeat(64);
    publishVersion(root, record(k1, '2026-01-01T00:00:00Z'), { 'model.onnx': src });
    setLatest(root, k1, '2026-01-01T00:00:01Z');
    // The crash: the version folder was renamed into place, the append never happened.
    publishVersion(root, record(k2, '2026-01-02T00:00:00Z'), { 'model.onnx': src });
    fs.writeFileSync(path.join(root, 'history.jsonl'), `${fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8').split('\n')[0]}\n{"torn`);
    expect(fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8')).not.toContain(k2);
    setLatest(root, k2, '2026-01-02T00:00:01Z');
    expect(historyKeys(root)).toEqual([k1, k2]);
    expect(reconcileHistory(root)).toBe(0); // once, not twice
  });
});
