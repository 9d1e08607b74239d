import { SlimflowError } from '../errors';

/** Everything needed to continue a run bit-exactly: where it is, the weights, the optimizer, strategy state. */
export interface Checkpoint {
  epoch: number;
  /** Steps of this epoch already taken; the data order is (seed, epoch), so this is the whole data cursor. */
  step: number;
  optimizerStep: number;
  params: Record<string, Float32Array>;
  /** Optimizer slots per parameter (momentum; Adam's m and v). */
  slots: Record<string, Float32Array[]>;
  /** Strategy state (masks, activation ranges). */
  extra: Record<string, Float32Array>;
  /** Small JSON facts (losses so far). */
  meta: Record<string, unknown>;
}

const MAGIC = 'SFCKPT1\n';

/** Serialize to bytes: magic, header length, JSON header (names, lengths), then raw little-endian floats. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const tensors: [string, Float32Array][] = [];
  for (const [k, v] of Object.entries(c.params)) tensors.push([`p:${k}`, v]);
  for (const [k, list] of Object.entries(c.slots)) list.forEach((v, i) => tensors.push([`s${i}:${k}`, v]));
  for (const [k, v] of Object.entries(c.extra)) tensors.push([`x:${k}`, v]);
  const header = JSON.stringify({ epoch: c.epoch, step: c.step, optimizerStep: c.optimizerStep, meta: c.meta, tensors: tensors.map(([k, v]) => [k, v.length]) });
  const h = Buffer.from(header, 'utf8');
  const total = MAGIC.length + 4 + h.length + tensors.reduce((a, [, v]) => a + v.byteLength, 0);
  const out = Buffer.alloc(total);
  let off = out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(h.length, off); off += 4;
  h.copy(out, off); off += h.length;
  for (const [, v] of tensors) {
    const dv = new DataView(out.buffer, out.byteOffset + off, v.byteLength);
    for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i], true);
    off += v.byteLength;
  }
  return out;
}

/** Parse bytes written by encodeCheckpoint. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new SlimflowError('INVALID_DATA', 'not a slimflow training checkpoint', 'checkpoint');
  let off = MAGIC.length;
  const hl = buf.readUInt32LE(off); off += 4;
  const header = JSON.parse(buf.toString('utf8', off, off + hl)) as { epoch: number; step: number; optimizerStep: number; meta: Record<string, unknown>; tensors: [string, number][] };
  off += hl;
  const c: Checkpoint = { epoch: header.epoch, step: header.step, optimizerStep: header.optimizerStep, params: {}, slots: {}, extra: {}, meta: header.meta };
  for (const [key, n] of header.tensors) {
    const v = new Float32Array(n);
    const dv = new DataView(buf.buffer, buf.byteOffset + off, n * 4);
    for (let i = 0; i < n; i++) v[i] = dv.getFloat32(i * 4, true);
    off += n * 4;
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (kind === 'p') c.params[name] = v;
    else if (kind === 'x') c.extra[name] = v;
    else (c.slots[name] ??= [])[Number(kind.slice(1))] = v;
  }
  return c;
}
