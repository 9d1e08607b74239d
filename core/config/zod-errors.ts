import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The keys an object schema allows at a path, to list them when a key is unknown. */
function allowedKeysAt(schema: z.ZodType | undefined, path: PropertyKey[]): string[] | undefined {
  let s: any = schema;
  const unwrap = () => {
    while (s?.def && ['optional', 'default', 'nullable', 'pipe', 'prefault'].includes(s.def.type)) {
      s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
    }
  };
  unwrap();
  for (const key of path) {
    if (s?.def?.type === 'object') s = s.def.shape[key as string];
    else if (s?.def?.type === 'array') s = s.def.element;
    else if (s?.def?.type === 'record') s = s.def.valueType;
    else return undefined;
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : undefined;
}

const fmtPath = (path: PropertyKey[]) =>
  path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');

/** One line per zod issue, each naming the key path and what is allowed there. */
export function formatZodIssues(issues: readonly Issue[], schema?: z.ZodType, prefix = ''): string[] {
  return issues.map((issue) => {
    const base = [prefix, fmtPath(issue.path)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path);
      return issue.keys
        .map((k) => `${base ? `${base}.` : ''}${k}: unknown key${allowed ? `; allowed keys: ${allowed.join(', ')}` : ''}`)
        .join('\n');
    }
    return `${base || '(root)'}: ${issue.message}`;
  });
}
