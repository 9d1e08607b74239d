// A tiny expression language for `when`, `until` and `${{ }}` references. It is parsed by hand
// (no eval, no Function) so it runs inside the Temporal workflow sandbox and stays deterministic.
//
//   literals   1  2.5  'text'  "text"  true  false  null
//   refs       inputs.tolerance   steps.best.best.accuracy   steps.ptq.model[0]   item.calibrator
//   operators  ! (unary) - (unary)  * /  + -  < <= > >=  == !=  &&  ||   and ( )
//
// Semantics: `==`/`!=` compare by value; ordering compares two numbers or two strings, and is
// false when either side is null (a missing accuracy never passes a threshold); arithmetic needs
// numbers (`+` also joins two strings); `&&`, `||`, `!` use truthiness (false, 0, '', null are false).

export type RefPath = Array<string | number>;
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';
export type Expr =
  | { kind: 'lit'; value: string | number | boolean | null }
  | { kind: 'ref'; path: RefPath }
  | { kind: 'unary'; op: '!' | '-'; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

/** An expression that does not parse or cannot be evaluated; `pos` is the character offset. */
export class ExprError extends Error {
  constructor(message: string, readonly pos?: number) {
    super(message);
    this.name = 'ExprError';
  }
}

type Token = { t: 'num' | 'str' | 'id' | 'op'; v: string; pos: number };

const OPS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '!', '(', ')', '.', '[', ']'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError(`unterminated string starting at ${i}`, i);
      out.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character "${c}" at ${i}`, i);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  return out;
}

// Binary operators by precedence level, loosest first.
const LEVELS: BinaryOp[][] = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/']];

/** Parse an expression into an AST; throws ExprError naming the offending position. */
export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k];
  const isOp = (v: string) => peek()?.t === 'op' && peek().v === v;
  const expectOp = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected "${v}" at ${peek()?.pos ?? src.length}`, peek()?.pos ?? src.length);
    k++;
  };

  const level = (n: number): Expr => {
    if (n === LEVELS.length) return unary();
    let left = level(n + 1);
    while (peek()?.t === 'op' && (LEVELS[n] as string[]).includes(peek().v)) {
      const op = toks[k++].v as BinaryOp;
      left = { kind: 'binary', op, left, right: level(n + 1) };
    }
    return left;
  };

  const unary = (): Expr => {
    if (isOp('!') || isOp('-')) {
      const op = toks[k++].v as '!' | '-';
      return { kind: 'unary', op, arg: unary() };
    }
    return primary();
  };

  const primary = (): Expr => {
    const tok = peek();
    if (!tok) throw new ExprError('expression ends too early', src.length);
    k++;
    if (tok.t === 'num') return { kind: 'lit', value: Number(tok.v) };
    if (tok.t === 'str') return { kind: 'lit', value: tok.v };
    if (tok.t === 'op' && tok.v === '(') {
      const e = level(0);
      expectOp(')');
      return e;
    }
    if (tok.t === 'id') {
      if (tok.v === 'true' || tok.v === 'false') return { kind: 'lit', value: tok.v === 'true' };
      if (tok.v === 'null') return { kind: 'lit', value: null };
      const path: RefPath = [tok.v];
      for (;;) {
        if (isOp('.')) {
          k++;
          const seg = peek();
          if (!seg || (seg.t !== 'id' && seg.t !== 'num') || !/^[A-Za-z0-9_]+$/.test(seg.v)) {
            throw new ExprError(`expected a name after "." at ${seg?.pos ?? src.length}`, seg?.pos ?? src.length);
          }
          k++;
          path.push(seg.t === 'num' ? Number(seg.v) : seg.v);
        } else if (isOp('[')) {
          k++;
          const idx = peek();
          if (!idx || idx.t !== 'num' || !/^[0-9]+$/.test(idx.v)) {
            throw new ExprError(`expected an integer index at ${idx?.pos ?? src.length}`, idx?.pos ?? src.length);
          }
          k++;
          path.push(Number(idx.v));
          expectOp(']');
        } else break;
      }
      return { kind: 'ref', path };
    }
    throw new ExprError(`unexpected "${tok.v}" at ${tok.pos}`, tok.pos);
  };

  const e = level(0);
  if (k < toks.length) throw new ExprError(`unexpected "${toks[k].v}" at ${toks[k].pos}`, toks[k].pos);
  return e;
}

/** Every reference path an expression reads, in source order. */
export function refsOf(e: Expr): RefPath[] {
  switch (e.kind) {
    case 'lit': return [];
    case 'ref': return [e.path];
    case 'unary': return refsOf(e.arg);
    case 'binary': return [...refsOf(e.left), ...refsOf(e.right)];
  }
}

/** JavaScript-free truthiness: false, 0, '', null and undefined are false. */
export const truthy = (v: unknown): boolean => !(v === false || v === 0 || v === '' || v === null || v === undefined);

/** Structural equality of JSON values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return (a ?? null) === (b ?? null);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((key) => Object.hasOwn(b as object, key) && deepEqual((a as never)[key], (b as never)[key]));
}

const describe = (v: unknown) => (v === null || v === undefined ? 'null' : Array.isArray(v) ? 'list' : typeof v);

/** Evaluate an expression; `lookup` resolves a reference path (missing values come back as null). */
export function evalExpr(e: Expr, lookup: (path: RefPath) => unknown): unknown {
  switch (e.kind) {
    case 'lit': return e.value;
    case 'ref': return lookup(e.path) ?? null;
    case 'unary': {
      const v = evalExpr(e.arg, lookup);
      if (e.op === '!') return !truthy(v);
      if (typeof v !== 'number') throw new ExprError(`cannot negate a ${describe(v)}`);
      return -v;
    }
    case 'binary': {
      if (e.op === '&&') return truthy(evalExpr(e.left, lookup)) && truthy(evalExpr(e.right, lookup));
      if (e.op === '||') return truthy(evalExpr(e.left, lookup)) || truthy(evalExpr(e.right, lookup));
      return binary(e.op, evalExpr(e.left, lookup), evalExpr(e.right, lookup));
    }
  }
}

function binary(op: BinaryOp, a: unknown, b: unknown): unknown {
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    if (a === null || b === null) return false;
    if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
      throw new ExprError(`cannot order a ${describe(a)} and a ${describe(b)} with ${op}`);
    }
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new ExprError(`${op} needs two numbers, got a ${describe(a)} and a ${describe(b)}`);
  }
  const r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  // Infinity and NaN do not survive JSON (Temporal payloads), so fail where they arise.
  if (!Number.isFinite(r)) throw new ExprError(`${a} ${op} ${b} is not a finite number`);
  return r;
}
