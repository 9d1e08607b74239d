// Open a page in headless Chromium (Debian's `chromium`, driven by its command line: no npm
// dependency) and collect the rendered DOM and every console message the page logged.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The Chromium binary (CHROMIUM_BIN, else `chromium` on PATH), or null when none is installed. */
export function chromiumBin(): string | null {
  const candidates = [process.env.CHROMIUM_BIN, 'chromium', 'chromium-browser'].filter(Boolean) as string[];
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

/** What a headless load of a page gave: the DOM after load, console lines, and a screenshot's size. */
export interface PageLoad {
  dom: string;
  console: string[];
  screenshotBytes: number;
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-logging=stderr', '--v=0'];

/** Load a local HTML file twice (DOM dump, then screenshot) in a throwaway profile. */
export function loadPage(bin: string, file: string): PageLoad {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-chromium-'));
  try {
    const url = `file://${path.resolve(file)}`;
    const dump = spawnSync(bin, [...FLAGS, `--user-data-dir=${profile}/a`, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    if (dump.status !== 0) throw new Error(`chromium exited ${dump.status}: ${dump.stderr.slice(-2000)}`);
    const shot = path.join(profile, 'shot.png');
    const snap = spawnSync(bin, [...FLAGS, `--user-data-dir=${profile}/b`, `--screenshot=${shot}`, '--window-size=1000,1400', url], { encoding: 'utf8', timeout: 60_000 });
    const consoleLines = `${dump.stderr}\n${snap.stderr}`.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
    return { dom: dump.stdout, console: consoleLines, screenshotBytes: fs.existsSync(shot) ? fs.statSync(shot).size : 0 };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Every URL a page would fetch from the network (src/href/url() to http(s)); SVG's xmlns is a name, not a fetch. */
export function networkRefs(html: string): string[] {
  return [...html.matchAll(/(?:src|href)\s*=\s*["'](https?:[^"']+)|url\(\s*["']?(https?:[^)"']+)/gi)].map((m) => m[1] ?? m[2]);
}
