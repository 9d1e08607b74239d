import * as path from 'node:path';
import { Command } from 'commander';
import { resolveConnection, ResolvedConnection } from '../workers/connection';
import { DEFAULT_TASK_QUEUE } from '../workers/create-worker';
import { info } from './output';
import { installSdkLogger, sdkLogFile } from './sdk-log';

export interface ClusterFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  temporalConfig?: string;
  taskQueue: string;
}

/** The flags that choose a Temporal cluster; without them slimflow uses its embedded dev server. */
export function withClusterFlags(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal frontend address (else TEMPORAL_ADDRESS, the config file, or the embedded dev server)')
    .option('--namespace <ns>', 'Temporal namespace (else TEMPORAL_NAMESPACE or "default")')
    .option('--profile <name>', 'profile in the Temporal config file (else TEMPORAL_PROFILE)')
    .option('--temporal-config <file>', 'Temporal TOML config file (else TEMPORAL_CONFIG_FILE)')
    .option('--task-queue <name>', 'task queue of the slimflow workers', DEFAULT_TASK_QUEUE);
}

/** Resolve the cluster (starting the embedded server when none is configured) and quiet the SDK's logs. */
export async function cluster(flags: ClusterFlags): Promise<ResolvedConnection> {
  installSdkLogger();
  const conn = await resolveConnection({
    address: flags.address,
    namespace: flags.namespace,
    profile: flags.profile,
    configFile: flags.temporalConfig,
  });
  info(`temporal: ${conn.address} namespace ${conn.namespace}${conn.embedded ? ' (embedded dev server)' : ''}; SDK log: ${path.relative(process.cwd(), sdkLogFile())}`);
  if (conn.uiUrl) info(`temporal web UI: ${conn.uiUrl}/namespaces/${encodeURIComponent(conn.namespace)}/workflows`);
  if (conn.setAsideDb) {
    info(`the embedded server's database came from another checkout: moved to ${conn.setAsideDb}; this checkout resumes none of its jobs`);
  }
  return conn;
}
