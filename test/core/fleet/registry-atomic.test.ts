// latest.json and history.jsonl change together, in one rename: a writer SIGKILLed at any point of
// a publish (after the version folder's rename, between writing the two files, before the switch)
// leaves the old pair whole, and the retry makes the change once. A reader never sees latest.json
// name a version its history.jsonl lacks, even while another process switches the pair.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listVersions, publishVersion, readLatest, setLatest } from '../../../core/fleet/registry';

const writer = path.join(__dirname, 'registry-writer.ts');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-registry-atomic-'));
const record = (key: string, at: string) => ({ name: 'm', key, parts: {}, accepted: true, publishedAt: at, workflowId: `wf-${key.slice(0, 4)}` });

/** The public pair as a consumer reads it: every history line whole, and the keys. */
function readPair(root: string) {
  // latest first: history only grows, so the line of the latest read must be in any later history.
  const latest = fs.existsSync(path.join(root, 'latest.json')) ? (JSON.parse(fs.readFileSync(path.join(root, 'latest.json'), 'utf8')) as { key: string }).key : null;
  const text = fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const keys = text.trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key);
  return { keys, latest };
}

/** A registry with one published version, latest, and the source file the writer copies. */
function oneVersion(): { root: string; k1: string } {
  const base = tmp();
  const root = path.join(base, 'm');
  fs.writeFileSync(path.join(base, 'src.onnx'), 'model');
  const k1 = '1'.repeat(64);
  publishVersion(root, record(k1, '2026-01-01T00:00:00Z'), { 'model.onnx': path.join(base, 'src.onnx') }, { latestAt: '2026-01-01T00:00:01Z' });
  return { root, k1 };
}

describe('registry pair (latest.json + history.jsonl)', () => {
  for (const point of ['fleet-after-rename', 'fleet-between-state-files', 'fleet-before-state-switch']) {
    it(`a writer killed at ${point} leaves the old pair; the retry switches once`, () => {
      const { root, k1 } = oneVersion();
      const k2 = '2'.repeat(64);
      const r = spawnSync(process.execPath, ['--import', 'tsx', writer, 'publish', root, k2], { env: { ...process.env, SLIMFLOW_FAILPOINTS: point }, encoding: 'utf8' });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      // The version folder is in place (the kill came after its rename); the pair is the old one, whole.
      expect(listVersions(root).map((v) => v.key)).toEqual([k1, k2]);
      expect(readPair(root)).toEqual({ keys: [k1], latest: k1 });
      // The activity's retry: the version exists, so it is not copied again; the switch happens now.
      const again = publishVersion(root, record(k2, '2026-01-02T00:00:00Z'), {}, { latestAt: '2026-01-02T00:00:01Z' });
      expect(again.published).toBe(false);
      expect(readPair(root)).toEqual({ keys: [k1, k2], latest: k2 });
      // Nothing half-made stays: the dead writer's temp link and its unreferenced state folder are swept.
      const names = fs.readdirSync(root);
      expect(names.filter((n) => n.includes('.tmp-'))).toEqual([]);
      expect(names.filter((n) => n.startsWith('.state-')).length).toBeLessThanOrEqual(2);
    }, 60_000);
  }

  it('both public names are links into the one switched state folder', () => {
    const { root } = oneVersion();
    for (const f of ['latest.json', 'history.jsonl']) expect(fs.readlinkSync(path.join(root, f))).toBe(path.join('.state', f));
    expect(fs.lstatSync(path.join(root, '.state')).isSymbolicLink()).toBe(true);
  });

  it('a registry of the old layout (two plain files) moves to the linked one with its content', () => {
    const base = tmp();
    const root = path.join(base, 'm');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(base, 'src.onnx'), 'model');
    const k1 = '1'.repeat(64);
    const k2 = '2'.repeat(64);
    publishVersion(root, record(k1, '2026-01-01T00:00:00Z'), { 'model.onnx': path.join(base, 'src.onnx') });
    // What the old code left: plain files, the history line of k1 appended by hand.
    for (const f of ['latest.json', 'history.jsonl', '.state']) fs.rmSync(path.join(root, f), { force: true });
    for (const d of fs.readdirSync(root).filter((n) => n.startsWith('.state-'))) fs.rmSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, 'history.jsonl'), `${JSON.stringify({ version: k1.slice(0, 16), key: k1, accepted: true, at: 'then', workflowId: 'old' })}\n`);
    fs.writeFileSync(path.join(root, 'latest.json'), JSON.stringify({ version: k1.slice(0, 16), key: k1, dir: path.join(root, k1.slice(0, 16)), updatedAt: 'then' }));
    publishVersion(root, record(k2, '2026-01-02T00:00:00Z'), { 'model.onnx': path.join(base, 'src.onnx') }, { latestAt: 'now' });
    expect(readPair(root)).toEqual({ keys: [k1, k2], latest: k2 });
    expect(JSON.parse(fs.readFileSync(path.join(root, 'history.jsonl'), 'utf8').split('\n')[0]).workflowId).toBe('old');
    expect(fs.lstatSync(path.join(root, 'latest.json')).isSymbolicLink()).toBe(true);
  });

  it('a reader never sees latest.json name a version missing from history.jsonl while another process switches the pair', async () => {
    const base = tmp();
    const root = path.join(base, 'm');
    fs.mkdirSync(root);
    const child = spawn(process.execPath, ['--import', 'tsx', writer, 'churn', root, '120'], { stdio: 'ignore' });
    const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let reads = 0;
    let exited = false;
    void done.then(() => { exited = true; });
    const seen = new Set<string>();
    while (!exited) {
      // Read as a consumer would, latest first; the history can only have grown since.
      if (fs.existsSync(path.join(root, 'latest.json'))) {
        let pair: ReturnType<typeof readPair> | null = null;
        try {
          pair = readPair(root);
        } catch (e) {
          // A name that vanished between existsSync and the read would be a torn switch: never.
          throw new Error(`read ${reads}: ${(e as Error).message}`);
        }
        expect(pair.keys).toContain(pair.latest);
        seen.add(pair.latest!);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toBe(0);
    expect(reads).toBeGreaterThan(0);
    // The churn's 40 versions are all listed once; latest is the last one set.
    const final = readPair(root);
    expect(final.keys).toHaveLength(40);
    expect(new Set(final.keys).size).toBe(40);
    expect(final.latest).toBe(readLatest(root)!.key);
  }, 120_000);

  it('setLatest on a version already latest changes nothing', () => {
    const { root, k1 } = oneVersion();
    const state = fs.readlinkSync(path.join(root, '.state'));
    setLatest(root, k1, 'later');
    expect(fs.readlinkSync(path.join(root, '.state'))).toBe(state);
  });
});
