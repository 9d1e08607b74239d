import * as path from 'node:path';
import { ArtifactStore, LocalArtifactStore } from '../core/artifacts/store';

/** What activities need from the outside world; the worker builds it once. */
export interface ActivityDeps {
  store: ArtifactStore;
  /** onnxruntime threads for measured latency (fixed so figures compare). */
  threads: number;
}

/** Default deps: a local store under the project state folder. */
export function defaultDeps(root = process.env.SLIMFLOW_STORE ?? path.resolve(__dirname, '..', '.slimflow', 'store')): ActivityDeps {
  return { store: new LocalArtifactStore(root), threads: Number(process.env.SLIMFLOW_THREADS ?? 1) };
}
