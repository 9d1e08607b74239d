// Locating the temporal CLI: the runtime lookup (workers/temporal-cli.ts) and the postinstall
// script (scripts/ensure-temporal.cjs) follow the same order.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, resolveTemporalBin, runTemporalCli } from '../../workers/temporal-cli';

const script = path.join(REPO_ROOT, 'scripts', 'ensure-temporal.cjs');
const toolsBin = path.join(REPO_ROOT, '.tools', 'bin', 'temporal');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-cli-'));
// A stand-in CLI that answers --version, to show which candidate wins.
const fake = path.join(dir, 'temporal');
fs.writeFileSync(fake, '#!/bin/sh\necho "temporal version fake"\n', { mode: 0o755 });
const broken = path.join(dir, 'broken');
fs.writeFileSync(broken, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
const nodeDir = path.dirname(process.execPath);

function runScript(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { env: { PATH: nodeDir, ...env }, encoding: 'utf8' });
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('resolveTemporalBin', () => {
  it('prefers SLIMFLOW_TEMPORAL_BIN, then PATH', () => {
    expect(resolveTemporalBin({ SLIMFLOW_TEMPORAL_BIN: fake, PATH: '' })).toBe(fake);
    expect(resolveTemporalBin({ PATH: `${path.join(dir, 'missing')}${path.delimiter}${dir}` })).toBe(fake);
  });

  it('falls back to <repo>/.tools/bin when PATH has none', () => {
    if (!fs.existsSync(toolsBin)) return; // CLI installed elsewhere: nothing to check here
    expect(resolveTemporalBin({ PATH: '' })).toBe(toolsBin);
  });

  it('rejects a SLIMFLOW_TEMPORAL_BIN that does not run instead of silently using another', () => {
    expect(() => resolveTemporalBin({ SLIMFLOW_TEMPORAL_BIN: broken, PATH: dir })).toThrow(/does not answer --version/);
  });

  it('runs the CLI and reports its stderr on failure', async () => {
    expect(await runTemporalCli(['--version'])).toMatch(/^temporal version/);
    await expect(runTemporalCli(['no-such-command'])).rejects.toThrow(/temporal no-such-command failed: .*unknown command/i);
  });
});

describe('scripts/ensure-temporal.cjs', () => {
  it('accepts a working CLI on PATH without building', () => {
    const r = runScript({ PATH: `${dir}${path.delimiter}${nodeDir}` });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`using ${fake} (temporal version fake, from PATH)`);
  });

  it('is skipped by SLIMFLOW_SKIP_TEMPORAL_INSTALL=1', () => {
    const r = runScript({ SLIMFLOW_SKIP_TEMPORAL_INSTALL: '1', SLIMFLOW_TEMPORAL_BIN: broken });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('skipped');
  });

  it('fails with install advice when SLIMFLOW_TEMPORAL_BIN is broken', () => {
    const r = runScript({ SLIMFLOW_TEMPORAL_BIN: broken });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not answer --version');
    expect(r.stderr).toMatch(/Install Go >= 1\.25.*install the Temporal CLI/s);
  });

  it('compares Go versions against the CLI module requirement', () => {
    const { goIsRecentEnough } = require(script) as { goIsRecentEnough: (v: string) => boolean };
    expect(goIsRecentEnough('go1.26.8')).toBe(true);
    expect(goIsRecentEnough('go1.25')).toBe(true);
    expect(goIsRecentEnough('go1.24.3')).toBe(false);
    expect(goIsRecentEnough('go2.0')).toBe(true);
  });
});
