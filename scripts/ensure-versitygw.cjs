#!/usr/bin/env node
// postinstall: make sure versitygw (Apache-2.0), a real S3-compatible server, exists: the object
// store tests run slimflow's S3 backend against it on loopback. Built the way the Temporal CLI is
// (scripts/ensure-temporal.cjs). Only tests need it, so a failed build warns instead of failing
// the install; those tests then say how to get it.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { findGo } = require('./ensure-temporal.cjs');

const REPO_ROOT = path.resolve(__dirname, '..');
const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin');
const EXE = process.platform === 'win32' ? 'versitygw.exe' : 'versitygw';
const MODULE = 'github.com/versity/versitygw/cmd/versitygw@v1.8.0';

const log = (msg) => console.log(`[ensure-versitygw] ${msg}`);

/** True when `bin` runs (`versitygw --version` exits 0). */
function runs(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return !r.error && r.status === 0;
}

/** The versitygw to use: SLIMFLOW_VERSITYGW_BIN, else .tools/bin; null when none runs. */
function findVersitygw() {
  const fromEnv = process.env.SLIMFLOW_VERSITYGW_BIN;
  if (fromEnv) return runs(fromEnv) ? fromEnv : null;
  const local = path.join(TOOLS_BIN, EXE);
  return fs.existsSync(local) && runs(local) ? local : null;
}

function main() {
  if (process.env.SLIMFLOW_SKIP_VERSITYGW_INSTALL === '1' || process.env.SLIMFLOW_SKIP_TEMPORAL_INSTALL === '1') {
    log('skipped');
    return;
  }
  // An installed package has no tests (package.json "files"): nothing there needs versitygw.
  if (!fs.existsSync(path.join(REPO_ROOT, 'test'))) {
    log('installed as a package: versitygw serves the tests only, skipped');
    return;
  }
  const found = findVersitygw();
  if (found) {
    log(`using ${found}`);
    return;
  }
  const go = findGo();
  if (!go) {
    log(`no Go toolchain: the S3 store tests need versitygw (go install ${MODULE}, or set SLIMFLOW_VERSITYGW_BIN)`);
    return;
  }
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  log(`building ${MODULE} with ${go.go} (${go.version}) into ${TOOLS_BIN}; this takes about a minute`);
  const r = spawnSync(go.go, ['install', MODULE], { stdio: 'inherit', env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' } });
  if (r.error || r.status !== 0 || !findVersitygw()) {
    log(`\`go install ${MODULE}\` failed; the S3 store tests will not run until versitygw is installed`);
    return;
  }
  log(`installed ${path.join(TOOLS_BIN, EXE)}`);
}

if (require.main === module) main();

module.exports = { findVersitygw, TOOLS_BIN };
