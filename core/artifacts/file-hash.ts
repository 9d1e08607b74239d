// The sha256 of a file, streamed (models can be large), remembered while the file is unchanged.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';

// path -> [identity of the file when hashed, its hash]. A rewrite changes mtime, size or inode.
const seen = new Map<string, [string, string]>();
const identity = (st: fs.Stats) => `${st.ino}:${st.size}:${st.mtimeMs}`;

/** The file's sha256, or undefined when it does not exist. */
export async function hashFile(file: string): Promise<string | undefined> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    return undefined;
  }
  const known = seen.get(file);
  if (known && known[0] === identity(st)) return known[1];
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  const hex = h.digest('hex');
  seen.set(file, [identity(st), hex]);
  return hex;
}

/** True when the file exists and its bytes hash to `sha256`. */
export async function fileHasHash(file: string, sha256: string): Promise<boolean> {
  return (await hashFile(file)) === sha256;
}
