/**
 * The bad-input table of the readers and writers of `@deepsc/io` (issue 11): pipes, devices,
 * sockets and folders where a file is expected, input through a pipe (ESPIPE before), gzip
 * bombs, truncated files, manifests that list them, corrupt or off-grid scans in a manifest,
 * user numbers beyond their caps, and a full disk. Each row: the command, the exit code, a
 * fragment of the message, and the sandbox check (nothing outside the outputs changed, no
 * partial file). Rows that could hang or kill the process run as a child process with a time
 * limit, all at once.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeNifti, generateCohort } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BadInputRow, checkBadInputRow } from './support/bad-input.js';
import { predictArgs, smallScan, writeTinyCheckpoint } from './support/predict-fixture.js';

/** Where the next atomic write fails, and with which code (the "full disk" rows). */
const fault = vi.hoisted(() => ({ at: undefined as 'write' | undefined, code: 'ENOSPC' }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, flags, mode) => {
    const h = await real.open(path, flags, mode);
    if (flags === 'wx' && fault.at === 'write')
      h.writeFile = async () =>
        Promise.reject(
          Object.assign(new Error(`${fault.code}: no space left on device, write`), {
            code: fault.code,
            errno: -28,
            syscall: 'write',
          }),
        );
    return h;
  };
  return { ...real, open, default: { ...real, open } };
});

const fx = mkdtempSync(join(tmpdir(), 'deepsc-bad-io-'));
const ck = join(fx, 'ck');
const ct = join(fx, 'ct.nii.gz');
const lung = join(fx, 'lung.nii.gz');
/** The 32x32x16 CT followed by 4 GiB of zeros in the same gzip stream (about 4 MiB on disk). */
const bomb = join(fx, 'bomb.nii.gz');
/** A 400-byte file whose header asks for 2000^3 float32 voxels (32 GB). */
const hugeHeader = join(fx, 'huge-header.nii.gz');
const truncatedGz = join(fx, 'truncated.nii.gz');
const truncatedNii = join(fx, 'truncated.nii');
const shiftedLung = join(fx, 'lung-shifted.nii.gz');
let cohort: { manifest: string; dir: string };

afterAll(() => rmSync(fx, { recursive: true, force: true }));

beforeAll(async () => {
  await writeTinyCheckpoint(ck);
  const scan = smallScan();
  const ctBytes = encodeNifti(scan.ct);
  writeFileSync(ct, gzipSync(ctBytes));
  writeFileSync(lung, encodeNifti(scan.lung, { compression: 'gzip' }));
  const zeros = gzipSync(new Uint8Array(64 << 20), { level: 9 });
  writeFileSync(bomb, Buffer.concat([gzipSync(ctBytes), ...Array.from({ length: 64 }, () => zeros)]));
  const huge = Buffer.from(ctBytes.subarray(0, 352));
  for (const [i, d] of [2000, 2000, 2000].entries()) huge.writeInt16LE(d, 42 + 2 * i);
  huge.writeInt16LE(16, 70); // float32
  huge.writeInt16LE(32, 72);
  writeFileSync(hugeHeader, gzipSync(huge));
  writeFileSync(truncatedGz, gzipSync(ctBytes).subarray(0, 3000));
  writeFileSync(truncatedNii, ctBytes.subarray(0, 5000));
  const moved = scan.lung.affine.map((r) => [...r]);
  (moved[0] as number[])[3] = (moved[0]?.[3] as number) + 5;
  writeFileSync(
    shiftedLung,
    encodeNifti(
      { ...scan.lung, affine: moved as unknown as typeof scan.lung.affine },
      { compression: 'gzip' },
    ),
  );
  const dir = join(fx, 'cohort');
  const c = await generateCohort({ out: dir, n: 6, seed: 4, inPlane: 32, slices: [16, 18], workers: 0 });
  cohort = { manifest: c.manifestJson, dir };
}, 60_000);

const predict = (input: string, ...more: string[]) => predictArgs(ck, input, ...more);

/** A manifest in the sandbox: the cohort's rows, with `edit` applied to the first. */
const manifestWith = (edit: (row: Record<string, string>) => void) => async (dir: string) => {
  const m = JSON.parse(readFileSync(cohort.manifest, 'utf8')) as { scans: Record<string, string>[] };
  for (const s of m.scans)
    for (const k of ['image', 'lesion', 'lung']) s[k] = join(cohort.dir, s[k] as string);
  edit(m.scans[0] as Record<string, string>);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  await trainConfig(join(dir, 'manifest.json'))(dir);
};
const trainConfig =
  (manifest: string, workers = 0) =>
  (dir: string) =>
    writeFile(
      join(dir, 't.json'),
      JSON.stringify({
        seed: 1,
        out: 'run',
        model: { preset: 'tiny' },
        data: { manifest, workers, split: { train: 0.67, val: 0.33, test: 0 } },
        training: { epochs: 1, stepsPerEpoch: 2, validateEvery: 0 },
      }),
    );
const train = ['train', '--config', '{dir}/t.json', '--progress', 'off'];
const mkfifo = (name: string) => (dir: string) => void execFileSync('mkfifo', [join(dir, name)]);

/** Rows that could hang (a pipe, a device) or kill the process (a V8 fatal error): child processes. */
const guarded: BadInputRow[] = [
  {
    name: 'inspect a FIFO',
    setup: mkfifo('in.nii'),
    args: ['inspect', '{dir}/in.nii'],
    code: 3,
    message: /in\.nii: is a pipe \(FIFO\), not a regular file/,
  },
  {
    name: 'inspect /dev/zero',
    args: ['inspect', '/dev/zero'],
    code: 3,
    message: '/dev/zero: is a character device, not a regular file',
  },
  {
    name: 'convert a FIFO',
    setup: mkfifo('in.nii'),
    args: ['convert', '{dir}/in.nii', '{dir}/out.nii'],
    code: 3,
    message: /in\.nii: is a pipe \(FIFO\)/,
  },
  {
    name: 'convert /dev/zero',
    args: ['convert', '/dev/zero', '{dir}/out.nii'],
    code: 3,
    message: '/dev/zero: is a character device',
  },
  {
    name: 'predict /dev/zero',
    args: predict('/dev/zero'),
    code: 3,
    message: '/dev/zero: is a character device',
  },
  {
    name: 'predict --lung /dev/zero (was 10 GB in 2 min)',
    args: predict(ct, '--lung', '/dev/zero'),
    code: 3,
    message: '/dev/zero: is a character device',
  },
  {
    name: 'train on a manifest that is a FIFO',
    setup: async (dir) => {
      mkfifo('manifest.json')(dir);
      await trainConfig(join(dir, 'manifest.json'))(dir);
    },
    args: train,
    code: 3,
    message: /manifest\.json: is a pipe \(FIFO\), not a regular file/,
    outputs: ['run'],
  },
  {
    name: 'train on a manifest whose entry is a FIFO',
    setup: async (dir) => {
      mkfifo('scan.nii.gz')(dir);
      await manifestWith((row) => {
        row.image = join(dir, 'scan.nii.gz');
      })(dir);
    },
    args: train,
    code: 3,
    message:
      /row 1 \(id 'synth-0000'\), field 'image': .*scan\.nii\.gz is a pipe \(FIFO\), not a regular file/,
    outputs: ['run'],
  },
  {
    name: 'train on a manifest whose lung mask is /dev/zero',
    setup: manifestWith((row) => {
      row.lung = '/dev/zero';
    }),
    args: train,
    code: 3,
    message: /field 'lung': \/dev\/zero is a character device, not a regular file/,
    outputs: ['run'],
  },
  {
    name: 'train --config a FIFO (was a hang)',
    setup: mkfifo('t.json'),
    args: train,
    code: 2,
    message: /invalid configuration in .*t\.json:\n {2}cannot read the file: .*t\.json: is a pipe \(FIFO\)/,
  },
  {
    name: 'train --config /dev/zero (was 512 MB read, then "Invalid string length")',
    args: ['train', '--config', '/dev/zero'],
    code: 2,
    message: 'cannot read the file: /dev/zero: is a character device, not a regular file',
  },
  {
    name: 'eval --predictions a FIFO (was a hang)',
    setup: mkfifo('p.json'),
    args: ['eval', '--predictions', '{dir}/p.json'],
    code: 3,
    message: /p\.json: is a pipe \(FIFO\), not a regular file/,
  },
  {
    name: 'eval --predictions /dev/zero (was 512 MB read)',
    args: ['eval', '--predictions', '/dev/zero'],
    code: 3,
    message: '/dev/zero: is a character device, not a regular file',
  },
  {
    name: 'report on a run folder whose run.json is a FIFO (was a hang)',
    setup: async (dir) => {
      await mkdir(join(dir, 'run'));
      mkfifo(join('run', 'run.json'))(dir);
    },
    args: ['report', '{dir}/run'],
    code: 3,
    message: /run\.json: is a pipe \(FIFO\), not a regular file/,
  },
  ...(['state.json', 'model.safetensors'] as const).map(
    (file): BadInputRow => ({
      name: `predict with a checkpoint whose ${file} is a FIFO (was a hang)`,
      setup: async (dir) => {
        await cp(ck, join(dir, 'ck'), { recursive: true });
        await rm(join(dir, 'ck', file));
        mkfifo(join('ck', file))(dir);
      },
      args: ['predict', '--model', '{dir}/ck', '--input', ct, '--out', '{dir}/pred'],
      code: 3,
      message: new RegExp(
        `cannot read ${file.replace('.', '\\.')} \\(.*ck/${file.replace('.', '\\.')}: is a pipe \\(FIFO\\)`,
      ),
    }),
  ),
  {
    name: 'synth --n 1e12 (was a V8 fatal error, exit 133)',
    args: ['synth', '--out', '{dir}/c', '--n', '1e12'],
    code: 2,
    message: "--n must be an integer in 1..100000, got '1e12'",
  },
  {
    name: 'synth --n 100000000 (was 4.2 GB)',
    args: ['synth', '--out', '{dir}/c', '--n', '100000000'],
    code: 2,
    message: '--n must be an integer in 1..100000',
  },
];

/** Rows that are safe in-process (the readers refuse before reading). */
const rows: BadInputRow[] = [
  // gzip bombs: read (and decompressed) only as far as the header says
  {
    name: 'inspect a gzip bomb holding a valid 32 KB volume (was refused after 2.18 GB and 30 s)',
    args: ['inspect', bomb],
    code: 0,
    after: (run) => expect(JSON.parse(run.out).dims).toEqual([32, 32, 16]),
  },
  {
    name: 'convert over an existing file (was replaced silently)',
    setup: (d) => writeFile(join(d, 'out.nii'), 'another scan'),
    args: ['convert', ct, '{dir}/out.nii'],
    code: 2,
    message: /out\.nii exists; pass --overwrite to replace it/,
  },
  {
    name: 'convert over an existing file with --overwrite',
    setup: (d) => writeFile(join(d, 'out.nii'), 'another scan'),
    args: ['convert', ct, '{dir}/out.nii', '--overwrite'],
    code: 0,
    outputs: ['out.nii'],
  },
  { name: 'convert the gzip bomb', args: ['convert', bomb, '{dir}/out.nii'], code: 0, outputs: ['out.nii'] },
  {
    name: 'predict on the gzip bomb',
    args: predict(bomb, '--lung', lung),
    code: 0,
    outputs: ['pred'],
    after: (run) => expect(run.out).toMatch(/COVID-19|CAP|non-pneumonia/),
  },
  {
    name: 'convert a 400-byte file whose header asks for 32 GB',
    args: ['convert', hugeHeader, '{dir}/out.nii'],
    code: 3,
    message: /dims \[2000, 2000, 2000\] of float32 need 32000000000 bytes, more than maxBytes/,
  },
  {
    name: 'predict on a 400-byte file whose header asks for 32 GB',
    args: predict(hugeHeader),
    code: 3,
    message: /need 32000000000 bytes/,
  },
  // truncated files
  {
    name: 'inspect a truncated .nii.gz',
    args: ['inspect', truncatedGz],
    code: 3,
    message: /truncated\.nii\.gz: (corrupt or truncated gzip stream|truncated)/,
  },
  {
    name: 'convert a truncated .nii',
    args: ['convert', truncatedNii, '{dir}/out.nii'],
    code: 3,
    message: /truncated\.nii: truncated: the header promises 32768 bytes of voxels/,
  },
  {
    name: 'predict on a truncated .nii.gz',
    args: predict(truncatedGz),
    code: 3,
    message: /truncated\.nii\.gz: (corrupt or truncated gzip stream|truncated)/,
  },
  // folders where a file is expected
  {
    name: 'predict --lung a folder',
    setup: (dir) => mkdir(join(dir, 'masks')),
    args: predict(ct, '--lung', '{dir}/masks'),
    code: 3,
    message: /masks: is a folder, not a regular file/,
  },
  {
    name: 'train on a manifest whose image is a folder',
    setup: async (dir) => {
      await mkdir(join(dir, 'scan.nii'));
      await manifestWith((row) => {
        row.image = join(dir, 'scan.nii');
      })(dir);
    },
    args: train,
    code: 3,
    message: /field 'image': .*scan\.nii is a folder, not a regular file/,
    outputs: ['run'],
  },
  // bad scans inside a manifest: exit 3 naming the scan and its file (was exit 1)
  ...[0, 1].map(
    (workers): BadInputRow => ({
      name: `train on a manifest with a truncated scan (${workers} loader workers)`,
      setup: async (dir) => {
        await manifestWith((row) => {
          row.image = truncatedNii;
        })(dir);
        await trainConfig(join(dir, 'manifest.json'), workers)(dir);
      },
      args: train,
      code: 3,
      message: /scan synth-0000: .*truncated\.nii: truncated: the header promises/,
      outputs: ['run'],
    }),
  ),
  {
    name: 'train on a manifest whose lung mask lies on another grid',
    setup: manifestWith((row) => {
      row.image = ct;
      row.lung = shiftedLung;
      delete row.lesion;
    }),
    args: train,
    code: 3,
    message: /lung-shifted\.nii\.gz is not on the grid of .*ct\.nii\.gz: affine row 0/,
    outputs: ['run'],
  },
  // caps
  {
    name: 'synth --workers 100000',
    args: ['synth', '--out', '{dir}/c', '--workers', '100000'],
    code: 2,
    message: '--workers must be an integer in 0..64',
  },
  {
    name: 'synth --in-plane 100000',
    args: ['synth', '--out', '{dir}/c', '--in-plane', '100000'],
    code: 2,
    message: '--in-plane must be an integer in 32..512',
  },
  {
    name: 'synth --out naming a file',
    setup: (dir) => writeFile(join(dir, 'file'), 'keep me'),
    args: ['synth', '--out', '{dir}/file', '--n', '1'],
    code: 2,
    message: /--out .*file is a file, not a folder/,
  },
  {
    name: 'synth --out below a file',
    setup: (dir) => writeFile(join(dir, 'file'), 'keep me'),
    args: ['synth', '--out', '{dir}/file/cohort', '--n', '1'],
    code: 2,
    message: /--out .*file\/cohort: a part of the path is a file, not a folder/,
  },
  // a full disk: exit 4 naming the file, no partial file, nothing else touched
  {
    name: 'convert onto a full disk',
    setup: () => {
      fault.at = 'write';
    },
    args: ['convert', ct, '{dir}/out.nii'],
    code: 4,
    message: /cannot write .*out\.nii: no space left on the device \(ENOSPC\)/,
    after: () => {
      fault.at = undefined;
    },
  },
  {
    name: 'synth onto a full disk',
    setup: () => {
      fault.at = 'write';
    },
    args: [
      'synth',
      '--out',
      '{dir}/c',
      '--n',
      '1',
      '--in-plane',
      '32',
      '--slices',
      '16-16',
      '--workers',
      '0',
    ],
    code: 4,
    message: /cannot write .*c\/images\/synth-0000\.nii\.gz: no space left on the device \(ENOSPC\)/,
    outputs: ['c'],
    after: () => {
      fault.at = undefined;
    },
  },
];

describe('bad input to the readers and writers (inspect, convert, predict, train, synth)', () => {
  it.concurrent.each(guarded.map((r) => [r.name, { ...r, subprocess: true, timeoutMs: 45_000 }] as const))(
    '%s',
    (_name, row) => checkBadInputRow(row),
    60_000,
  );
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    try {
      await checkBadInputRow(row);
    } finally {
      fault.at = undefined;
    }
  });

  describe('input through an anonymous pipe (was ESPIPE, exit 1)', () => {
    let holder: ChildProcess;
    let pipe: string;
    beforeAll(async () => {
      // `cmd | deepsc inspect /dev/stdin` hands deepsc a pipe: bash holds one as fd 3, seen through /proc
      holder = spawn('bash', ['-c', 'exec 3< <(sleep 60); exec sleep 60'], { stdio: 'ignore' });
      pipe = `/proc/${holder.pid}/fd/3`;
      for (let t = 0; t < 100 && !statSync(pipe, { throwIfNoEntry: false })?.isFIFO(); t++)
        await new Promise((res) => setTimeout(res, 20));
    });
    afterAll(() => void holder.kill());
    it.each([
      ['inspect', () => ['inspect', pipe]],
      ['convert', () => ['convert', pipe, '{dir}/out.nii']],
      ['predict', () => predict(pipe)],
    ])('%s', (_name, args) =>
      checkBadInputRow({
        name: 'pipe',
        args: args(),
        code: 3,
        message: /fd\/3: is a pipe \(FIFO\), not a regular file/,
      }),
    );
  });
});
