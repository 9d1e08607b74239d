// The run summary from the outcomes (pure: the workflow builds it).
import type { FleetSummary, ModelOutcome } from './types';

/** Group outcomes by status, keeping manifest order. */
export function summarize(fleet: string, registry: string, outcomes: ModelOutcome[], index?: string): FleetSummary {
  const names = (s: ModelOutcome['status']) => outcomes.filter((o) => o.status === s).map((o) => o.name);
  return {
    fleet,
    registry,
    ...(index ? { index } : {}),
    compressed: names('compressed'),
    skipped: names('skipped'),
    failed: names('failed'),
    rejected: names('rejected'),
    outcomes,
  };
}

/** The summary as lines a person reads. */
export function formatSummary(s: FleetSummary): string {
  const lines = [`fleet ${s.fleet}: ${s.compressed.length} compressed, ${s.skipped.length} skipped, ${s.failed.length} failed, ${s.rejected.length} rejected`];
  for (const o of s.outcomes) lines.push(`  ${o.status.padEnd(10)} ${o.name}${o.reason ? `: ${o.reason}` : ''}${o.versionDir ? ` (${o.versionDir})` : ''}`);
  lines.push(`registry ${s.registry}${s.index ? `, index ${s.index}` : ''}`);
  return lines.join('\n');
}
