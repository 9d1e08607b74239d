// The one list of custom search attributes slimflow uses. No Node imports here, so workflow
// code can import the typed keys inside the sandbox.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** A search attribute type name as the `temporal` CLI spells it. */
export type CliSearchAttributeType = 'Keyword' | 'Double';

/** Name and CLI type of every custom search attribute slimflow registers on a namespace. */
export const SLIMFLOW_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: CliSearchAttributeType }> = [
  { name: 'SlimflowModel', type: 'Keyword' },
  { name: 'SlimflowStrategy', type: 'Keyword' },
  { name: 'SlimflowStatus', type: 'Keyword' },
  { name: 'SlimflowBestScore', type: 'Double' },
];

/** Typed keys for `upsertSearchAttributes` / `typedSearchAttributes` in workflows and clients. */
export const SlimflowSearchAttributes = {
  model: defineSearchAttributeKey('SlimflowModel', SearchAttributeType.KEYWORD),
  strategy: defineSearchAttributeKey('SlimflowStrategy', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('SlimflowStatus', SearchAttributeType.KEYWORD),
  bestScore: defineSearchAttributeKey('SlimflowBestScore', SearchAttributeType.DOUBLE),
} as const;
