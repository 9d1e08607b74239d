// Objects in an S3 bucket (AWS or any S3-compatible server). Endpoint, credentials and region are
// found the AWS SDK's way: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
// AWS_REGION, AWS_PROFILE and the shared config files.
// The SDK is loaded on first use: a process on a folder store never pays for it (or its warnings).
import type { S3Client } from '@aws-sdk/client-s3';
import { SlimflowError } from '../errors';
import { DamagedObjectError, ObjectBackend } from './backend';

/** `s3://bucket/prefix` split into its parts (prefix without slashes at either end). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1])) {
    throw new SlimflowError('INVALID_CONFIG', `not an S3 location: "${url}" (expected s3://bucket/prefix)`, 'SLIMFLOW_STORE');
  }
  return { bucket: m[1], prefix: m[2].replace(/^\/+|\/+$/g, '') };
}

/**
 * An S3 client as the SDK configures it from the environment. S3-compatible servers (an endpoint
 * is set) are addressed path-style: they rarely serve bucket names as host names.
 */
export async function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpointSet = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ forcePathStyle: endpointSet || env.SLIMFLOW_S3_PATH_STYLE === '1' });
}

const isMissing = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (err?.name === 'NoSuchBucket') return false;
  return err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
};

export class S3Backend implements ObjectBackend {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;

  private client?: Promise<S3Client>;

  constructor(url: string, client?: S3Client) {
    if (client) this.client = Promise.resolve(client);
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(url));
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  private s3(): Promise<S3Client> {
    return (this.client ??= s3ClientFromEnv());
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const r = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if (isMissing(e)) return undefined;
      // The SDK checks the checksum the server stored at upload: a mismatch is a damaged object.
      if (/checksum mismatch/i.test((e as Error).message)) throw new DamagedObjectError(key, (e as Error).message);
      throw e;
    }
  }

  // Always uploads: proving a stored object's bytes costs a download, as much as the upload, and
  // overwriting with the same bytes is harmless and mends a damaged object.
  async put(key: string, data: Uint8Array): Promise<void> {
    const { Upload } = await import('@aws-sdk/lib-storage');
    await new Upload({ client: await this.s3(), params: { Bucket: this.bucket, Key: this.objectKey(key), Body: data } }).done();
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const full = this.objectKey(prefix);
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = await this.s3();
    let token: string | undefined;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(this.prefix ? o.Key.slice(this.prefix.length + 1) : o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}
