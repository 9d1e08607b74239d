import { Rng } from '../rng';

/**
 * Words for synthetic text lines. The direction classifier has to judge Latin lines as they appear on
 * receipts, signs, forms and documents, so the vocabulary mixes prose words with numbers, codes and
 * punctuation-heavy tokens (prices, dates, phone numbers) rather than dictionary words only.
 */
const WORDS = (
  'the of and to in is for on with as by at from this that are be or an it was not all new more time ' +
  'page total price date name address phone email order number item amount cash change tax paid ' +
  'receipt invoice customer service store open daily hours street road city state country world ' +
  'report table figure section chapter result value model data system network image text line ' +
  'quality sale free best sold market office bank card account balance credit payment due please ' +
  'thank you welcome exit entrance floor room north south east west left right stop go slow keep ' +
  'water coffee tea milk bread rice chicken beef fresh hot cold small large medium size weight ' +
  'company limited group center university hospital school station airport hotel restaurant ' +
  'monday tuesday friday sunday january march june october december morning evening night ' +
  'information contact support manual warning caution notice important private public parking'
).split(' ');

const PUNCT_AFTER = [',', '.', ':', ';', '!', '?', ')', '%'];

/** One token: a word (lower, Capitalized or UPPER), a number in some common format, or a code. */
function token(rng: Rng): string {
  const r = rng.next();
  if (r < 0.7) {
    const w = rng.pick(WORDS);
    const c = rng.next();
    return c < 0.6 ? w : c < 0.85 ? w[0].toUpperCase() + w.slice(1) : w.toUpperCase();
  }
  if (r < 0.8) return String(rng.int(0, 99999));
  if (r < 0.86) return `${rng.int(0, 999)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
  if (r < 0.9) return `${rng.int(2000, 2030)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  if (r < 0.93) return `${rng.int(10, 99)}:${String(rng.int(0, 59)).padStart(2, '0')}`;
  if (r < 0.96) return `(${rng.int(100, 999)}) ${rng.int(100, 999)}-${rng.int(1000, 9999)}`;
  // Product / reference codes: capitals and digits.
  const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  let code = '';
  for (let i = rng.int(2, 3); i > 0; i--) code += rng.pick(letters.split(''));
  return `${code}-${rng.int(10, 9999)}`;
}

/** A text line of `minTokens`–`maxTokens` tokens with occasional punctuation. */
export function randomLine(rng: Rng, minTokens: number, maxTokens: number): string {
  const n = rng.int(minTokens, maxTokens);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    let t = token(rng);
    if (rng.chance(0.12)) t += rng.pick(PUNCT_AFTER);
    parts.push(t);
  }
  return parts.join(' ');
}
