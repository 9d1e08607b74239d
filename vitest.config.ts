import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server for the whole run (started and stopped by the setup).
    globalSetup: ['test/integration/setup/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests share one dev server; onnxruntime work is CPU-bound on 2 cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
