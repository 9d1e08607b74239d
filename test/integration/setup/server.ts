// What a test needs to reach the shared dev server started by global-setup.ts.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** Address and namespace of the test run's Temporal server. */
export function testTemporal(): { address: string; namespace: string; stateDir: string } {
  const address = inject('temporalAddress');
  if (!address) {
    throw new Error('no Temporal server: run with globalSetup test/integration/setup/global-setup.ts');
  }
  return { address, namespace: inject('temporalNamespace'), stateDir: inject('temporalStateDir') };
}

/** A task queue no other test polls, so workers of different tests never take each other's tasks. */
export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}
