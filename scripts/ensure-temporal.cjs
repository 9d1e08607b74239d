#!/usr/bin/env node
// postinstall: make sure a working `temporal` CLI exists, because slimflow's embedded dev server
// and its integration tests run on it. Plain Node, no dependencies: this runs before anything
// else of ours can be trusted to be installed.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REPO_ROOT = path.resolve(__dirname, '..');
const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin');
const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
// v1.6+ carries replace directives in its go.mod, so `go install ...@version` refuses it.
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
// cli v1.5.1's go.mod declares `go 1.25.0`; an older Go can only build it by fetching a toolchain.
const MIN_GO = [1, 25];

const log = (msg) => console.log(`[ensure-temporal] ${msg}`);

/** The first line `bin --version` prints, or null when it does not run. */
function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || '').trim().split('\n')[0] || 'unknown version';
}

/** Executable files named `name` along PATH, in PATH order. */
function onPath(name) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  const hits = [];
  for (const dir of dirs) {
    for (const n of names) {
      const file = path.join(dir, n);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) hits.push(file);
      } catch {
        // not here: keep looking
      }
    }
  }
  return hits;
}

/** An already-working temporal CLI, or null. Throws when SLIMFLOW_TEMPORAL_BIN is set but broken. */
function findWorkingTemporal() {
  const fromEnv = process.env.SLIMFLOW_TEMPORAL_BIN;
  if (fromEnv) {
    const v = versionOf(fromEnv);
    // An explicit choice that does not work is a mistake to report, not to paper over.
    if (!v) throw new Error(`SLIMFLOW_TEMPORAL_BIN=${fromEnv} does not answer --version`);
    return { bin: fromEnv, version: v, source: 'SLIMFLOW_TEMPORAL_BIN' };
  }
  for (const bin of onPath('temporal')) {
    const v = versionOf(bin);
    if (v) return { bin, version: v, source: 'PATH' };
  }
  const local = path.join(TOOLS_BIN, EXE);
  if (fs.existsSync(local)) {
    const v = versionOf(local);
    if (v) return { bin: local, version: v, source: '.tools/bin' };
    log(`${local} exists but does not run; rebuilding it`);
  }
  return null;
}

/** The go binary to build with (PATH first, then the default install location), or null. */
function findGo() {
  const candidates = [...onPath('go'), '/usr/local/go/bin/go'];
  for (const go of candidates) {
    const r = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', timeout: 30_000 });
    if (!r.error && r.status === 0) return { go, version: r.stdout.trim() };
  }
  return null;
}

/** True when a `goX.Y[.Z]` version string is at least MIN_GO. */
function goIsRecentEnough(version) {
  const m = /^go(\d+)\.(\d+)/.exec(version);
  if (!m) return true; // devel builds: let `go install` decide
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1]);
}

function fail(msg) {
  console.error(`[ensure-temporal] ${msg}`);
  console.error(
    '[ensure-temporal] Install Go >= 1.25 (https://go.dev/dl/) and rerun `node scripts/ensure-temporal.cjs`,\n' +
      '  or install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH\n' +
      '  or point SLIMFLOW_TEMPORAL_BIN at it. Set SLIMFLOW_SKIP_TEMPORAL_INSTALL=1 to skip this step.',
  );
  process.exit(1);
}

function main() {
  if (process.env.SLIMFLOW_SKIP_TEMPORAL_INSTALL === '1') {
    log('skipped (SLIMFLOW_SKIP_TEMPORAL_INSTALL=1)');
    return;
  }
  let found;
  try {
    found = findWorkingTemporal();
  } catch (e) {
    return fail(e.message);
  }
  if (found) {
    log(`using ${found.bin} (${found.version}, from ${found.source})`);
    return;
  }

  const go = findGo();
  if (!go) return fail('no temporal CLI found and no Go toolchain to build one.');
  const toolchainPinned = (process.env.GOTOOLCHAIN || '') === 'local';
  if (!goIsRecentEnough(go.version) && toolchainPinned) {
    return fail(`${go.go} is ${go.version}; building ${CLI_MODULE} needs Go >= ${MIN_GO.join('.')}.`);
  }

  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  log(`building ${CLI_MODULE} with ${go.go} (${go.version}) into ${TOOLS_BIN}; this takes a few minutes`);
  const r = spawnSync(go.go, ['install', CLI_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: TOOLS_BIN },
  });
  if (r.error || r.status !== 0) {
    return fail(`\`go install ${CLI_MODULE}\` failed (${r.error ? r.error.message : `exit ${r.status}`}).`);
  }
  const built = path.join(TOOLS_BIN, EXE);
  const v = versionOf(built);
  if (!v) return fail(`${built} was built but does not answer --version.`);
  log(`installed ${built} (${v})`);
}

if (require.main === module) main();

module.exports = { findWorkingTemporal, findGo, goIsRecentEnough };
