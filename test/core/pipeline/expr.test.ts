import { describe, expect, it } from 'vitest';
import { evalExpr, ExprError, parseExpr, refsOf } from '../../../core/pipeline/expr';
import { parseStringTemplate, renderTemplate } from '../../../core/pipeline/template';

const env: Record<string, unknown> = {
  'steps.best.accuracyDrop': 2.5,
  'inputs.tolerance': 1,
  'steps.best.best': { label: 'int8', accuracy: 0.91 },
  'inputs.name': 'resnet',
  'steps.ptq.model': [{ uri: 'a' }, { uri: 'b' }],
};
const lookup = (path: Array<string | number>) => {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join('.');
    if (key in env) return path.slice(n).reduce<unknown>((v, s) => (v as Record<string | number, unknown>)?.[s] ?? null, env[key]);
  }
  return null;
};
const run = (src: string) => evalExpr(parseExpr(src), lookup);

describe('expressions', () => {
  it('follows precedence and parentheses', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3);
    expect(run('8 / 2 / 2')).toBe(2);
    expect(run('-2 * 3')).toBe(-6);
  });

  it('compares and combines references', () => {
    expect(run('steps.best.accuracyDrop > inputs.tolerance')).toBe(true);
    expect(run('steps.best.accuracyDrop <= inputs.tolerance || inputs.name == "resnet"')).toBe(true);
    expect(run("!(inputs.name != 'resnet') && steps.best.best.accuracy >= 0.9")).toBe(true);
    expect(run('steps.ptq.model[1].uri == "b"')).toBe(true);
    expect(run("inputs.name + '-int8'")).toBe('resnet-int8');
  });

  it('treats null as failing every ordering and missing refs as null', () => {
    expect(run('steps.missing.x > 0')).toBe(false);
    expect(run('steps.missing.x < 0')).toBe(false);
    expect(run('steps.missing.x == null')).toBe(true);
  });

  it('compares objects by value', () => {
    expect(evalExpr(parseExpr('a == b'), (p) => (p[0] === 'a' ? { x: 1, y: [2] } : { y: [2], x: 1 }))).toBe(true);
  });

  it('rejects runtime type errors instead of coercing', () => {
    expect(() => run('inputs.name * 2')).toThrow(ExprError);
    expect(() => run('inputs.name < 3')).toThrow(/cannot order a string and a number/);
    expect(() => run('1 / 0')).toThrow(/not a finite number/);
  });

  it('reports syntax errors with positions', () => {
    expect(() => parseExpr('a >')).toThrow(/ends too early/);
    expect(() => parseExpr('a > > b')).toThrow(/unexpected ">" at 4/);
    expect(() => parseExpr('(a')).toThrow(/expected "\)"/);
    expect(() => parseExpr('a = b')).toThrow(/unexpected character "="/);
    expect(() => parseExpr("'open")).toThrow(/unterminated string/);
    expect(() => parseExpr('a b')).toThrow(/unexpected "b"/);
  });

  it('lists every reference it reads', () => {
    expect(refsOf(parseExpr('steps.a.x > inputs.t && item.k[2] == 1'))).toEqual([
      ['steps', 'a', 'x'], ['inputs', 't'], ['item', 'k', 2],
    ]);
  });
});

describe('templates', () => {
  it('keeps the type of a whole ${{ }} and interpolates text', () => {
    expect(renderTemplate(parseStringTemplate('${{ steps.best.accuracyDrop }}'), lookup)).toBe(2.5);
    expect(renderTemplate(parseStringTemplate('ptq-${{ inputs.name }}-${{ inputs.tolerance * 2 }}'), lookup)).toBe('ptq-resnet-2');
    expect(renderTemplate(parseStringTemplate('plain'), lookup)).toBe('plain');
  });

  it('skips "}}" inside quoted strings and rejects an unclosed ${{', () => {
    expect(renderTemplate(parseStringTemplate("${{ '}}' + 'x' }}"), lookup)).toBe('}}x');
    expect(() => parseStringTemplate('${{ inputs.name')).toThrow(/never closed/);
  });
});
