import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The keys an object schema allows at a path, to list them when a key is unknown. */
function allowedKeysAt(schema: z.ZodType | undefined, path: PropertyKey[], data: unknown): string[] | undefined {
  let s: any = schema;
  let value: any = data;
  const unwrap = () => {
    for (;;) {
      const t = s?.def?.type;
      if (['optional', 'default', 'nullable', 'prefault'].includes(t)) s = s.def.innerType;
      else if (t === 'pipe') s = s.def.in;
      // A union: the option whose literal fields (the discriminator) match the data.
      else if (t === 'union') s = s.def.options.find((o: any) => literalsMatch(o, value)) ?? s.def.options[0];
      else return;
    }
  };
  unwrap();
  for (const key of path) {
    if (s?.def?.type === 'object') s = s.def.shape[key as string];
    else if (s?.def?.type === 'array') s = s.def.element;
    else if (s?.def?.type === 'record') s = s.def.valueType;
    else return undefined;
    value = value?.[key as string];
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : undefined;
}

function literalsMatch(option: any, value: any): boolean {
  const shape = option?.def?.shape ?? option?.def?.in?.def?.shape;
  if (!shape || typeof value !== 'object' || value === null) return false;
  return Object.entries(shape).every(([k, f]: [string, any]) => f?.def?.type !== 'literal' || f.def.values.includes(value[k]));
}

const fmtPath = (path: PropertyKey[]) =>
  path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');

/** One line per zod issue, each naming the key path and what is allowed there. */
export function formatZodIssues(issues: readonly Issue[], schema?: z.ZodType, data?: unknown, prefix = ''): string[] {
  return issues.map((issue) => {
    const base = [prefix, fmtPath(issue.path)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path, data);
      return issue.keys
        .map((k) => `${base ? `${base}.` : ''}${k}: unknown key${allowed ? `; allowed keys: ${allowed.join(', ')}` : ''}`)
        .join('\n');
    }
    return `${base || '(root)'}: ${issue.message}`;
  });
}
