import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from './atomic';

/** What every arrow between stages carries: a reference, never the bytes. */
export interface ArtifactRef {
  uri: string;
  sha256: string;
  bytes: number;
  kind: 'model' | 'dataset' | 'report' | 'checkpoint' | 'table' | 'json';
}

/** A content-addressed artifact store. Local folder by default; an object store can implement the same. */
export interface ArtifactStore {
  put(data: Uint8Array | string, kind: ArtifactRef['kind'], ext?: string): ArtifactRef;
  /** Absolute path of a local copy of the artifact, verified against its hash. */
  localPath(ref: ArtifactRef): string;
  read(ref: ArtifactRef): Buffer;
  /** A small JSON result recorded under a key (e.g. a trial's hash), or undefined. */
  lookup<T>(key: string): T | undefined;
  /** Record a small JSON result under a key; the first record wins. */
  record(key: string, value: unknown): void;
}

export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  put(data: Uint8Array | string, kind: ArtifactRef['kind'], ext = 'bin'): ArtifactRef {
    const hash = sha256(data);
    const file = path.join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
    // Same content, same name: an existing file is already the right one.
    if (!fs.existsSync(file)) writeFileAtomic(file, data);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    return { uri: `file://${file}`, sha256: hash, bytes, kind };
  }

  localPath(ref: ArtifactRef): string {
    if (!ref.uri.startsWith('file://')) throw new Error(`local store cannot open ${ref.uri}`);
    const file = ref.uri.slice('file://'.length);
    if (!fs.existsSync(file)) throw new Error(`artifact missing: ${file}`);
    return file;
  }

  read(ref: ArtifactRef): Buffer {
    const buf = fs.readFileSync(this.localPath(ref));
    if (sha256(buf) !== ref.sha256) throw new Error(`artifact ${ref.uri} does not match its hash`);
    return buf;
  }

  private keyFile(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`bad result key "${key}"`);
    return path.join(this.root, 'keys', `${key}.json`);
  }

  lookup<T>(key: string): T | undefined {
    const file = this.keyFile(key);
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  }

  record(key: string, value: unknown): void {
    const file = this.keyFile(key);
    if (!fs.existsSync(file)) writeFileAtomic(file, JSON.stringify(value));
  }
}
