// Where a store's objects live: a folder on this machine or an S3 bucket. Backends move bytes
// under keys; hashing, caching and integrity belong to the store above them (store.ts).

export interface ObjectBackend {
  /** Where the objects live, for messages: a folder path or `s3://bucket/prefix`. */
  readonly location: string;
  /** The bytes under a key, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /**
   * Write the bytes under a key, replacing what is there. `sha256` is their hash: a backend may
   * skip the write when it can cheaply prove the stored object already has it.
   */
  put(key: string, data: Uint8Array, sha256?: string): Promise<void>;
  /** Keys under a prefix. */
  list(prefix: string): Promise<string[]>;
  /** When objects are files on this machine: the file of a key (then no cache is needed). */
  fileOf?(key: string): string;
}

/** A backend that found an object's bytes damaged itself (e.g. an S3 checksum that does not match). */
export class DamagedObjectError extends Error {
  constructor(readonly key: string, detail: string) {
    super(detail);
    this.name = 'DamagedObjectError';
  }
}
