// Any cluster a slimflow worker or client connects to must know slimflow's search attributes, or every
// workflow task that upserts them fails with BAD_SEARCH_ATTRIBUTES and the job waits forever. Check
// them on connect, add the missing ones through the operator service where the connection may, else
// fail at once with the commands that register them.
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SlimflowError } from '../core/errors';
import { type CliSearchAttributeType, SLIMFLOW_SEARCH_ATTRIBUTES } from './search-attributes';

/** What both a client Connection and a worker's NativeConnection offer for this. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
    addSearchAttributes(req: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
  workflowService: { countWorkflowExecutions(req: { namespace: string; query: string }): Promise<unknown> };
  withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T>;
}

const INDEXED: Record<CliSearchAttributeType, number> = {
  Keyword: encodeSearchAttributeIndexedValueType(SearchAttributeType.KEYWORD)!,
  Double: encodeSearchAttributeIndexedValueType(SearchAttributeType.DOUBLE)!,
};

// gRPC status codes the operator service answers when this connection may not use it.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;
const UNAUTHENTICATED = 16;
const DENIED = new Set([PERMISSION_DENIED, UNIMPLEMENTED, UNAUTHENTICATED]);

const checked = new Set<string>();

/** Options of ensureSearchAttributes. */
export interface EnsureSearchAttributesOptions {
  /** Address shown in the commands of an error (the connection does not tell it). */
  address?: string;
  /** Longest wait for the server to answer, all calls together (ms). */
  timeoutMs?: number;
}

/**
 * Make sure `namespace` has every slimflow search attribute, adding the missing ones; returns the names
 * it added. Checked once per process and namespace+address. Fails at once (INVALID_CONFIG, never retried)
 * when an attribute has another type, or when some are missing and this connection may not add them.
 */
export async function ensureSearchAttributes(conn: OperatorConnection, namespace: string, opts: EnsureSearchAttributesOptions = {}): Promise<string[]> {
  const key = `${opts.address ?? ''}\0${namespace}`;
  if (checked.has(key)) return [];
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  // Temporal Cloud denies the operator service to namespace users: there, ask visibility instead.
  const listed = (await listCustom(conn, namespace, deadline)) ?? (await probeVisibility(conn, namespace, deadline));
  const wrongType = SLIMFLOW_SEARCH_ATTRIBUTES.filter((a) => a.name in listed && listed[a.name] !== INDEXED[a.type]);
  if (wrongType.length > 0) {
    throw new SlimflowError(
      'INVALID_CONFIG',
      `namespace "${namespace}" has search attribute(s) ${wrongType.map((a) => `${a.name} (not of type ${a.type})`).join(', ')} that slimflow needs with another type; use another namespace`,
      opts.address,
    );
  }
  const missing = SLIMFLOW_SEARCH_ATTRIBUTES.filter((a) => !(a.name in listed));
  if (missing.length > 0) {
    try {
      await conn.withDeadline(deadline, () =>
        conn.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED[a.type]])) }),
      );
    } catch (e) {
      if (!DENIED.has(grpcCode(e))) throw e;
      throw missingError(namespace, missing.map((a) => a.name), opts.address, e);
    }
  }
  checked.add(key);
  return missing.map((a) => a.name);
}

/** The `temporal` CLI commands that register slimflow's search attributes on a namespace. */
export function registrationCommands(namespace: string, address?: string, names: string[] = SLIMFLOW_SEARCH_ATTRIBUTES.map((a) => a.name)): string[] {
  return SLIMFLOW_SEARCH_ATTRIBUTES.filter((a) => names.includes(a.name)).map(
    (a) => `temporal operator search-attribute create${address ? ` --address ${address}` : ''} --namespace ${namespace} --name ${a.name} --type ${a.type}`,
  );
}

// A namespace created moments ago reaches the operator service's namespace cache only on its next
// refresh (seconds later): "not found" is retried until the deadline.
async function listCustom(conn: OperatorConnection, namespace: string, deadline: number): Promise<Record<string, unknown> | undefined> {
  for (;;) {
    try {
      const res = await conn.withDeadline(deadline, () => conn.operatorService.listSearchAttributes({ namespace }));
      return res.customAttributes ?? {};
    } catch (e) {
      const code = grpcCode(e);
      if (DENIED.has(code)) return undefined;
      if (code !== NOT_FOUND || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Which slimflow attributes a visibility query accepts (an unknown one is INVALID_ARGUMENT), typed as slimflow wants them. */
async function probeVisibility(conn: OperatorConnection, namespace: string, deadline: number): Promise<Record<string, unknown>> {
  const known: Record<string, unknown> = {};
  for (const a of SLIMFLOW_SEARCH_ATTRIBUTES) {
    const query = a.type === 'Double' ? `${a.name} = 0` : `${a.name} = 'slimflow-probe'`;
    try {
      await conn.withDeadline(deadline, () => conn.workflowService.countWorkflowExecutions({ namespace, query }));
      known[a.name] = INDEXED[a.type];
    } catch (e) {
      if (grpcCode(e) !== INVALID_ARGUMENT) throw e;
    }
  }
  return known;
}

function missingError(namespace: string, names: string[], address: string | undefined, cause: unknown): SlimflowError {
  const commands = registrationCommands(namespace, address, names);
  return new SlimflowError(
    'INVALID_CONFIG',
    `namespace "${namespace}" lacks slimflow's search attributes ${names.join(', ')} and this connection may not add them ` +
      `(${(cause as Error).message}). Register them once with:\n  ${commands.join('\n  ')}\n` +
      `(Temporal Cloud: \`tcld namespace search-attributes add --namespace <namespace.account> ${SLIMFLOW_SEARCH_ATTRIBUTES.filter((a) => names.includes(a.name)).map((a) => `--search-attribute "${a.name}=${a.type}"`).join(' ')}\`)`,
    address,
    { cause },
  );
}

function grpcCode(e: unknown): number {
  for (let cur = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 4; cur = cur.cause as typeof cur, depth++) {
    if (typeof cur.code === 'number') return cur.code;
  }
  return -1;
}
