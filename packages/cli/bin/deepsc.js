#!/usr/bin/env node
// The `deepsc` command. This file is committed rather than built so that npm links the command
// at install time even in a fresh clone, where dist/ only appears after `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'deepsc: @deepsc/cli is not built (no dist/bin.js): run `npm run build` in the repository, then `npx deepsc` again',
  );
  process.exit(2);
}
await import(entry.href);
