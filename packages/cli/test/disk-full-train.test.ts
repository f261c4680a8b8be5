/**
 * A real full disk while `deepsc train` writes a checkpoint: the run folder sits on a tmpfs
 * just large enough for what it holds (mounted in a private user and mount namespace with
 * `unshare`, so no privileges are needed), the resumed run fills it at its next save, and the
 * command must exit 4 naming the checkpoint, with the last good checkpoint byte-identical,
 * no temporary folder and no lock left. Skipped, saying why, where `unshare` cannot mount.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCohort } from '@deepsc/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const probe = spawnSync(
  'unshare',
  ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k none /mnt && umount /mnt'],
  {
    encoding: 'utf8',
  },
);
const canMount = probe.status === 0;
const why = canMount
  ? ''
  : `unshare cannot mount a tmpfs here (${(probe.stderr || probe.error?.message || '').trim()})`;

let root: string;

beforeAll(async () => {
  if (!canMount) return;
  root = await mkdtemp(join(tmpdir(), 'deepsc-disk-full-'));
  const cohort = await generateCohort({
    out: join(root, 'cohort'),
    n: 6,
    seed: 1,
    inPlane: 32,
    slices: [20, 24],
    workers: 0,
  });
  const config = (out: string, cacheDir?: string) => ({
    seed: 2,
    out,
    model: { preset: 'tiny' },
    data: {
      manifest: cohort.manifestJson,
      workers: 0,
      split: { train: 0.67, val: 0.33, test: 0 },
      ...(cacheDir ? { cacheDir } : {}),
    },
    training: { epochs: 2, stepsPerEpoch: 2, validateEvery: 0 },
  });
  await writeFile(join(root, 'first.json'), JSON.stringify(config(join(root, 'run'))));
  // the checkpoint case reads its scans from the first run's cache, off the full disk
  await writeFile(
    join(root, 'checkpoint.json'),
    JSON.stringify(config(join(root, 'mnt', 'run'), join(root, 'run', 'cache'))),
  );
  await writeFile(join(root, 'cache.json'), JSON.stringify(config(join(root, 'mnt', 'run'))));
  const r = await runCli(
    'train',
    '--config',
    join(root, 'first.json'),
    '--set',
    'training.epochs=1',
    '--progress',
    'off',
  );
  expect(r.code, r.err).toBe(0);
}, 60_000);

describe('deepsc train on a full disk', () => {
  it.skipIf(!canMount).each([
    ['a checkpoint', 'checkpoint', 'checkpoints/last'],
    ['the scan cache (emptied first)', 'cache', 'cache/'],
  ])(
    `filling the disk while writing %s exits 4 naming it; the last good checkpoint stays ${why}`,
    async (_w, which, named) => {
      const mnt = join(root, 'mnt');
      const ck = join(mnt, 'run', 'checkpoints');
      // copy the run onto a tmpfs, then shrink the tmpfs to what it holds plus 16 KiB: room for
      // the metrics line, not for a checkpoint (about 280 KB) nor the cache
      const script = [
        'set -e',
        `mkdir -p ${mnt}`,
        `mount -t tmpfs -o size=4m none ${mnt}`,
        `cp -a ${join(root, 'run')} ${join(mnt, 'run')}`,
        which === 'cache' ? `rm -rf ${join(mnt, 'run', 'cache')}/*` : 'true',
        `used=$(df -k --output=used ${mnt} | tail -1)`,
        `mount -o remount,size=$((used + 16))k ${mnt}`,
        `sha256sum ${ck}/last/* > ${join(root, 'before.txt')}`,
        'set +e',
        `${process.execPath} --import tsx --conditions=source ${join(repoRoot, 'packages/cli/src/bin.ts')} train --config ${join(root, `${which}.json`)} --resume auto --progress off`,
        'echo "EXIT=$?"',
        `sha256sum ${ck}/last/* > ${join(root, 'after.txt')}`,
        `echo "CHECKPOINTS=$(ls -A ${ck} | tr '\\n' ' ')"`,
        `echo "RUN=$(ls -A ${join(mnt, 'run')} | tr '\\n' ' ')"`,
        `echo "PARTIAL=$(find ${join(mnt, 'run')} -name '*.tmp*' -o -name '.*.old-*' | tr '\\n' ' ')"`,
        `echo "SAME=$(cmp -s ${join(root, 'before.txt')} ${join(root, 'after.txt')} && echo yes || echo no)"`,
      ].join('\n');
      const child = spawn('unshare', ['-Urm', 'sh', '-c', script], { cwd: repoRoot });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.stderr.on('data', (d) => {
        out += String(d);
      });
      await new Promise((res) => child.on('exit', res));
      await rm(mnt, { recursive: true, force: true });
      const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(out)?.[1]?.trim();
      expect(field('EXIT'), out).toBe('4');
      expect(out).toContain(`deepsc: cannot write ${join(mnt, 'run', named)}`);
      expect(out).toContain(': no space left on the device (ENOSPC)');
      expect(field('SAME'), out).toBe('yes');
      expect(field('PARTIAL'), out).toBe('');
      expect(field('CHECKPOINTS')?.split(' '), out).toEqual(['last']);
      expect(field('RUN')?.split(' ').sort(), out).toEqual(
        ['cache', 'checkpoints', 'metrics.jsonl', 'run.json', 'split.json'].sort(),
      );
    },
    60_000,
  );
});
