// Precedence of cluster settings: explicit options > TEMPORAL_* env > TOML profile (no server needed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../workers/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-envconfig-'));
const toml = path.join(dir, 'temporal.toml');
fs.writeFileSync(
  toml,
  [
    '[profile.default]',
    'address = "file-host:7233"',
    'namespace = "file-ns"',
    '',
    '[profile.cloud]',
    'address = "cloud-host:7233"',
    'namespace = "cloud-ns"',
    'api_key = "file-key"',
    '',
    '[profile.mtls]',
    'address = "mtls-host:7233"',
    '[profile.mtls.tls]',
    'server_name = "mtls.example"',
    '',
  ].join('\n'),
);

describe('resolveConnection', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes address and namespace from the default profile of the config file', async () => {
    expect(await resolveConnection({ configFile: toml, env: {} })).toEqual({
      address: 'file-host:7233',
      namespace: 'file-ns',
      embedded: false,
    });
  });

  it('finds the file through TEMPORAL_CONFIG_FILE and the profile through TEMPORAL_PROFILE', async () => {
    const r = await resolveConnection({ env: { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' } });
    // An API key implies TLS, as in Temporal's own env config.
    expect(r).toEqual({ address: 'cloud-host:7233', namespace: 'cloud-ns', apiKey: 'file-key', tls: true, embedded: false });
  });

  it('lets environment variables override the file', async () => {
    const r = await resolveConnection({
      configFile: toml,
      profile: 'cloud',
      env: { TEMPORAL_ADDRESS: 'env-host:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: 'env-key' },
    });
    expect(r).toMatchObject({ address: 'env-host:7233', namespace: 'env-ns', apiKey: 'env-key', tls: true });
  });

  it('lets explicit options override environment and file', async () => {
    const r = await resolveConnection({
      address: 'cli-host:7233',
      namespace: 'cli-ns',
      configFile: toml,
      env: { TEMPORAL_ADDRESS: 'env-host:7233', TEMPORAL_NAMESPACE: 'env-ns' },
    });
    expect(r).toEqual({ address: 'cli-host:7233', namespace: 'cli-ns', embedded: false });
  });

  it('prefers an explicit profile over TEMPORAL_PROFILE, and reads TLS settings', async () => {
    const r = await resolveConnection({ configFile: toml, profile: 'mtls', env: { TEMPORAL_PROFILE: 'cloud' } });
    expect(r).toMatchObject({ address: 'mtls-host:7233', namespace: 'default', tls: { serverNameOverride: 'mtls.example' } });
    expect(r.apiKey).toBeUndefined();
  });

  it('turns TLS off with TEMPORAL_TLS=false even when an API key would imply it', async () => {
    const r = await resolveConnection({ configFile: toml, profile: 'cloud', env: { TEMPORAL_TLS: 'false' } });
    expect(r.tls).toBe(false);
  });

  it('rejects a named config file that does not exist, and an unknown profile', async () => {
    await expect(resolveConnection({ configFile: path.join(dir, 'nope.toml'), env: {} })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(resolveConnection({ configFile: toml, profile: 'staging', env: {} })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining("Profile 'staging' not found"),
    });
  });
});
