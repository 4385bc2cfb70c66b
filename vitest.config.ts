import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers and share one Redis: keep files from trampling each other.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
