/**
 * A small BERT-style WordPiece tokenizer.json written from a vocabulary (no tokenizer ships on the
 * test machine): lower-casing BERT normalizer, BERT pre-tokenizer, [CLS] … [SEP] template.
 */
export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

export function wordPieceTokenizer(words: readonly string[]): object {
  const vocab = Object.fromEntries([...SPECIALS, ...words].map((w, i) => [w, i]));
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const sp = (id: string, type_id = 0) => ({ SpecialToken: { id, type_id } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [sp('[CLS]'), seq('A', 0), sp('[SEP]')],
      pair: [sp('[CLS]'), seq('A', 0), sp('[SEP]'), seq('B', 1), sp('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}
