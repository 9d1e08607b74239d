// The fast part of `npm run chaos` in CI: a worker SIGKILLed mid-publish (model.onnx written to its
// temp name, not yet renamed) and a fresh worker finishing the job; and a YAML alias bomb. Rows
// as bench/chaos.ts prints them, asserted.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { aliasBombScenario, ChaosEnv, failpointScenario } from '../../bench/chaos-scenarios';
import { tmpDir } from './harness';
import { testTemporal } from './setup/server';

describe('chaos, fast part', () => {
  let env: ChaosEnv;
  beforeAll(async () => {
    const { address, namespace } = testTemporal();
    env = { dir: fs.realpathSync(tmpDir('chaos')), address, namespace, client: new Client({ connection: await Connection.connect({ address }), namespace }) };
  });
  afterAll(async () => { await env?.client.connection.close(); });

  it('a worker killed mid-publish: the job completes, every step once, no temp file left', async () => {
    const { row } = await failpointScenario(env, 'mid-publish', (out) => `write:${out}/model.onnx`);
    expect(row).toMatchObject({ crashed: true, status: 'COMPLETED', exactlyOnce: true, leftovers: [] });
  }, 600_000);

  it('an alias bomb fails once, in its activity', async () => {
    const row = await aliasBombScenario(env);
    expect(row.status).toMatch(/^FAILED/);
    expect(row.exactlyOnce).toBe(true);
  }, 300_000);
});
