// Shared pieces of the fleet integration tests: small manifests on copies of the PP-OCR classifier,
// a way to change a model file without breaking it, the CLI as a subprocess, history recording.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { decodeModel, encodeModel } from '../../core/onnx/model-io';
import { runTemporalCli } from '../../workers/temporal-cli';
import { CLS_MODEL, ppocrModel } from '../fixtures/models';

const repo = path.resolve(__dirname, '..', '..');

/** A copy of the classifier whose bytes differ by `tag` (the doc string) but which computes the same. */
export function modelVariant(file: string, tag: string): string {
  const m = decodeModel(fs.readFileSync(ppocrModel(CLS_MODEL))) as unknown as { docString?: string };
  m.docString = `slimflow fleet test ${tag}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeModel(m as never));
  return file;
}

/** A tiny classifier job (16 calibration / 32 eval lines, two batches): seconds, not minutes. */
export const tinyClsConfig = {
  Global: {
    input_shape: [8, 3, 48, 192],
    task: 'ocr-cls',
    calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 },
    eval_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 },
    deploy: { threads: 1 },
  },
  QuantPost: { algo: 'abs_max', batch_size: 8, batch_num: 2 },
};

/** Write a manifest for models (name → model file) under dir; thresholds loose enough for a loaded CI box. */
export function writeManifest(dir: string, name: string, models: Record<string, string>, concurrency = 2): string {
  const manifest = {
    name,
    registry: path.join(dir, 'registry'),
    concurrency,
    defaults: { config: tinyClsConfig, acceptance: { max_accuracy_drop: 10, min_speedup: 0.1 } },
    models: Object.entries(models).map(([n, model]) => ({ name: n, model })),
  };
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml.dump(manifest));
  return file;
}

/** Lines of a model's publish log (one per publish that happened). */
export function publishes(registry: string, model: string): unknown[] {
  const f = path.join(registry, model, 'history.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** Run the slimflow CLI; resolves with stdout and stderr, rejects on a non-zero exit. */
export function slimflow(args: string[], cwd = repo): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(repo, 'bin', 'slimflow'), args, { cwd, env: process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`slimflow ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/**
 * Save a fleet run's history for test/replay when SLIMFLOW_RECORD_HISTORIES=1. Child ids derive from
 * the fleet's workflow id, so the file keeps it beside the history (and lives in its own folder:
 * the generic replay test replays histories under their file names).
 */
export async function recordFleetHistory(name: string, workflowId: string, server: { address: string; namespace: string }): Promise<void> {
  if (process.env.SLIMFLOW_RECORD_HISTORIES !== '1') return;
  const dir = path.join(repo, 'test', 'replay', 'fleet-histories');
  fs.mkdirSync(dir, { recursive: true });
  const json = await runTemporalCli(['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--namespace', server.namespace, '--output', 'json']);
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ workflowId, history: JSON.parse(json) })}\n`);
}
