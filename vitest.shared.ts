import type { ViteUserConfig } from 'vitest/config';

/**
 * Shared vitest settings. The `source` export condition makes workspace packages resolve to
 * their TypeScript sources, so tests never run against stale `dist/` output.
 */
export const shared: ViteUserConfig = {
  resolve: { conditions: ['source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'import', 'node', 'default'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
};
