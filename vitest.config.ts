import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests share one dev server; onnxruntime work is CPU-bound on 2 cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
