// A real S3-compatible server for the object-store tests: versitygw on loopback with its posix
// backend over a throwaway folder, one bucket, and the environment a slimflow process needs to
// use it (the AWS SDK reads AWS_ENDPOINT_URL and the credentials from there).
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findVersitygw } = require('../../../scripts/ensure-versitygw.cjs') as { findVersitygw(): string | null };

export interface S3Server {
  /** Where the posix backend keeps the objects: `<dir>/<bucket>/<key>`. */
  dir: string;
  bucket: string;
  /** AWS_* variables that point the SDK at this server. */
  env: Record<string, string>;
  client: S3Client;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/** Start versitygw and create `bucket`; throws with the way to install it when it is absent. */
export async function startS3Server(bucket = 'slimflow-test'): Promise<S3Server> {
  const bin = findVersitygw();
  if (!bin) throw new Error('versitygw not found: run `node scripts/ensure-versitygw.cjs` (needs Go) or set SLIMFLOW_VERSITYGW_BIN');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-s3-'));
  const port = await freePort();
  const accessKey = `test${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const log = fs.openSync(path.join(dir, '..', `${path.basename(dir)}.log`), 'a');
  const child: ChildProcess = spawn(bin, ['--port', `127.0.0.1:${port}`, 'posix', dir], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    stdio: ['ignore', log, log],
  });
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: 'us-east-1' };
  const client = new S3Client({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (e) {
      if (child.exitCode !== null || i > 100) {
        await stop();
        throw new Error(`versitygw did not start on port ${port}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { dir, bucket, env, client, stop };
}
