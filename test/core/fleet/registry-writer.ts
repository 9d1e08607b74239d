// A registry writer in its own process, for the crash tests (registry-atomic.test.ts): it publishes
// one version (accepted: made latest in the same switch) or, with `churn`, switches the pair many
// times. SLIMFLOW_FAILPOINTS in its environment kills it where a worker would die.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { publishVersion, setLatest } from '../../../core/fleet/registry';

const [mode, root, arg] = process.argv.slice(2);
const record = (key: string, at: string) => ({ name: 'm', key, parts: {}, accepted: true, publishedAt: at, workflowId: `wf-${key.slice(0, 4)}` });
const src = path.join(root, '..', 'src.onnx');
if (!fs.existsSync(src)) fs.writeFileSync(src, 'model');

if (mode === 'publish') {
  publishVersion(root, record(arg, new Date().toISOString()), { 'model.onnx': src }, { latestAt: new Date().toISOString() });
} else if (mode === 'churn') {
  // New versions, and latest moved back and forth between them: every switch changes both files or latest.
  const keys: string[] = [];
  for (let i = 0; i < Number(arg); i++) {
    const key = `${String(i).padStart(4, '0')}${'c'.repeat(60)}`;
    if (i % 3 === 0) {
      publishVersion(root, record(key, `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(4, '0')}Z`), { 'model.onnx': src }, { latestAt: `t${i}` });
      keys.push(key);
    } else {
      setLatest(root, keys[i % keys.length], `t${i}`);
    }
  }
}
