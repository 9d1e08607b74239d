// `npm run chaos`: crash things on purpose and print what held. A private dev server (SQLite in a
// temp folder), slimflow worker processes, the tiny classifier job. Not a timed test: it prints a
// table and exits 1 when a row failed. The fast rows also run in CI (test/integration/chaos-fast.test.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureDevServer, stopDevServer } from '../workers/dev-server';
import { aliasBombScenario, ChaosEnv, ChaosRow, failpointScenario, fleetPublishScenario, searchScenario, serverRestartScenario } from './chaos-scenarios';

async function main() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-chaos-')));
  const stateDir = path.join(dir, 'temporal');
  const server = await ensureDevServer({ stateDir });
  let env: ChaosEnv & { stateDir: string } = { dir, stateDir, address: server.address, namespace: server.namespace, client: new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace }) };
  const rows: ChaosRow[] = [];
  const say = (r: ChaosRow) => { rows.push(r); process.stderr.write(`  ${r.scenario}: ${r.status} (${r.seconds} s)\n`); };
  try {
    process.stderr.write(`chaos run in ${dir} (server ${server.address})\n`);
    const ref = await failpointScenario(env, 'reference run (no crash)', null);
    say(ref.row);
    const points: [string, (out: string, store: string) => string][] = [
      ['worker killed at its first store write', (_o, store) => `write:${store}/*`],
      ['worker killed writing a trial record', (_o, store) => `write:${store}/keys/*`],
      ['worker killed mid-publish (model.onnx written, not renamed)', (out) => `write:${out}/model.onnx`],
      ['worker killed between report.json and report.html', () => 'between-reports'],
    ];
    for (const [name, glob] of points) say((await failpointScenario(env, name, glob, ref.hashes)).row);
    say(await fleetPublishScenario(env, 'fleet-after-rename'));
    say(await fleetPublishScenario(env, 'fleet-between-state-files'));
    const search = await searchScenario(env, 'reference search (no crash)', { workers: 1, kill: false });
    say(search.row);
    if (search.outcome) {
      say((await searchScenario(env, 'worker killed mid-search (between trials)', { workers: 1, kill: true }, search.outcome)).row);
      say((await searchScenario(env, 'two workers share a search job, one killed', { workers: 2, kill: true }, search.outcome)).row);
    }
    say(await aliasBombScenario(env));
    const restarted = await serverRestartScenario(env, ref.hashes);
    env = restarted.env;
    say(restarted.row);
  } finally {
    await env.client.connection.close().catch(() => undefined);
    await stopDevServer(stateDir);
  }
  // A row holds when the job ended as it should (the bomb fails, the rest complete), the crash happened,
  // every step completed exactly once, the artifacts match the reference and nothing was left behind.
  const bomb = (r: ChaosRow) => r.scenario.includes('alias bomb');
  const ok = (r: ChaosRow) =>
    (bomb(r) ? r.status.startsWith('FAILED') : r.status === 'COMPLETED') &&
    (bomb(r) || r.scenario.startsWith('reference') || r.crashed) &&
    r.exactlyOnce && r.identical !== false && r.leftovers.length === 0;
  const table = [
    '| scenario | crashed | status | exactly once | artifacts identical | leftovers | s | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.crashed ? 'yes' : 'no'} | ${r.status.slice(0, 70)} | ${r.exactlyOnce ? 'yes' : 'NO'} | ${r.identical === null ? '–' : r.identical ? 'yes' : 'NO'} | ${r.leftovers.length ? r.leftovers.join(' ') : 'none'} | ${r.seconds} | ${r.note ?? ''} ${ok(r) ? '' : '**FAILED**'} |`),
  ];
  process.stdout.write(`${table.join('\n')}\n`);
  process.exit(rows.every(ok) ? 0 : 1);
}

void main();
