import { defineConfig } from 'vitest/config';

/**
 * Two projects, run one after the other by `npm test`:
 * - unit: pure tests and golden reports, in parallel;
 * - integration: real servers on loopback and a real Redis, one file at a time (`--no-file-parallelism`
 *   in package.json): they measure timing (a load test compares latency with a prediction), and a
 *   CPU-starved run would be flagged as invalid by the load generator itself.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/golden/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
    ],
  },
});
