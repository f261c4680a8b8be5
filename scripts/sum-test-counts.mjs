#!/usr/bin/env node
// Sums the counts that vitest ("Tests  N passed | M failed | K skipped") and the native
// kernel tests ("N passed, M failed") printed in a log, and prints one closing line.
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const text = readFileSync(process.argv[2], 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split('\n')) {
  const v = line.match(/Tests\s+(.*)\(\d+\)\s*$/);
  if (v) {
    passed += Number(v[1].match(/(\d+) passed/)?.[1] ?? 0);
    failed += Number(v[1].match(/(\d+) failed/)?.[1] ?? 0);
    skipped += Number(v[1].match(/(\d+) skipped/)?.[1] ?? 0);
    continue;
  }
  const n = line.match(/native kernels: (\d+) passed, (\d+) failed/);
  if (n) {
    passed += Number(n[1]);
    failed += Number(n[2]);
  }
}
console.log(`all: ${passed} passed, ${failed} failed, ${skipped} skipped`);
