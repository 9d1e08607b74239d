import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { tokenRole } from '../../../core/data/sources/text';
import { cutPassages } from '../../../core/data/text/passages';
import { FeedInput } from '../../../core/feed';
import { collect, slimflowErrorOf } from './expect-error';
import { wordPieceTokenizer } from './wordpiece';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-text-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, then the words from 4.
const WORDS = ['the', 'license', 'and', 'software', '.', 'you', 'use', '##s', 'may', 'copy', 'it'];
const id = (w: string) => 4 + WORDS.indexOf(w);
const tokenizer = path.join(root, 'tokenizer.json');
fs.writeFileSync(tokenizer, JSON.stringify(wordPieceTokenizer(WORDS)));

const corpus = path.join(root, 'corpus');
fs.mkdirSync(corpus);
// Paragraph 1 (lines 1-2): wrapped over two lines. Paragraph 2 (line 4): 10 word tokens, longer than one window.
fs.writeFileSync(path.join(corpus, 'a.txt'), 'The license\nand the software.\n\nYou may copy it and use it and copy the software\n');
fs.writeFileSync(path.join(corpus, 'b.txt'), 'Software licenses.\n');

const feed = (len: number, dtype: FeedInput['dtype'] = 'int64', names = ['input_ids', 'attention_mask', 'token_type_ids']): FeedInput[] =>
  names.map((name) => ({ name, dtype, shape: [4, len] }));
const spec = (extra: object = {}) => ({ kind: 'text', dir: corpus, tokenizer, ...extra });
const values = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data, Number);

describe('text dataset', () => {
  it('cuts paragraphs, tokenizes, adds [CLS]/[SEP], pads to max_length with a mask, in file order', async () => {
    const [batch] = await collect(iterateBatches(spec({ max_length: 8, count: 1 }), { batchSize: 4, feed: feed(8) }));
    expect(batch.ids).toEqual(['a.txt:1']);
    expect(batch.inputs.input_ids.dtype).toBe('int64');
    expect(batch.inputs.input_ids.dims).toEqual([1, 8]);
    // "the license and the software ." → 6 tokens + [CLS] [SEP] = exactly 8.
    expect(values(batch.inputs.input_ids)).toEqual([2, id('the'), id('license'), id('and'), id('the'), id('software'), id('.'), 3]);
    expect(values(batch.inputs.attention_mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(values(batch.inputs.token_type_ids)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('splits a long passage into windows of max_length tokens, deterministically', async () => {
    const run = () => collect(iterateBatches(spec({ max_length: 8 }), { batchSize: 8, feed: feed(8) }));
    const [batch] = await run();
    // Paragraph 2 has 11 tokens: windows of 6 → 2 samples; b.txt "software license ##s ." → 1.
    expect(batch.ids).toEqual(['a.txt:1', 'a.txt:4', 'a.txt:4#1', 'b.txt:1']);
    const ids = values(batch.inputs.input_ids);
    expect(ids.slice(8, 16)).toEqual([2, id('you'), id('may'), id('copy'), id('it'), id('and'), id('use'), 3]);
    expect(ids.slice(16, 24)).toEqual([2, id('it'), id('and'), id('copy'), id('the'), id('software'), 3, 0]);
    expect(values(batch.inputs.attention_mask).slice(16, 24)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(ids.slice(24, 32)).toEqual([2, id('software'), id('license'), id('##s'), id('.'), 3, 0, 0]);
    expect(values((await run())[0].inputs.input_ids)).toEqual(ids);
    expect(await countSamples(spec({ max_length: 8 }), { feed: feed(8) })).toBe(4);
  });

  it('truncates instead when asked, pads on the left when asked, and takes max_length from the feed', async () => {
    const [cut] = await collect(iterateBatches(spec({ truncation: 'truncate' }), { batchSize: 8, feed: feed(8) }));
    expect(cut.ids).toEqual(['a.txt:1', 'a.txt:4', 'b.txt:1']);
    const [left] = await collect(iterateBatches(spec({ padding: 'left' }), { batchSize: 8, feed: feed(8), limit: 4 }));
    expect(values(left.inputs.input_ids).slice(24, 32)).toEqual([0, 0, 2, id('software'), id('license'), id('##s'), id('.'), 3]);
    expect(values(left.inputs.attention_mask).slice(24, 32)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('fills inputs by their names and in their element types (int32, TF-style names)', async () => {
    const names = ['input_word_ids:0', 'input_mask:0', 'segment_ids:0'];
    const [batch] = await collect(iterateBatches(spec({ count: 2 }), { batchSize: 2, feed: feed(8, 'int32', names) }));
    expect(Object.keys(batch.inputs)).toEqual(names);
    expect(batch.inputs['input_word_ids:0'].dtype).toBe('int32');
    expect(batch.inputs['input_mask:0'].data).toBeInstanceOf(Int32Array);
    expect(values(batch.inputs['input_word_ids:0']).slice(0, 2)).toEqual([2, id('the')]);
    expect(tokenRole('position_ids')).toBe('positions');
    expect(tokenRole('pixel_values')).toBeUndefined();
  });

  it('without a feed, yields int64 input_ids, attention_mask and token_type_ids', async () => {
    const [batch] = await collect(iterateBatches(spec({ max_length: 16 }), { batchSize: 8 }));
    expect(Object.keys(batch.inputs)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(batch.inputs.input_ids.dims).toEqual([3, 16]);
  });

  it('names what it cannot fill, a max_length that disagrees with the feed, and a count the text cannot give', async () => {
    const img = await slimflowErrorOf(() => collect(iterateBatches(spec(), { batchSize: 1, key: 'Global.eval_data', feed: [...feed(8), { name: 'pixel_values', dtype: 'float32', shape: [4, 8] }] })));
    expect(img.path).toBe('Global.eval_data');
    expect(img.message).toMatch(/cannot fill input "pixel_values"/);
    const len = await slimflowErrorOf(() => countSamples(spec({ max_length: 16 }), { feed: feed(8), key: 'Global.calibration_data' }));
    expect(len.path).toBe('Global.calibration_data.max_length');
    expect(len.message).toMatch(/max_length 16 differs from the sequence length 8 of input "input_ids"/);
    const few = await slimflowErrorOf(() => countSamples(spec({ count: 50 }), { feed: feed(8), key: 'Global.calibration_data' }));
    expect(few.code).toBe('INVALID_DATA');
    expect(few.path).toBe('Global.calibration_data.count');
    expect(few.message).toMatch(/yields 4 passages of at most 8 tokens, count asks for 50/);
  });

  it('refuses a binary file and a tokenizer that is not JSON by name, quoting neither', async () => {
    const dir = path.join(root, 'binary');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'blob.txt'), Buffer.from([0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0, 1, 2]));
    const bin = await slimflowErrorOf(() => countSamples({ kind: 'text', dir, tokenizer, max_length: 8 }));
    expect(bin.path).toBe(path.join(dir, 'blob.txt'));
    expect(bin.message).toMatch(/not a text file/);
    const bad = path.join(root, 'passwd.json');
    fs.writeFileSync(bad, 'root:x:0:0:root:/root:/bin/bash\n');
    const tok = await slimflowErrorOf(() => countSamples({ kind: 'text', dir: corpus, tokenizer: bad, max_length: 8 }));
    expect(tok.path).toBe(bad);
    expect(tok.message).not.toMatch(/root/);
  });

  it('cuts passages by paragraph or by line, giving the line each starts on', () => {
    const t = 'a b\nc\n\n\n  d  \n';
    expect(cutPassages(t, 'paragraph')).toEqual([{ text: 'a b c', line: 1 }, { text: 'd', line: 5 }]);
    expect(cutPassages(t, 'line')).toEqual([{ text: 'a b', line: 1 }, { text: 'c', line: 2 }, { text: 'd', line: 5 }]);
  });

  const licenses = '/usr/share/common-licenses';
  it.skipIf(!fs.existsSync(licenses))('reads real text (the Debian licenses folder) into full batches', async () => {
    const s = { kind: 'text', dir: licenses, tokenizer, count: 64 };
    const batches = await collect(iterateBatches(s, { batchSize: 8, feed: feed(32), require: 64 }));
    expect(batches).toHaveLength(8);
    expect(batches.every((b) => b.inputs.input_ids.dims.join() === '8,32')).toBe(true);
    // Every sample starts with [CLS] and holds a [SEP] before its padding.
    for (const b of batches) {
      const ids = values(b.inputs.input_ids);
      const mask = values(b.inputs.attention_mask);
      for (let i = 0; i < 8; i++) {
        const row = ids.slice(i * 32, (i + 1) * 32);
        const real = mask.slice(i * 32, (i + 1) * 32).reduce((a, v) => a + v, 0);
        expect(row[0]).toBe(2);
        expect(row[real - 1]).toBe(3);
      }
    }
  });
});
