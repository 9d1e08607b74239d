// Fleet results use [] for an empty group, never null: in the summary the workflow returns, after
// Temporal's payload conversion, and in every recorded fleetRecompress history's raw result.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { formatSummary, summarize } from '../../../core/fleet/summary';
import type { FleetSummary } from '../../../core/fleet/types';

const GROUPS = ['compressed', 'skipped', 'failed', 'rejected'] as const;
const HISTORIES = path.resolve(__dirname, '../../replay/fleet-histories');

describe('fleet summary', () => {
  it('an empty group is [] in the raw result, as the CLI prints it', () => {
    const s = summarize('f', '/r', [{ name: 'a', status: 'compressed', key: 'k', versionDir: '/r/a/k' }]);
    const raw = defaultPayloadConverter.fromPayload<FleetSummary>(defaultPayloadConverter.toPayload(s));
    for (const g of GROUPS) expect(Array.isArray(raw[g]), g).toBe(true);
    expect(raw).toMatchObject({ compressed: ['a'], skipped: [], failed: [], rejected: [] });
    expect(formatSummary(raw)).toContain('1 compressed, 0 skipped, 0 failed, 0 rejected');
  });

  it('every recorded fleetRecompress result has all four groups as arrays', () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const { history } = JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8')) as { history: { events: Record<string, { result?: { payloads: { metadata: Record<string, string>; data: string }[] } }>[] } };
      const done = history.events.map((e) => e.workflowExecutionCompletedEventAttributes).find(Boolean);
      const payload = done!.result!.payloads[0];
      const decoded = defaultPayloadConverter.fromPayload<FleetSummary>({
        metadata: Object.fromEntries(Object.entries(payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(payload.data, 'base64'),
      });
      for (const g of GROUPS) expect(Array.isArray(decoded[g]), `${f}: ${g}`).toBe(true);
    }
  });
});
