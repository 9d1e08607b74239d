// Which cluster to talk to, in Temporal's own env-config conventions (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and
// the TOML profile file), so a user's existing `temporal` CLI setup works unchanged. With no
// address anywhere, slimflow falls back to its embedded dev server.
import * as fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { SlimflowError } from '../core/errors';
import { ensureDevServer } from './dev-server';
import { ensureSearchAttributes } from './register-search-attributes';

/** Explicit choices; each beats the environment, which beats the config file. */
export interface ConnectionOptions {
  address?: string;
  namespace?: string;
  /** TOML config file; defaults to TEMPORAL_CONFIG_FILE, then ~/.config/temporalio/temporal.toml. */
  configFile?: string;
  /** Profile in the config file; defaults to TEMPORAL_PROFILE, then "default". */
  profile?: string;
  /** Environment to read instead of process.env. */
  env?: Record<string, string | undefined>;
  /** State directory of the embedded dev server, when it is used. */
  stateDir?: string;
}

/** A cluster to connect to; `embedded` when it is slimflow's own dev server. */
export interface ResolvedConnection {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  grpcMeta?: Record<string, string>;
  embedded: boolean;
  /** Set when resolving started the embedded server (rather than reusing a running one): who started it stops it. */
  startedServer?: { stateDir: string };
  /** The embedded server's Web UI. */
  uiUrl?: string;
  /** A database copied from another checkout, moved aside when the embedded server started fresh. */
  setAsideDb?: string;
}

/** Resolve address, namespace and credentials: explicit options > env > config file > embedded dev server. */
export async function resolveConnection(opts: ConnectionOptions = {}): Promise<ResolvedConnection> {
  const env = definedOnly(opts.env ?? process.env);
  // envconfig silently treats a missing file as empty; a file the user named must exist.
  const explicitFile = opts.configFile ?? env.TEMPORAL_CONFIG_FILE;
  if (explicitFile && !fs.existsSync(explicitFile)) {
    throw new SlimflowError('NOT_FOUND', 'Temporal config file not found', explicitFile);
  }
  let profile;
  try {
    profile = loadClientConfigProfile({
      profile: opts.profile,
      configSource: opts.configFile ? { path: opts.configFile } : undefined,
      overrideEnvVars: env,
    });
  } catch (e) {
    throw new SlimflowError('INVALID_CONFIG', `cannot load Temporal client config: ${(e as Error).message}`, explicitFile, {
      cause: e,
    });
  }
  const namespace = opts.namespace ?? profile.namespace ?? 'default';
  const address = opts.address ?? profile.address;
  if (!address) {
    // The dev server is plaintext and unauthenticated: credentials from the profile do not apply.
    const server = await ensureDevServer({ stateDir: opts.stateDir, namespace });
    return {
      address: server.address, namespace, embedded: true,
      ...(server.started ? { startedServer: { stateDir: server.stateDir } } : {}),
      ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}),
      ...(server.setAsideDb ? { setAsideDb: server.setAsideDb } : {}),
    };
  }
  const { connectionOptions } = toClientOptions(profile);
  const resolved: ResolvedConnection = { address, namespace, embedded: false };
  if (connectionOptions.tls !== undefined && connectionOptions.tls !== null) resolved.tls = connectionOptions.tls;
  if (typeof connectionOptions.apiKey === 'string') resolved.apiKey = connectionOptions.apiKey;
  if (profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0) resolved.grpcMeta = profile.grpcMeta;
  return resolved;
}

/** A workflow client for a resolved cluster whose namespace has slimflow's search attributes. */
export async function connectClient(resolved: ResolvedConnection): Promise<Client> {
  const connection = await Connection.connect({
    address: resolved.address,
    tls: resolved.tls,
    apiKey: resolved.apiKey,
    metadata: resolved.grpcMeta,
  });
  await checked(connection, resolved);
  return new Client({ connection, namespace: resolved.namespace });
}

/** A native connection for workers to a resolved cluster whose namespace has slimflow's search attributes. */
export async function connectWorkerConnection(resolved: ResolvedConnection): Promise<NativeConnection> {
  const connection = await NativeConnection.connect({
    address: resolved.address,
    tls: resolved.tls,
    apiKey: resolved.apiKey,
    metadata: resolved.grpcMeta,
  });
  await checked(connection, resolved);
  return connection;
}

// Workflows upsert slimflow's search attributes: on a namespace without them every workflow task would
// fail and the job wait forever, so a connection registers them (or fails at once) before any use.
async function checked(connection: Connection | NativeConnection, resolved: ResolvedConnection): Promise<void> {
  try {
    await ensureSearchAttributes(connection, resolved.namespace, { address: resolved.address });
  } catch (e) {
    await connection.close().catch(() => undefined);
    throw e;
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
