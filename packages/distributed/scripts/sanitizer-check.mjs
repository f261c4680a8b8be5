#!/usr/bin/env node
// Builds test/cpp/reducer_check.cpp with the addon's native sources (no Node.js) under
// ThreadSanitizer and under AddressSanitizer + UBSan, and runs each: 2 ranks as 2 threads.
// Needs g++ and libgloo-dev. Exit 1 when a build or a run fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const hookInclude = join(root, '..', '..', 'native', 'include');
const work = mkdtempSync(join(tmpdir(), 'deepsc-dist-san-'));
let failed = false;
try {
  for (const [name, flags] of [
    ['thread', ['-fsanitize=thread']],
    ['address+undefined', ['-fsanitize=address,undefined', '-fno-sanitize-recover=all']],
  ]) {
    const exe = join(work, `check-${name}`);
    const store = mkdtempSync(join(work, 'store-'));
    console.log(`[sanitizer-check] ${name}: building`);
    execFileSync(
      'g++',
      [
        '-std=c++17',
        '-O1',
        '-g',
        ...flags,
        `-I${native}`,
        `-I${hookInclude}`,
        join(root, 'test', 'cpp', 'reducer_check.cpp'),
        join(native, 'gradient_reducer.cpp'),
        join(native, 'process_group.cpp'),
        join(native, 'tcp_store.cpp'),
        '-o',
        exe,
        '-lgloo',
        '-lpthread',
      ],
      { stdio: 'inherit' },
    );
    try {
      execFileSync(exe, [store], {
        stdio: 'inherit',
        env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1' },
      });
      console.log(`[sanitizer-check] ${name}: ok`);
    } catch {
      console.error(`[sanitizer-check] ${name}: FAILED`);
      failed = true;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
