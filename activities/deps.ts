import * as path from 'node:path';
import { ArtifactStore } from '../core/artifacts/store';
import { openStore } from '../core/artifacts/open-store';
import { stateRoot } from '../core/package-root';

/** What activities need from the outside world; the worker builds it once. */
export interface ActivityDeps {
  store: ArtifactStore;
  /** onnxruntime threads for measured latency (fixed so figures compare). */
  threads: number;
}

const stateDir = stateRoot();

/**
 * Default deps: the store SLIMFLOW_STORE names (a folder, file:///path or s3://bucket/prefix),
 * else a folder under the project state folder; a remote store caches in SLIMFLOW_CACHE.
 */
export function defaultDeps(store = process.env.SLIMFLOW_STORE ?? path.join(stateDir, 'store'), cache = process.env.SLIMFLOW_CACHE ?? path.join(stateDir, 'cache')): ActivityDeps {
  return { store: openStore(store, cache), threads: Number(process.env.SLIMFLOW_THREADS ?? 1) };
}
