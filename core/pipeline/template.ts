// Values in `with`, `forEach`, `outputs` are templates: a string that is exactly `${{ expr }}`
// becomes the expression's value (any type); a string with `${{ }}` inside other text becomes
// a string with each part interpolated; anything else is a literal. Objects and arrays are
// walked, so refs may sit inside a literal config object.
import { evalExpr, Expr, ExprError, parseExpr, RefPath } from './expr';

export type TemplatePart = string | Expr;
export type Template =
  | { kind: 'literal'; value: unknown }
  | { kind: 'expr'; expr: Expr; source: string }
  | { kind: 'interp'; parts: TemplatePart[] }
  | { kind: 'array'; items: Template[] }
  | { kind: 'object'; fields: Record<string, Template> };

const OPEN = '${{';
const CLOSE = '}}';

// Find the `}}` closing an expression, skipping quoted strings so `'}}'` is data.
function findClose(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (s.startsWith(CLOSE, i)) return i;
  }
  return -1;
}

/** Split a string into literal text and `${{ }}` expressions; throws ExprError on bad syntax. */
export function parseStringTemplate(s: string): Template {
  if (!s.includes(OPEN)) return { kind: 'literal', value: s };
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf(OPEN, i);
    if (open < 0) { parts.push(s.slice(i)); break; }
    if (open > i) parts.push(s.slice(i, open));
    const close = findClose(s, open + OPEN.length);
    if (close < 0) throw new ExprError(`"${OPEN}" at ${open} is never closed with "${CLOSE}"`, open);
    const source = s.slice(open + OPEN.length, close).trim();
    if (!source) throw new ExprError(`empty "${OPEN} ${CLOSE}" at ${open}`, open);
    parts.push(parseExpr(source));
    i = close + CLOSE.length;
  }
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    return { kind: 'expr', expr: parts[0], source: s.trim().slice(OPEN.length, -CLOSE.length).trim() };
  }
  return { kind: 'interp', parts };
}

/** Parse any pipeline value into a template tree. */
export function parseTemplate(v: unknown): Template {
  if (typeof v === 'string') return parseStringTemplate(v.trim().startsWith(OPEN) && v.trim().endsWith(CLOSE) ? v.trim() : v);
  if (Array.isArray(v)) {
    const items = v.map(parseTemplate);
    return items.every((t) => t.kind === 'literal') ? { kind: 'literal', value: v } : { kind: 'array', items };
  }
  if (v !== null && typeof v === 'object') {
    const fields: Record<string, Template> = {};
    for (const [k, x] of Object.entries(v)) fields[k] = parseTemplate(x);
    return Object.values(fields).every((t) => t.kind === 'literal') ? { kind: 'literal', value: v } : { kind: 'object', fields };
  }
  return { kind: 'literal', value: v };
}

/**
 * Parse a `when`/`until` condition: `${{ expr }}` or the bare expression text are both accepted,
 * and a YAML boolean is a constant.
 */
export function parseCondition(v: string | boolean): Expr {
  if (typeof v === 'boolean') return { kind: 'lit', value: v };
  const t = v.trim();
  if (!t.includes(OPEN)) return parseExpr(t);
  const tpl = parseStringTemplate(t);
  if (tpl.kind !== 'expr') throw new ExprError('a condition must be one expression, not text with ${{ }} inside');
  return tpl.expr;
}

/** Every reference path inside a template tree. */
export function templateRefs(t: Template): Expr[] {
  switch (t.kind) {
    case 'literal': return [];
    case 'expr': return [t.expr];
    case 'interp': return t.parts.filter((p): p is Expr => typeof p !== 'string');
    case 'array': return t.items.flatMap(templateRefs);
    case 'object': return Object.values(t.fields).flatMap(templateRefs);
  }
}

const asText = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));

/** Evaluate a template tree to a plain JSON value. */
export function renderTemplate(t: Template, lookup: (path: RefPath) => unknown): unknown {
  switch (t.kind) {
    case 'literal': return t.value;
    case 'expr': return evalExpr(t.expr, lookup);
    case 'interp': return t.parts.map((p) => (typeof p === 'string' ? p : asText(evalExpr(p, lookup)))).join('');
    case 'array': return t.items.map((x) => renderTemplate(x, lookup));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(t.fields)) out[k] = renderTemplate(x, lookup);
      return out;
    }
  }
}
