// Objects as files in a folder of this machine (the default store, or one shared folder).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic';
import { ObjectBackend } from './backend';
import { fileHasHash } from './file-hash';

export class FolderBackend implements ObjectBackend {
  readonly location: string;

  constructor(readonly root: string) {
    this.location = path.resolve(root);
  }

  fileOf(key: string): string {
    return path.join(this.location, ...key.split('/'));
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(this.fileOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(key: string, data: Uint8Array, sha256?: string): Promise<void> {
    const file = this.fileOf(key);
    // Same name, same content only when the bytes there still hash right: a damaged copy is replaced.
    if (sha256 && (await fileHasHash(file, sha256))) return;
    writeFileAtomic(file, data);
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.fileOf(prefix);
    if (!fs.existsSync(dir)) return [];
    const entries = (await fs.promises.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && !e.name.includes('.tmp-'));
    return entries.map((e) => path.relative(this.location, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
  }
}
