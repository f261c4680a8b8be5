#!/usr/bin/env node
// Installs the system packages the test suite needs when they are missing and this machine
// can install them (root with apt-get): cmake and a C++ compiler for the engine, Debian's
// chromium for the report's browser test, Debian's pydicom for the DICOM SEG tests, Debian's
// libgloo-dev for @deepsc/distributed. Elsewhere it says what is missing and goes on; the
// tests that need a missing tool skip with that reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const wanted = [
  { pkg: 'cmake', ok: () => has('cmake') },
  { pkg: 'g++', ok: () => has('g++') || has('clang++') },
  { pkg: 'chromium', ok: () => existsSync('/usr/bin/chromium') },
  // gloo, the collective library of @deepsc/distributed (its addon and tests skip without it)
  { pkg: 'libgloo-dev', ok: () => existsSync('/usr/include/gloo/allreduce.h') },
  // the reference reader of the DICOM SEG tests (they skip without it)
  {
    pkg: 'python3-pydicom',
    ok: () =>
      spawnSync('/usr/bin/python3', ['-c', 'import pydicom, numpy'], { stdio: 'ignore' }).status === 0,
  },
];
const missing = wanted.filter((w) => !w.ok()).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);

const canApt = process.getuid?.() === 0 && has('apt-get');
if (!canApt) {
  console.warn(
    `[deepsc] missing system packages: ${missing.join(', ')} (install them with your package manager)`,
  );
  process.exit(0);
}
console.log(`[deepsc] installing system packages: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install =
  update.status === 0
    ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        stdio: 'inherit',
        env,
      })
    : update;
if (install.status !== 0)
  console.warn(`[deepsc] could not install ${missing.join(', ')}; tests that need them will skip`);
