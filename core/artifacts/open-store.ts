// The store a process uses, from one setting (SLIMFLOW_STORE): a folder path, `file:///path`, or
// `s3://bucket/prefix`. A remote store gets a local content-addressed cache (SLIMFLOW_CACHE).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlimflowError } from '../errors';
import { S3Backend } from './s3-backend';
import { ArtifactStore, ContentStore, LocalArtifactStore } from './store';

/** Open the store named by `spec`; `cacheDir` holds verified local copies of remote objects. */
export function openStore(spec: string, cacheDir: string): ArtifactStore {
  if (spec.startsWith('s3://')) return new ContentStore(new S3Backend(spec), path.resolve(cacheDir));
  if (spec.startsWith('file://')) return new LocalArtifactStore(fileURLToPath(spec));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new SlimflowError('INVALID_CONFIG', `unsupported store "${spec}": use a folder, file:///path or s3://bucket/prefix`, 'SLIMFLOW_STORE');
  }
  return new LocalArtifactStore(path.resolve(spec));
}
