import { availableParallelism } from 'node:os';
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

/**
 * {@link shared} with test files run two at a time even on a 2-core machine (vitest's default
 * there is one worker). For suites whose files share no folders, ports or timing budgets (io,
 * eval, core, train); it saved 10-35% of their wall time on CI's 2 cores (docs/architecture.md,
 * "CI time"). Suites with multi-process or time-limited tests (native, distributed, cli) keep
 * the default.
 */
export const parallelFiles: ViteUserConfig = {
  ...shared,
  test: { ...shared.test, maxWorkers: Math.max(2, availableParallelism() - 1) },
};
