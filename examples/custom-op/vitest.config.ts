import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Inside the DeepSC repository the engine packages resolve to their TypeScript sources (their
// dist/ may be stale); an installed copy of this template uses their published dist/.
const inRepository = existsSync(new URL('../../vitest.shared.ts', import.meta.url));
const conditions = inRepository ? ['source', 'import', 'node', 'default'] : ['import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: inRepository ? ['source'] : [] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, pool: 'forks' },
});
