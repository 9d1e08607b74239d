// Job outputs in S3 (`output_dir: s3://bucket/prefix`): model.onnx and the reports are written as
// objects, so no worker's disk holds the only copy. A worker writes only into the bucket of its own
// store (SLIMFLOW_STORE): whoever may start a job cannot send its outputs to any bucket the
// worker's credentials reach. The newest job owns the location, as for folders (output-owner.ts).
import { SlimflowError } from '../errors';
import { isNewer, OWNER_FILE, OutputOwner } from './output-owner';
import { parseS3Url, S3Backend } from './s3-backend';

/** True for an output location in an object store rather than a folder. */
export const isRemoteLocation = (dir: string) => dir.startsWith('s3://');

/** Check an `s3://` output location (named by `key` in errors) against the worker's store; returns it normalized. */
export function checkRemoteOutput(dir: string, key: string, storeSpec = process.env.SLIMFLOW_STORE): string {
  let loc: { bucket: string; prefix: string };
  try {
    loc = parseS3Url(dir);
  } catch (e) {
    throw new SlimflowError('INVALID_CONFIG', (e as Error).message, key);
  }
  if (loc.prefix.split('/').some((s) => s === '..' || s === '.')) throw new SlimflowError('INVALID_CONFIG', `output location ${dir} has "." or ".." segments`, key);
  const store = storeSpec?.startsWith('s3://') ? parseS3Url(storeSpec).bucket : undefined;
  if (store !== loc.bucket) {
    throw new SlimflowError('INVALID_CONFIG', `output location ${dir} is not in the bucket of this worker's store (SLIMFLOW_STORE=${storeSpec ?? 'unset'}); s3:// outputs go to the store's bucket`, key);
  }
  return `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
}

/** An output location in S3: claim it for a job, write files into it. */
export class RemoteOutput {
  private readonly backend: S3Backend;

  constructor(readonly dir: string) {
    this.backend = new S3Backend(dir);
  }

  /** Claim the location for `owner`, or throw SUPERSEDED when a newer job owns it. */
  async claim(owner: OutputOwner): Promise<void> {
    const raw = await this.backend.get(OWNER_FILE);
    let cur: OutputOwner | null = null;
    try {
      cur = raw ? (JSON.parse(raw.toString('utf8')) as OutputOwner) : null;
    } catch {
      cur = null;
    }
    if (cur && cur.runId === owner.runId && cur.workflowId === owner.workflowId) return;
    if (cur && isNewer(cur, owner)) {
      throw new SlimflowError('SUPERSEDED', `a newer job (${cur.workflowId}, started ${cur.startedAt}) owns this output location; this job (${owner.workflowId}, started ${owner.startedAt}) does not overwrite it`, this.dir);
    }
    await this.backend.put(OWNER_FILE, Buffer.from(`${JSON.stringify(owner)}\n`));
  }

  /** Write `name` (a plain file name) and return its `s3://` URL. */
  async write(name: string, data: Uint8Array | string): Promise<string> {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new SlimflowError('INVALID_PIPELINE', `output file must be a plain file name, got "${name}"`, name);
    await this.backend.put(name, typeof data === 'string' ? Buffer.from(data) : data);
    return `${this.dir}/${name}`;
  }
}
