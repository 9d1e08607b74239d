// The content-addressed artifact store. A reference names an object by its store key and sha256
// (`slimflow:models/ab/<sha256>.onnx`), never by a machine's path: each worker resolves it against
// its own configured store (a folder, or S3 with a local cache). Every read checks the hash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { SlimflowError } from '../errors';
import { writeFileAtomic } from './atomic';
import { DamagedObjectError, ObjectBackend } from './backend';
import { hashFile } from './file-hash';
import { FolderBackend } from './folder-backend';

/** What every arrow between stages carries: a reference, never the bytes. */
export interface ArtifactRef {
  uri: string;
  sha256: string;
  bytes: number;
  kind: 'model' | 'dataset' | 'report' | 'checkpoint' | 'table' | 'json';
}

/** A content-addressed artifact store: a local folder, or an object store shared by many machines. */
export interface ArtifactStore {
  /** Where the objects live, for messages. */
  readonly location: string;
  /** Store bytes; putting the same bytes again mends a damaged stored copy. */
  put(data: Uint8Array | string, kind: ArtifactRef['kind'], ext?: string): Promise<ArtifactRef>;
  /** Absolute path of a local copy of the artifact, verified against its hash. */
  localPath(ref: ArtifactRef): Promise<string>;
  /** The artifact's bytes, verified against its hash. */
  read(ref: ArtifactRef): Promise<Buffer>;
  /** A small JSON result recorded under a key (e.g. a trial's hash), or undefined; a result whose artifacts are missing or damaged counts as none. */
  lookup<T>(key: string): Promise<T | undefined>;
  /** Record a small JSON result under a key; the first record whose artifacts are intact wins. */
  record(key: string, value: unknown): Promise<void>;
}

export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The scheme of store references. */
export const REF_SCHEME = 'slimflow:';

const KIND_FOLDER: Record<ArtifactRef['kind'], string> = {
  model: 'models', dataset: 'datasets', report: 'reports', checkpoint: 'checkpoints', table: 'tables', json: 'json',
};
const OBJECT_KEY = /^(models|datasets|reports|checkpoints|tables|json)\/[0-9a-f]{2}\/([0-9a-f]{64})\.[A-Za-z0-9]{1,16}$/;

/** The store key of content: `<kind folder>/<first two hex digits>/<sha256>.<ext>`. */
export function objectKey(kind: ArtifactRef['kind'], hash: string, ext: string): string {
  if (!/^[A-Za-z0-9]{1,16}$/.test(ext)) throw new SlimflowError('INVALID_DATA', `bad artifact extension "${ext}"`);
  return `${KIND_FOLDER[kind]}/${hash.slice(0, 2)}/${hash}.${ext}`;
}

/** A missing or damaged artifact: names the reference and the store. */
export class ArtifactIntegrityError extends SlimflowError {
  constructor(readonly ref: ArtifactRef, readonly problem: 'missing' | 'corrupt', detail: string) {
    super(problem === 'missing' ? 'NOT_FOUND' : 'INVALID_DATA', problem === 'missing' ? `artifact missing: ${ref.uri} (${detail})` : `artifact ${ref.uri} does not match its hash (${detail})`, ref.uri);
    this.name = 'ArtifactIntegrityError';
  }
}

/** True for a value shaped like an ArtifactRef. */
export function isArtifactRef(v: unknown): v is ArtifactRef {
  const r = v as ArtifactRef;
  return !!r && typeof r === 'object' && typeof r.uri === 'string' && typeof r.sha256 === 'string' && typeof r.bytes === 'number' && typeof r.kind === 'string';
}

/** Every reference inside a JSON value (a recorded result), each once. */
export function refsIn(value: unknown, out = new Map<string, ArtifactRef>()): ArtifactRef[] {
  if (isArtifactRef(value)) out.set(`${value.uri} ${value.sha256}`, value);
  else if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) refsIn(v, out);
  return [...out.values()];
}

/** A reference from its URI alone (the hash is in the key); `bytes` is 0 until read. */
export function refFromUri(uri: string, kind: ArtifactRef['kind']): ArtifactRef {
  const m = uri.startsWith(REF_SCHEME) ? OBJECT_KEY.exec(uri.slice(REF_SCHEME.length)) : null;
  if (!m) throw new SlimflowError('INVALID_DATA', `not a store reference: ${uri}`, uri);
  return { uri, sha256: m[2], bytes: 0, kind };
}

/** The store key a reference names: from `slimflow:` directly; from an old `file://` ref, by its hash. */
function keysOf(ref: ArtifactRef): string[] {
  if (ref.uri.startsWith(REF_SCHEME)) {
    const key = ref.uri.slice(REF_SCHEME.length);
    const m = OBJECT_KEY.exec(key);
    if (!m || m[2] !== ref.sha256) throw new SlimflowError('INVALID_DATA', `not a store reference of sha256 ${ref.sha256}: ${ref.uri}`, ref.uri);
    return [key];
  }
  // Histories recorded before store keys hold `file://<store root>/<ab>/<sha256>.<ext>`: this store's
  // copy of the same content serves when that path is not there (another checkout or machine).
  const ext = path.extname(ref.uri).slice(1) || 'bin';
  if (!/^[0-9a-f]{64}$/.test(ref.sha256) || !/^[A-Za-z0-9]{1,16}$/.test(ext)) return [];
  return [objectKey(ref.kind, ref.sha256, ext), `${ref.sha256.slice(0, 2)}/${ref.sha256}.${ext}`];
}

/** A store over a backend; a backend of remote objects gets a local content-addressed cache. */
export class ContentStore implements ArtifactStore {
  readonly location: string;

  constructor(readonly backend: ObjectBackend, readonly cacheDir?: string) {
    this.location = backend.location;
    if (!backend.fileOf && !cacheDir) throw new Error(`a store on ${backend.location} needs a local cache folder`);
  }

  async put(data: Uint8Array | string, kind: ArtifactRef['kind'], ext = 'bin'): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const hash = sha256(bytes);
    const key = objectKey(kind, hash, ext);
    await this.backend.put(key, bytes, hash);
    // The writer is the likeliest next reader: keep its copy.
    if (!this.backend.fileOf) writeFileAtomic(this.cacheFile(key), bytes);
    return { uri: `${REF_SCHEME}${key}`, sha256: hash, bytes: bytes.byteLength, kind };
  }

  async localPath(ref: ArtifactRef): Promise<string> {
    return (await this.resolve(ref)).file;
  }

  async read(ref: ArtifactRef): Promise<Buffer> {
    const { file, data } = await this.resolve(ref);
    if (data) return data;
    // Checked again on the bytes returned: the file may have changed since it was resolved.
    const buf = await fs.promises.readFile(file);
    if (sha256(buf) !== ref.sha256) throw new ArtifactIntegrityError(ref, 'corrupt', `${file} has sha256 ${sha256(buf)}`);
    return buf;
  }

  async lookup<T>(key: string): Promise<T | undefined> {
    const raw = await this.backend.get(this.recordKey(key));
    if (!raw) return undefined;
    let value: T;
    try {
      value = JSON.parse(raw.toString('utf8')) as T;
    } catch {
      return undefined; // a torn or damaged record: the step runs again and records anew
    }
    for (const ref of refsIn(value)) {
      try {
        await this.resolve(ref);
      } catch (e) {
        if (e instanceof ArtifactIntegrityError) return undefined;
        throw e;
      }
    }
    return value;
  }

  async record(key: string, value: unknown): Promise<void> {
    if ((await this.lookup(key)) !== undefined) return;
    await this.backend.put(this.recordKey(key), Buffer.from(JSON.stringify(value)));
  }

  private recordKey(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('.')) throw new SlimflowError('INVALID_DATA', `bad result key "${key}"`);
    return `keys/${key}.json`;
  }

  private cacheFile(key: string): string {
    return path.join(this.cacheDir!, ...key.split('/'));
  }

  /** A verified local file of the artifact (and its bytes when they were just fetched). */
  private async resolve(ref: ArtifactRef): Promise<{ file: string; data?: Buffer }> {
    if (!ref || typeof ref.uri !== 'string' || typeof ref.sha256 !== 'string') throw new SlimflowError('INVALID_DATA', 'expected an artifact reference {uri, sha256, bytes, kind}');
    const problems: string[] = [];
    if (ref.uri.startsWith('file://')) {
      const file = ref.uri.slice('file://'.length);
      const got = await hashFile(file);
      if (got === ref.sha256) return { file };
      problems.push(got === undefined ? `no file ${file}` : `${file} has sha256 ${got}`);
    } else if (!ref.uri.startsWith(REF_SCHEME)) {
      throw new SlimflowError('INVALID_DATA', `unknown artifact reference scheme: ${ref.uri}`, ref.uri);
    }
    let corrupt = problems.some((p) => p.includes('has sha256'));
    for (const key of keysOf(ref)) {
      if (this.backend.fileOf) {
        const file = this.backend.fileOf(key);
        const got = await hashFile(file);
        if (got === ref.sha256) return { file };
        if (got !== undefined) {
          corrupt = true;
          problems.push(`${file} has sha256 ${got}; putting the same content again mends it`);
        }
        continue;
      }
      // A cached copy is used only while it hashes right; otherwise it is fetched again.
      const cached = this.cacheFile(key);
      if ((await hashFile(cached)) === ref.sha256) return { file: cached };
      let data: Buffer | undefined;
      try {
        data = await this.backend.get(key);
      } catch (e) {
        if (!(e instanceof DamagedObjectError)) throw e;
        corrupt = true;
        problems.push(`${this.location}/${key} is damaged (${e.message}); putting the same content again mends it`);
        continue;
      }
      if (!data) continue;
      const got = sha256(data);
      if (got !== ref.sha256) {
        corrupt = true;
        problems.push(`${this.location}/${key} has sha256 ${got}; putting the same content again mends it`);
        continue;
      }
      writeFileAtomic(cached, data);
      return { file: cached, data };
    }
    if (problems.length === 0) problems.push(`not in ${this.location}`);
    throw new ArtifactIntegrityError(ref, corrupt ? 'corrupt' : 'missing', problems.join('; '));
  }
}

/** The default store: a folder of this machine. */
export class LocalArtifactStore extends ContentStore {
  constructor(readonly root: string) {
    super(new FolderBackend(root));
  }
}
