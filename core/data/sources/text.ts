import * as path from 'node:path';
import { SlimflowError } from '../../errors';
import { FeedInput } from '../../feed';
import { Tensor } from '../../tensor';
import { Sample, SampleSource } from '../sample';
import { TextSpec } from '../spec';
import { cutPassages, listTextFiles, readText } from '../text/passages';
import { TextTokenizer, loadTokenizer } from '../text/tokenize';

/** What a token input holds. */
export type TokenRole = 'ids' | 'mask' | 'types' | 'positions';

/**
 * The role of a graph input by its name, as exporters spell them: input_ids / input_word_ids,
 * attention_mask / input_mask, token_type_ids / segment_ids / input_type_ids, position_ids
 * (case, separators and a TensorFlow ":0" suffix ignored). Undefined for anything else.
 */
export function tokenRole(name: string): TokenRole | undefined {
  const n = name.toLowerCase().replace(/:\d+$/, '').replace(/[^a-z]/g, '');
  if (n.includes('mask')) return 'mask';
  if (n.includes('position')) return 'positions';
  if (n.includes('type') || n.includes('segment')) return 'types';
  if (n.endsWith('ids') || n === 'input' || n === 'inputs') return 'ids';
  return undefined;
}

/** Without a feed, text fills the three inputs of a BERT-style encoder. */
const DEFAULT_INPUTS: { name: string; role: TokenRole }[] = [
  { name: 'input_ids', role: 'ids' },
  { name: 'attention_mask', role: 'mask' },
  { name: 'token_type_ids', role: 'types' },
];

/** One sample's token sequence before padding, with its id. */
interface Piece { id: string; ids: number[]; typeIds: number[] }

/** Text files → token inputs, one sample per passage (or per window of a long passage). */
export function textSource(spec: TextSpec, feed: readonly FeedInput[] | undefined, key: string): SampleSource {
  const files = spec.files ? spec.files.map((f) => path.resolve(f)) : undefined;
  const dir = spec.dir !== undefined ? path.resolve(spec.dir) : undefined;
  const where = dir ?? (files!.length === 1 ? files![0] : `${files!.length} text files`);
  const inputs = feed ? feed.map((f) => ({ name: f.name, role: roleOf(f, key) })) : DEFAULT_INPUTS;
  const length = maxLength(spec, feed, key);
  let tokenizer: TextTokenizer | undefined;
  const tok = () => (tokenizer ??= loadTokenizer(path.resolve(spec.tokenizer)));

  /** Every piece in order; a generator, so a limit reads only the files it needs. */
  function* pieces(): Generator<Piece> {
    const t = tok();
    const room = length - t.specialCount;
    if (room < 1) throw new SlimflowError('INVALID_CONFIG', `max_length ${length} leaves no room for text beside the tokenizer's ${t.specialCount} special tokens`, `${key}.max_length`);
    for (const file of files ?? listTextFiles(dir!)) {
      const name = path.basename(file);
      for (const p of cutPassages(readText(file), spec.passages)) {
        const tokens = t.tokenize(p.text);
        const windows = spec.truncation === 'truncate' ? 1 : Math.ceil(tokens.length / room);
        for (let k = 0; k < windows; k++) {
          const enc = t.finish(tokens.slice(k * room, (k + 1) * room));
          yield { id: k === 0 ? `${name}:${p.line}` : `${name}:${p.line}#${k}`, ...enc };
        }
      }
    }
  }

  /** At most `n` pieces; a count larger than the text holds is an error naming the key. */
  function* wanted(n: number): Generator<Piece> {
    let i = 0;
    for (const piece of pieces()) {
      if (i >= n) return;
      yield piece;
      i++;
    }
    if (spec.count !== undefined && i < spec.count && n >= spec.count) {
      throw new SlimflowError('INVALID_DATA', `the text (${where}) yields ${i} passage${i === 1 ? '' : 's'} of at most ${length} tokens, count asks for ${spec.count}`, `${key}.count`);
    }
  }

  let counted: number | undefined;
  return {
    where,
    labeled: false,
    arity: 'named',
    async count() {
      if (counted === undefined) {
        let n = 0;
        for (const _ of wanted(spec.count ?? Infinity)) n++;
        counted = n;
      }
      return counted;
    },
    async *samples(limit?: number): AsyncGenerator<Sample> {
      for (const piece of wanted(Math.min(limit ?? Infinity, spec.count ?? Infinity))) {
        yield { id: piece.id, tensors: tensorsOf(piece, inputs, length, tok().padId, spec.padding) };
      }
    },
  };
}

function roleOf(f: FeedInput, key: string): TokenRole {
  const role = tokenRole(f.name);
  if (!role) {
    throw new SlimflowError('INVALID_DATA', `text data fills token ids, attention masks, token type ids and position ids; it cannot fill input "${f.name}"`, key);
  }
  if (f.shape.length !== 2) {
    throw new SlimflowError('INVALID_DATA', `input "${f.name}" has batch shape [${f.shape.join(', ')}]; token inputs are [batch, sequence]`, key);
  }
  return role;
}

/** Tokens per sample: the spec's max_length, which must agree with the feed's sequence length. */
function maxLength(spec: TextSpec, feed: readonly FeedInput[] | undefined, key: string): number {
  const fromFeed = feed?.[0]?.shape[1];
  for (const f of feed ?? []) {
    if (f.shape[1] !== fromFeed) {
      throw new SlimflowError('INVALID_DATA', `token inputs must share one sequence length; "${feed![0].name}" has ${fromFeed}, "${f.name}" has ${f.shape[1]}`, key);
    }
  }
  if (spec.max_length !== undefined && fromFeed !== undefined && spec.max_length !== fromFeed) {
    throw new SlimflowError('INVALID_CONFIG', `max_length ${spec.max_length} differs from the sequence length ${fromFeed} of input "${feed![0].name}"`, `${key}.max_length`);
  }
  const n = spec.max_length ?? fromFeed;
  if (n === undefined) throw new SlimflowError('INVALID_CONFIG', 'give max_length (tokens per sample) or a feed with the sequence length', `${key}.max_length`);
  return n;
}

/** The piece padded to `length` on the given side, as one int64 tensor per input. */
function tensorsOf(p: Piece, inputs: { name: string; role: TokenRole }[], length: number, padId: number, side: 'right' | 'left'): Record<string, Tensor> {
  const n = p.ids.length;
  const at = side === 'right' ? 0 : length - n;
  const out: Record<string, Tensor> = {};
  for (const { name, role } of inputs) {
    const data = new BigInt64Array(length);
    for (let i = 0; i < length; i++) {
      const j = i - at;
      const real = j >= 0 && j < n;
      switch (role) {
        case 'ids': data[i] = BigInt(real ? p.ids[j] : padId); break;
        case 'mask': data[i] = real ? 1n : 0n; break;
        case 'types': data[i] = BigInt(real ? p.typeIds[j] : 0); break;
        case 'positions': data[i] = BigInt(i); break;
      }
    }
    out[name] = { dtype: 'int64', dims: [length], data };
  }
  return out;
}
