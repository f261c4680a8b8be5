#!/usr/bin/env node
// `npm test`'s runner: turbo's test graph (every build, then every package's vitest suite and
// tests/consumer, one task at a time) and, beside it, the native kernel tests under
// AddressSanitizer + UndefinedBehaviorSanitizer (native/scripts/native-tests.mjs --sanitize).
//
// Why beside: the sanitizer build compiles the whole engine once more (about 390 CPU-seconds,
// 3.5 min of CI's 12 on 2 cores when it ran inside the graph) and needs nothing the graph
// builds, while most of the graph's time is single-worker suites that leave a core idle. It
// runs at a lower CPU priority (nice 10), so it takes the idle core and yields to the graph's
// own work, whose timing-sensitive tests keep their CPU (docs/architecture.md, "CI time").
//
// Its output is collected and printed, prefixed `@deepsc/native:sanitize:`, after turbo's; the
// exit status is turbo's when that failed (the sanitizer run is then stopped), else the
// sanitizer run's. Ctrl-C (SIGINT) or SIGTERM stops both and exits 130 or 143.
//
// Usage: node scripts/run-tests.mjs [extra turbo arguments, e.g. --filter @deepsc/io]
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const localTurbo = join(root, 'node_modules', '.bin', 'turbo');
const turboBin = existsSync(localTurbo) ? localTurbo : 'turbo';
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);

/** Exit status of a child: its code, or 128 + the signal number that ended it. */
const statusOf = (code, signal) =>
  code ?? (signal ? 128 + ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 1) : 1);

// Its own process group (detached: a new session), so that stopping it stops cmake and the
// compilers below it. On Linux a new session is also a new scheduler autogroup, and autogroups
// share the CPU equally whatever the nice values inside them: the group itself gets nice 10 too
// (/proc/<pid>/autogroup; without autogroups, the processes' own nice 10 does the same).
const sanitizer = spawn(
  'nice',
  ['-n', '10', process.execPath, join(root, 'native', 'scripts', 'native-tests.mjs'), '--sanitize'],
  { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
);
try {
  if (sanitizer.pid !== undefined) writeFileSync(`/proc/${sanitizer.pid}/autogroup`, '10');
} catch {
  // no autogroups here (another OS, or the kernel's sched_autogroup off): nice alone applies
}
const sanitizerLog = [];
sanitizer.stdout.on('data', (d) => sanitizerLog.push(d));
sanitizer.stderr.on('data', (d) => sanitizerLog.push(d));
const sanitizerDone = new Promise((res) => {
  sanitizer.on('error', (err) => {
    sanitizerLog.push(Buffer.from(`could not start the sanitizer tests: ${err.message}\n`));
    res({ status: 1, at: seconds() });
  });
  sanitizer.on('close', (code, signal) => res({ status: statusOf(code, signal), at: seconds() }));
});
const stopSanitizer = (signal) => {
  try {
    if (sanitizer.pid !== undefined) process.kill(-sanitizer.pid, signal);
  } catch {
    // already gone
  }
};

const turbo = spawn(turboBin, ['run', 'test', '--concurrency=1', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
const turboDone = new Promise((res) => {
  turbo.on('error', (err) => {
    console.error(`[test] could not start turbo (${turboBin}): ${err.message}`);
    res(1);
  });
  turbo.on('close', (code, signal) => res(statusOf(code, signal)));
});

let interrupted;
for (const [signal, status] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    interrupted = status;
    // Ctrl-C reaches turbo through the terminal's process group; SIGTERM is forwarded.
    if (signal === 'SIGTERM') turbo.kill('SIGTERM');
    stopSanitizer(signal);
  });
}

const turboStatus = await turboDone;
if (turboStatus !== 0 || interrupted !== undefined) stopSanitizer('SIGTERM');
else if (sanitizer.exitCode === null && sanitizer.signalCode === null)
  console.log(`[test] turbo done after ${seconds()} s; waiting for the sanitizer tests`);
const san = await sanitizerDone;
const prefix = '@deepsc/native:sanitize: ';
const text = Buffer.concat(sanitizerLog).toString('utf8').replace(/\n$/, '');
if (text) console.log(text.replace(/^/gm, prefix));
console.log(`${prefix}exit ${san.status} after ${san.at} s (run beside turbo, nice 10)`);
if (interrupted !== undefined) process.exit(interrupted);
if (turboStatus !== 0) {
  console.error(`[test] turbo failed (exit ${turboStatus}); the sanitizer tests were stopped`);
  process.exit(turboStatus);
}
if (san.status !== 0) {
  console.error(`[test] the native sanitizer tests failed (exit ${san.status})`);
  process.exit(san.status);
}
console.log(`[test] all done after ${seconds()} s`);
