import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { SlimflowError } from '../../errors';
import { MAX_TEXT_BYTES, readFileCapped } from '../limits';

/** One encoded sequence, special tokens included, not yet padded. */
export interface Encoded {
  ids: number[];
  typeIds: number[];
}

/** A loaded tokenizer with what sample building needs: encoding by token windows and the pad id. */
export interface TextTokenizer {
  /** Tokens the post-processor adds around one sequence ([CLS] … [SEP]: 2). */
  specialCount: number;
  padId: number;
  /** The passage's tokens, without special tokens. */
  tokenize(text: string): string[];
  /** A window of tokens with the special tokens added, as ids and type ids. */
  finish(tokens: string[]): Encoded;
}

function readJson(file: string, what: string): object {
  const text = readFileCapped(file, MAX_TEXT_BYTES, what).toString('utf8');
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error();
    return v;
  } catch {
    // JSON.parse's message quotes the text; say what was expected instead.
    throw new SlimflowError('INVALID_DATA', `${what} is not a JSON object`, file);
  }
}

/**
 * Load a Hugging Face tokenizer.json (and the tokenizer_config.json beside it, when there is one)
 * with @huggingface/tokenizers. The pad id is the file's `padding.pad_id`, else the id of a [PAD]
 * or <pad> token, else 0 (padded positions are masked out either way).
 */
export function loadTokenizer(file: string): TextTokenizer {
  const json = readJson(file, 'tokenizer file') as { padding?: { pad_id?: number } | null };
  const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? readJson(configFile, 'tokenizer config') : {};
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch {
    throw new SlimflowError('INVALID_DATA', 'not a tokenizer.json that @huggingface/tokenizers can load (expected a model, normalizer, pre_tokenizer, post_processor and decoder of known types, and added_tokens)', file);
  }
  const unk = tok.model?.unk_token_id ?? 0;
  const idOf = (t: string) => tok.token_to_id(t) ?? unk;
  const post = (tokens: string[]) => (tok.post_processor ? tok.post_processor.post_process(tokens, null, true) : { tokens, token_type_ids: undefined });
  const padId = json.padding?.pad_id ?? tok.token_to_id('[PAD]') ?? tok.token_to_id('<pad>') ?? 0;
  return {
    specialCount: post([]).tokens.length,
    padId,
    tokenize: (text) => tok.tokenize(text),
    finish(tokens) {
      const out = post(tokens);
      return { ids: out.tokens.map(idOf), typeIds: out.token_type_ids ?? new Array<number>(out.tokens.length).fill(0) };
    },
  };
}
