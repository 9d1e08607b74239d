import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server for the whole run (started and stopped by the setup).
    globalSetup: ['test/integration/setup/global-setup.ts'],
    // Tests write their outputs under the system's temp folder: make it an output root (README, "Limits").
    env: { SLIMFLOW_OUTPUT_ROOTS: [os.tmpdir(), process.env.SLIMFLOW_OUTPUT_ROOTS].filter(Boolean).join(':') },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests share one dev server; onnxruntime work is CPU-bound on 2 cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
