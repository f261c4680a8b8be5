import { defineConfig } from 'vitest/config';

// No `source` condition here: this suite runs the packed packages, never the workspace sources.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
