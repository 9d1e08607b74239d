// Failpoints for the chaos run (`npm run chaos`): SLIMFLOW_FAILPOINTS lists comma-separated globs
// (`*` matches anything) over named points such as `write:<absolute path>` or `between-reports`;
// the first time a worker reaches a matching point it SIGKILLs itself, as a crash would. A marker
// in SLIMFLOW_FAILPOINT_DIR makes each failpoint fire once across the restarted workers.
import * as fs from 'node:fs';
import * as path from 'node:path';

const globRe = (g: string) => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** Crash here if SLIMFLOW_FAILPOINTS names this point (once per point and marker folder). */
export function failpoint(name: string): void {
  const spec = process.env.SLIMFLOW_FAILPOINTS;
  if (!spec) return;
  const hit = spec.split(',').map((s) => s.trim()).filter(Boolean).find((g) => globRe(g).test(name));
  if (!hit) return;
  const dir = process.env.SLIMFLOW_FAILPOINT_DIR;
  if (dir) {
    const marker = path.join(dir, `fired-${Buffer.from(hit).toString('hex').slice(0, 80)}`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(marker, `${name}\n`, { flag: 'wx' });
    } catch {
      return; // fired before
    }
  }
  process.kill(process.pid, 'SIGKILL');
}
