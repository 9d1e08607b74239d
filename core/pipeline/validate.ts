// Whole-pipeline validation before anything runs: schema, stages, ports, references, types,
// conditions and cycles. Every problem is collected, each as a SlimflowError('INVALID_PIPELINE')
// whose path is the config key that is wrong, so one run of `validate` lists them all.
import { SlimflowError } from '../errors';
import { stageSpec, STAGES } from './catalog';
import { Expr, ExprError, RefPath } from './expr';
import { assignable, elementType, fieldType, literalType, listOf, PortType } from './ports';
import { keyPath, Pipeline, PipelineSchema, PipelineStep } from './schema';
import { parseCondition, parseTemplate, Template } from './template';

/** A pipeline that passed validation, with each step's dependencies worked out. */
export interface CompiledPipeline {
  pipeline: Pipeline;
  /** Step ids each step waits for (data references and `needs`), in declaration order. */
  deps: Record<string, string[]>;
}

/** All validation problems of one pipeline, reported together. */
export class PipelineValidationError extends SlimflowError {
  constructor(readonly errors: SlimflowError[]) {
    super('INVALID_PIPELINE', `invalid pipeline:\n  - ${errors.map((e) => e.message).join('\n  - ')}`);
  }
}

type Where = 'with' | 'forEach' | 'when' | 'until' | 'outputs';
interface Scope {
  where: Where;
  stepId?: string;
  step?: PipelineStep;
  itemType?: PortType;
}

class Checker {
  readonly errors: SlimflowError[] = [];
  readonly deps: Record<string, Set<string>> = {};

  constructor(readonly p: Pipeline) {}

  fail(message: string, path: string): void {
    this.errors.push(new SlimflowError('INVALID_PIPELINE', message, path));
  }

  // Follow `.field` / `[n]` segments after a ref's root.
  fields(t: PortType, rest: RefPath, shown: string, path: string): PortType {
    let cur = t;
    for (const seg of rest) {
      const next = fieldType(cur, seg);
      if (typeof next === 'object') { this.fail(`${shown}: ${next.error}`, path); return 'json'; }
      cur = next;
    }
    return cur;
  }

  refType(ref: RefPath, scope: Scope, path: string): PortType {
    const shown = ref.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[');
    const [root, a, b] = ref;
    const own = scope.step ? stageSpec(scope.step.stage) : undefined;
    switch (root) {
      case 'inputs': {
        if (typeof a !== 'string' || !Object.hasOwn(this.p.inputs, a)) {
          this.fail(`${shown} is not a pipeline input (inputs: ${Object.keys(this.p.inputs).join(', ') || 'none'})`, path);
          return 'json';
        }
        return this.fields(this.p.inputs[a].type, ref.slice(2), shown, path);
      }
      case 'steps': {
        if (typeof a !== 'string' || !Object.hasOwn(this.p.steps, a)) {
          this.fail(`${shown} refers to a missing step "${String(a)}"`, path);
          return 'json';
        }
        if (scope.stepId) this.deps[scope.stepId].add(a);
        const spec = stageSpec(this.p.steps[a].stage);
        if (!spec) return 'json'; // the unknown stage is reported on its own step
        if (typeof b !== 'string' || !Object.hasOwn(spec.outputs, b)) {
          this.fail(`${shown}: stage ${this.p.steps[a].stage} has no output "${String(b ?? '')}" (outputs: ${Object.keys(spec.outputs).join(', ')})`, path);
          return 'json';
        }
        const t = this.p.steps[a].forEach ? listOf(spec.outputs[b]) : spec.outputs[b];
        return this.fields(t, ref.slice(3), shown, path);
      }
      case 'item':
      case 'index': {
        if (scope.where !== 'with' || !scope.step?.forEach) {
          this.fail(`${shown}: "${root}" exists only in the "with" of a step that has forEach`, path);
          return 'json';
        }
        return root === 'index' ? this.fields('number', ref.slice(1), shown, path) : this.fields(scope.itemType ?? 'json', ref.slice(1), shown, path);
      }
      case 'previous':
      case 'iteration': {
        if ((scope.where !== 'with' && scope.where !== 'until') || !scope.step?.repeat) {
          this.fail(`${shown}: "${root}" exists only in the "with" or "until" of a step that has repeat`, path);
          return 'json';
        }
        if (root === 'iteration') return this.fields('number', ref.slice(1), shown, path);
        if (!own) return 'json';
        if (typeof a !== 'string' || !Object.hasOwn(own.outputs, a)) {
          this.fail(`${shown}: stage ${scope.step.stage} has no output "${String(a ?? '')}"`, path);
          return 'json';
        }
        return this.fields(own.outputs[a], ref.slice(2), shown, path);
      }
      default:
        this.fail(`${shown}: unknown reference; start with inputs., steps., item, index, previous or iteration`, path);
        return 'json';
    }
  }

  exprType(e: Expr, scope: Scope, path: string): PortType {
    switch (e.kind) {
      case 'lit': return literalType(e.value);
      case 'ref': return this.refType(e.path, scope, path);
      case 'unary': {
        const t = this.exprType(e.arg, scope, path);
        if (e.op === '!') return 'boolean';
        if (!assignable(t, 'number')) this.fail(`cannot negate a ${t}`, path);
        return 'number';
      }
      case 'binary': {
        const l = this.exprType(e.left, scope, path);
        const r = this.exprType(e.right, scope, path);
        if (e.op === '&&' || e.op === '||' || e.op === '==' || e.op === '!=') return 'boolean';
        const num = assignable(l, 'number') && assignable(r, 'number');
        const str = assignable(l, 'string') && assignable(r, 'string');
        if (['<', '<=', '>', '>='].includes(e.op)) {
          if (!num && !str) this.fail(`cannot compare a ${l} with a ${r} using ${e.op}`, path);
          return 'boolean';
        }
        if (e.op === '+' && l === 'string' && r === 'string') return 'string';
        if (!num) this.fail(`${e.op} needs numbers, got a ${l} and a ${r}`, path);
        return 'number';
      }
    }
  }

  templateType(t: Template, scope: Scope, path: string): PortType {
    switch (t.kind) {
      case 'literal': return literalType(t.value);
      case 'expr': return this.exprType(t.expr, scope, path);
      case 'interp':
        for (const part of t.parts) if (typeof part !== 'string') this.exprType(part, scope, path);
        return 'string';
      case 'array': {
        const types = new Set(t.items.map((x, i) => this.templateType(x, scope, `${path}[${i}]`)));
        return listOf(types.size === 1 ? [...types][0] : 'json');
      }
      case 'object':
        for (const [k, x] of Object.entries(t.fields)) this.templateType(x, scope, `${path}.${k}`);
        return 'json';
    }
  }

  // Parse a template, reporting bad `${{ }}` syntax at its key path.
  template(v: unknown, scope: Scope, path: string): PortType | undefined {
    try {
      return this.templateType(parseTemplate(v), scope, path);
    } catch (e) {
      if (e instanceof ExprError) { this.fail(`invalid expression: ${e.message}`, path); return undefined; }
      throw e;
    }
  }

  condition(v: string | boolean, scope: Scope, path: string): void {
    let expr: Expr;
    try {
      expr = parseCondition(v);
    } catch (e) {
      if (e instanceof ExprError) { this.fail(`invalid ${scope.where} expression: ${e.message}`, path); return; }
      throw e;
    }
    const t = this.exprType(expr, scope, path);
    if (t !== 'boolean' && t !== 'json') this.fail(`${scope.where} must be a true/false expression, got a ${t}`, path);
  }

  forEachItemType(step: PipelineStep, scope: Scope, base: string): PortType {
    const fe = step.forEach!;
    if (fe.matrix) {
      const dims = Object.entries(fe.matrix);
      if (dims.length === 0) this.fail('a matrix needs at least one key', `${base}.forEach.matrix`);
      for (const [k, v] of dims) {
        const t = this.template(v, scope, `${base}.forEach.matrix.${k}`);
        if (t && !elementType(t) && t !== 'json') this.fail(`matrix values must be a list, got a ${t}`, `${base}.forEach.matrix.${k}`);
      }
      return 'json';
    }
    const t = this.template(fe.items, scope, `${base}.forEach.items`);
    if (!t) return 'json';
    if (t === 'json') return 'json';
    const elem = elementType(t);
    if (!elem) this.fail(`forEach needs a list, got a ${t}`, `${base}.forEach.items`);
    return elem ?? 'json';
  }

  step(id: string, step: PipelineStep): void {
    const base = `steps.${id}`;
    const spec = stageSpec(step.stage);
    if (!spec) {
      this.fail(`step "${id}": unknown stage "${step.stage}" (stages: ${Object.keys(STAGES).join(', ')})`, `${base}.stage`);
    } else if (spec.unsupported) {
      this.fail(`step "${id}" uses stage ${step.stage}: ${spec.unsupported}`, `${base}.stage`);
    }
    step.needs.forEach((n, i) => {
      if (!Object.hasOwn(this.p.steps, n)) this.fail(`step "${id}" needs a missing step "${n}"`, `${base}.needs[${i}]`);
      else this.deps[id].add(n);
    });
    if (step.forEach && step.repeat) this.fail('repeat and forEach cannot be combined on one step; split it into two steps', `${base}.repeat`);
    const itemType = step.forEach ? this.forEachItemType(step, { where: 'forEach', stepId: id, step }, base) : undefined;
    if (step.when !== undefined) this.condition(step.when, { where: 'when', stepId: id, step }, `${base}.when`);
    if (step.repeat) this.condition(step.repeat.until, { where: 'until', stepId: id, step }, `${base}.repeat.until`);

    const scope: Scope = { where: 'with', stepId: id, step, itemType };
    for (const [port, value] of Object.entries(step.with)) {
      const path = `${base}.with.${port}`;
      const t = this.template(value, scope, path);
      if (!spec) continue;
      const decl = Object.hasOwn(spec.inputs, port) ? spec.inputs[port] : undefined;
      if (!decl) {
        this.fail(`stage ${step.stage} has no input "${port}" (inputs: ${Object.keys(spec.inputs).join(', ')})`, path);
      } else if (t && !assignable(t, decl.type)) {
        const hint = elementType(t) && assignable(elementType(t)!, decl.type) ? '; fan out with forEach and pass ${{ item }}' : '';
        this.fail(`input ${port} of ${step.stage} expects a ${decl.type}, got a ${t}${hint}`, path);
      }
    }
    if (spec) {
      for (const [port, decl] of Object.entries(spec.inputs)) {
        if (!decl.optional && !Object.hasOwn(step.with, port)) {
          this.fail(`step "${id}" is missing required input "${port}" (${decl.type}) of stage ${step.stage}`, `${base}.with.${port}`);
        }
      }
    }
  }

  inputs(): void {
    for (const [name, decl] of Object.entries(this.p.inputs)) {
      if (decl.default === undefined) continue;
      const t = literalType(decl.default);
      // A model input may be given as a file path; the workflow imports it first.
      if (!assignable(t, decl.type) && !(decl.type === 'model' && t === 'string')) {
        this.fail(`default of input "${name}" is a ${t}, not a ${decl.type}`, `inputs.${name}.default`);
      }
    }
  }

  // Depth-first search; each back edge closes a cycle, reported once with its path.
  cycles(): void {
    const state: Record<string, 'open' | 'done'> = {};
    const stack: string[] = [];
    const seen = new Set<string>();
    const visit = (id: string) => {
      state[id] = 'open';
      stack.push(id);
      for (const d of this.deps[id]) {
        if (state[d] === 'open') {
          const cycle = [...stack.slice(stack.indexOf(d)), d];
          const sig = [...new Set(cycle)].sort().join(',');
          if (!seen.has(sig)) {
            seen.add(sig);
            this.fail(`cycle between steps: ${cycle.join(' → ')}`, `steps.${d}`);
          }
        } else if (!state[d]) visit(d);
      }
      stack.pop();
      state[id] = 'done';
    };
    for (const id of Object.keys(this.p.steps)) if (!state[id]) visit(id);
  }

  run(): void {
    for (const id of Object.keys(this.p.steps)) this.deps[id] = new Set();
    this.inputs();
    for (const [id, step] of Object.entries(this.p.steps)) this.step(id, step);
    for (const [name, value] of Object.entries(this.p.outputs)) this.template(value, { where: 'outputs' }, `outputs.${name}`);
    this.cycles();
  }
}

/** Validate a pipeline document; returns the compiled pipeline or every problem found. */
export function checkPipeline(doc: unknown): { pipeline?: CompiledPipeline; errors: SlimflowError[] } {
  const parsed = PipelineSchema.safeParse(doc);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => {
      // zod hides a bad record key's own message one level down.
      const extra = i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}`
        : i.code === 'invalid_key' ? `"${String(i.path[i.path.length - 1])}": ${i.issues.map((x) => x.message).join('; ')}`
        : i.message;
      return new SlimflowError('INVALID_PIPELINE', extra, keyPath(i.path) || '(pipeline)');
    });
    return { errors };
  }
  const checker = new Checker(parsed.data);
  checker.run();
  if (checker.errors.length > 0) return { errors: checker.errors };
  const order = Object.keys(parsed.data.steps);
  const deps: Record<string, string[]> = {};
  for (const id of order) deps[id] = order.filter((d) => checker.deps[id].has(d));
  return { pipeline: { pipeline: parsed.data, deps }, errors: [] };
}

/** Validate a pipeline document or throw a PipelineValidationError listing every problem. */
export function compilePipeline(doc: unknown): CompiledPipeline {
  const { pipeline, errors } = checkPipeline(doc);
  if (!pipeline) throw new PipelineValidationError(errors);
  return pipeline;
}
