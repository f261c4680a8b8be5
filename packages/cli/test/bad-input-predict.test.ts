/**
 * The bad-input table of `deepsc predict`, `eval` and `report`: non-finite weights, voxels and
 * outputs, scans too small or with implausible voxel sizes, masks off the image's grid, output
 * folders that cannot take the results, leftovers of a killed write, bootstrap resamples past
 * the cap, report folders, and input through a pipe. One row per case: the command, its exit
 * code, a fragment of its message, and the sandbox check (nothing outside the row's outputs
 * changed, no partial file anywhere).
 */
import { execFileSync } from 'node:child_process';
import { cp, lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeExampleRun } from '@deepsc/eval';
import { createVolume, readNifti, writeNifti } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BadInputRow, checkBadInputRow } from './support/bad-input.js';
import {
  floatCopy,
  poisonCheckpoint,
  predictArgs,
  smallScan,
  writeTinyCheckpoint,
} from './support/predict-fixture.js';
import { runCli } from './support/run-cli.js';

/** The shared fixtures (checkpoints, scans, masks, a run folder, an earlier prediction), made once. */
const fx = join(tmpdir(), `deepsc-bad-input-predict-${process.pid}`);
const ck = join(fx, 'ck');
const ct = join(fx, 'ct.nii.gz');
const lung = join(fx, 'lung.nii.gz');
/** A prediction made with the good checkpoint, copied into sandboxes as "earlier results". */
const previous = join(fx, 'previous');
/** A 4-slice DICOM series of pydicom's (implicit VR little endian, 2.5 mm apart). */
const dicomSeries = join(dirname(fileURLToPath(import.meta.url)), '../../io/test/fixtures/dicom/implicit_le');

/** A process id no process can have (above Linux's pid_max of 2^22): a killed writer's. */
const deadPid = 99999999;

beforeAll(async () => {
  await mkdir(fx, { recursive: true });
  await writeTinyCheckpoint(ck);
  // a blow-up on the last step leaves some weights NaN (two values of one tensor here), or all of them
  await poisonCheckpoint(ck, join(fx, 'ck-some-nan'), (name, v) => {
    if (name === 'classifier.block1.conv1.weight') {
      v[0] = Number.NaN;
      v[v.length - 1] = Number.NaN;
    }
  });
  await poisonCheckpoint(ck, join(fx, 'ck-all-nan'), (_n, v) => v.fill(Number.NaN));
  await poisonCheckpoint(ck, join(fx, 'ck-inf'), (name, v) => {
    if (name === 'lesion.enc1.conv1.weight') v[0] = Number.POSITIVE_INFINITY;
  });
  // finite weights so large that the activations overflow: the weight check passes, the output check does not
  await poisonCheckpoint(ck, join(fx, 'ck-huge'), (_n, v) => v.fill(3e38));

  const scan = smallScan();
  await writeNifti(ct, scan.ct);
  await writeNifti(lung, scan.lung);
  const nan3 = floatCopy(scan.ct, (d) => {
    d[0] = Number.NaN;
    d[100] = Number.NaN;
    d[d.length - 1] = Number.NaN;
  });
  await writeNifti(join(fx, 'ct-nan.nii.gz'), nan3);
  await writeNifti(
    join(fx, 'ct-inf.nii.gz'),
    floatCopy(scan.ct, (d) => {
      d[5] = Number.NEGATIVE_INFINITY;
    }),
  );
  const [ni, nj, nk] = scan.ct.dims;
  const a = scan.ct.affine;
  await writeNifti(join(fx, 'one-voxel.nii.gz'), createVolume(new Int16Array([-500]), [1, 1, 1]));
  // the middle slice alone, with its lung mask: a 2D image
  const mid = Math.floor(nk / 2) * ni * nj;
  await writeNifti(
    join(fx, 'slice.nii.gz'),
    createVolume(scan.ct.data.slice(mid, mid + ni * nj), [ni, nj, 1], a),
  );
  await writeNifti(
    join(fx, 'slice-lung.nii.gz'),
    createVolume(scan.lung.data.slice(mid, mid + ni * nj), [ni, nj, 1], a),
  );
  const scaled = (k: number) =>
    a.map((r, i) => (i < 3 ? [r[0] * k, r[1] * k, r[2] * k, r[3]] : r)) as unknown as typeof a;
  await writeNifti(
    join(fx, 'huge-voxels.nii.gz'),
    createVolume(scan.ct.data, scan.ct.dims, scaled(1e30 / 20)),
  );
  await writeNifti(join(fx, 'tiny-voxels.nii.gz'), createVolume(scan.ct.data, scan.ct.dims, scaled(1e-4)));
  // masks with the scan's dims on another grid (spacing, origin) and with other dims
  const stretched = a.map((r, i) => (i === 2 ? [r[0], r[1], r[2] * 1.5, r[3]] : r)) as unknown as typeof a;
  await writeNifti(join(fx, 'lung-spacing.nii.gz'), createVolume(scan.lung.data, scan.lung.dims, stretched));
  const moved = a.map((r, i) => (i === 0 ? [r[0], r[1], r[2], r[3] + 40] : r)) as unknown as typeof a;
  await writeNifti(join(fx, 'lung-origin.nii.gz'), createVolume(scan.lung.data, scan.lung.dims, moved));
  await writeNifti(
    join(fx, 'lung-dims.nii.gz'),
    createVolume(scan.lung.data.slice(0, ni * nj * (nk - 1)), [ni, nj, nk - 1], a),
  );
  await writeExampleRun(join(fx, 'run'));
  const made = await runCli('predict', '--model', ck, '--input', ct, '--out', previous);
  expect(made.code, made.err).toBe(0);
});

afterAll(async () => {
  await rm(fx, { recursive: true, force: true });
});

const predict = (input: string, ...more: string[]) => predictArgs(ck, input, ...more);
const withModel = (model: string) => [
  'predict',
  '--model',
  join(fx, model),
  '--input',
  ct,
  '--out',
  '{dir}/pred',
];
const copyPrevious = (to: string) => async (dir: string) => {
  await cp(previous, join(dir, to), { recursive: true });
};
const predictionJson = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'pred', 'prediction.json'), 'utf8')) as Record<string, unknown>;

const rows: BadInputRow[] = [
  // weights
  {
    name: 'predict with a checkpoint holding some NaN weights',
    args: withModel('ck-some-nan'),
    code: 3,
    message: /ck-some-nan: .*NaN or infinite.*classifier\.block1\.conv1\.weight.*use an earlier/,
  },
  {
    name: 'predict with a checkpoint whose every weight is NaN',
    args: withModel('ck-all-nan'),
    code: 3,
    message: /ck-all-nan: .*NaN or infinite.*stem_whole\.branch1\.weight.*use an earlier/,
  },
  {
    name: 'predict with an infinite weight',
    args: withModel('ck-inf'),
    code: 3,
    message: /ck-inf: .*NaN or infinite.*lesion\.enc1\.conv1\.weight.*use an earlier/,
  },
  {
    name: 'predict with finite weights that overflow to a NaN output',
    args: withModel('ck-huge'),
    code: 3,
    message: /the network's output is not finite \(\d+ of \d+ .* are NaN or infinite\)/,
  },
  // voxels
  {
    name: 'predict a scan with NaN voxels',
    args: predict(join(fx, 'ct-nan.nii.gz')),
    code: 3,
    message:
      '3 of 16384 voxels of the scan are NaN or infinite; to read them as air (-1000 HU) instead, use --non-finite-voxels replace',
  },
  {
    name: 'predict a scan with an infinite voxel',
    args: predict(join(fx, 'ct-inf.nii.gz')),
    code: 3,
    message: '1 of 16384 voxels of the scan are NaN or infinite',
  },
  {
    name: 'predict a scan with NaN voxels read as air, warned and counted',
    args: predict(join(fx, 'ct-nan.nii.gz'), '--non-finite-voxels', 'replace'),
    code: 0,
    message: 'warning: ' + join(fx, 'ct-nan.nii.gz') + ': 3 NaN or infinite voxel(s) read as -1000 HU',
    outputs: ['pred'],
    after: async (run, dir) => {
      const j = await predictionJson(dir);
      expect(j.nonFiniteVoxels).toEqual({ count: 3, replacedWithHu: -1000 });
      expect(j.classes).toContain(j.predictedClass);
      expect(run.out).toContain('wrote');
    },
  },
  {
    name: 'predict with an unknown --non-finite-voxels policy',
    args: predict(ct, '--non-finite-voxels', 'zero'),
    code: 2,
    message: "--non-finite-voxels must be error or replace, got 'zero'",
  },
  // sizes
  {
    name: 'predict a 1x1x1 volume',
    args: predict(join(fx, 'one-voxel.nii.gz')),
    code: 3,
    message: 'the scan is 1x1x1 voxels; this network needs at least 4x4x4 (a 3D CT volume, not a slice)',
  },
  {
    name: 'predict a 2D image with its lung mask',
    args: predict(join(fx, 'slice.nii.gz'), '--lung', join(fx, 'slice-lung.nii.gz')),
    code: 3,
    message: 'the scan is 32x32x1 voxels; this network needs at least 4x4x4',
  },
  {
    name: 'predict a scan with voxels of 1e30 mm',
    args: predict(join(fx, 'huge-voxels.nii.gz')),
    code: 3,
    message: /the scan's voxel size \[[\d.e+, ]+\] mm lies outside \[0\.01, 50\] mm/,
  },
  {
    name: 'predict a scan with voxels of a thousandth of a mm',
    args: predict(join(fx, 'tiny-voxels.nii.gz')),
    code: 3,
    message: /voxel size \[0\.00136212, 0\.00136212, 0\.00198434\] mm lies outside \[0\.01, 50\] mm/,
  },
  // masks on another grid
  {
    name: 'predict with a lung mask of the same dims and another slice spacing',
    args: predict(ct, '--lung', join(fx, 'lung-spacing.nii.gz')),
    code: 3,
    message: `${join(fx, 'lung-spacing.nii.gz')} is not on the grid of ${ct}: affine row 2`,
  },
  {
    name: 'predict with a lung mask of the same dims and spacing and another origin',
    args: predict(ct, '--lung', join(fx, 'lung-origin.nii.gz')),
    code: 3,
    message: `${join(fx, 'lung-origin.nii.gz')} is not on the grid of ${ct}: affine row 0`,
  },
  {
    name: 'predict with a lung mask of other dims',
    args: predict(ct, '--lung', join(fx, 'lung-dims.nii.gz')),
    code: 3,
    message: `${join(fx, 'lung-dims.nii.gz')} is not on the grid of ${ct}: dims [32, 32, 15] vs [32, 32, 16]`,
  },
  {
    name: 'eval with a truth mask on another grid',
    args: ['eval', '--pred', lung, '--truth', join(fx, 'lung-spacing.nii.gz')],
    code: 3,
    message: `${lung} is not on the grid of ${join(fx, 'lung-spacing.nii.gz')}`,
  },
  // the output folder
  {
    name: 'predict --out pointing at a file, refused before the checkpoint is even read',
    setup: (dir) => writeFile(join(dir, 'pred'), 'keep me'),
    args: ['predict', '--model', '{dir}/no-such-checkpoint', '--input', ct, '--out', '{dir}/pred'],
    code: 2,
    message: '/pred: exists and is not a folder; give a folder for the outputs',
  },
  {
    name: 'predict --out below a file',
    setup: (dir) => writeFile(join(dir, 'file'), 'keep me'),
    args: ['predict', '--model', ck, '--input', ct, '--out', '{dir}/file/pred'],
    code: 2,
    message: 'a part of the path is a file, not a folder',
  },
  {
    name: 'predict into a folder holding an earlier prediction, without --overwrite',
    setup: copyPrevious('pred'),
    args: predict(ct),
    code: 2,
    message: /pred: already holds a prediction \(evidence\.nii\.gz, .*\); pass --overwrite to replace it/,
  },
  {
    name: 'predict --overwrite into a folder of other files',
    setup: async (dir) => {
      await mkdir(join(dir, 'pred'));
      await writeFile(join(dir, 'pred', 'notes.txt'), 'my notes');
      await writeFile(join(dir, 'pred', 'prediction.json'), '{}');
    },
    args: predict(ct, '--overwrite'),
    code: 2,
    message: 'holds files that are not a deepsc prediction (notes.txt); give a new or empty folder',
  },
  {
    name: 'predict --overwrite replaces an earlier prediction whole',
    setup: async (dir) => {
      await copyPrevious('pred')(dir);
      await writeFile(join(dir, 'pred', 'prediction.json'), '{"stale": true}');
    },
    args: predict(ct, '--overwrite', '--threshold', '0.3'),
    code: 0,
    outputs: ['pred'],
    after: async (_run, dir) => {
      const j = await predictionJson(dir);
      expect(j.threshold).toBe(0.3);
      expect(j.stale).toBeUndefined();
    },
  },
  {
    name: 'predict into an empty folder',
    setup: (dir) => mkdir(join(dir, 'pred')),
    args: predict(ct),
    code: 0,
    outputs: ['pred'],
    after: async (_run, dir) => expect((await predictionJson(dir)).threshold).toBe(0.5),
  },
  {
    name: 'predict --overwrite through a symlink replaces the folder it points to and keeps the link',
    setup: async (dir) => {
      await copyPrevious('real')(dir);
      await writeFile(join(dir, 'real', 'prediction.json'), '{"stale": true}');
      await symlink('real', join(dir, 'pred'));
    },
    args: predict(ct, '--overwrite'),
    code: 0,
    outputs: ['real'],
    after: async (_run, dir) => {
      expect((await lstat(join(dir, 'pred'))).isSymbolicLink()).toBe(true);
      expect((await predictionJson(dir)).stale).toBeUndefined();
    },
  },
  {
    name: "predict clears a killed write's temporary folder",
    setup: async (dir) => {
      await mkdir(join(dir, `.pred.tmp-${deadPid}`));
      await writeFile(join(dir, `.pred.tmp-${deadPid}`, 'lesion_mask.nii.gz'), 'half');
    },
    args: predict(ct),
    code: 0,
    outputs: ['pred', `.pred.tmp-${deadPid}`],
  },
  {
    name: 'predict restores the earlier results a killed write had moved aside, and keeps them without --overwrite',
    setup: copyPrevious(`.pred.old-${deadPid}`),
    args: predict(ct),
    code: 2,
    message: 'already holds a prediction',
    outputs: ['pred', `.pred.old-${deadPid}`],
    after: async (_run, dir) => {
      expect(await readFile(join(dir, 'pred', 'prediction.json'), 'utf8')).toBe(
        await readFile(join(previous, 'prediction.json'), 'utf8'),
      );
    },
  },
  {
    name: 'predict --uneven-spacing warn says its warning once',
    setup: async (dir) => {
      // the third slice moved 1 mm along the normal: gaps 2.5, 3.5, 1.5 mm
      await cp(dicomSeries, join(dir, 'uneven'), { recursive: true });
      const f = join(dir, 'uneven', 'IM0002.dcm');
      const b = Buffer.from(await readFile(f));
      const at = b.indexOf('-120.0000\\-95.5000\\-200.0000');
      expect(at).toBeGreaterThan(0);
      b.write('-120.0000\\-95.5000\\-201.0000', at);
      await writeFile(f, b);
    },
    args: predict('{dir}/uneven', '--uneven-spacing', 'warn'),
    // read with a warning, then refused: no lung in a 6x5-pixel phantom
    code: 3,
    message: 'no lung found',
    after: (run) => expect(run.err.match(/warning: .*uneven slice spacing/g)).toHaveLength(1),
  },
  // eval and report
  {
    name: 'eval --resamples 1e9',
    args: ['eval', '--predictions', join(fx, 'run', 'predictions.json'), '--resamples', '1e9'],
    code: 2,
    message: '--resamples must be an integer from 1 to 100000, got 1e9',
  },
  {
    name: 'report --resamples 1e9',
    args: ['report', join(fx, 'run'), '--out', '{dir}/r.html', '--resamples', '1e9'],
    code: 2,
    message: '--resamples must be an integer from 1 to 100000, got 1e9',
  },
  {
    name: 'report --out into a missing folder creates it',
    args: [
      'report',
      join(fx, 'run'),
      '--out',
      '{dir}/new/sub/report.html',
      '--resamples',
      '20',
      '--max-scans',
      '0',
    ],
    code: 0,
    outputs: ['new'],
    after: async (_run, dir) =>
      expect(await readFile(join(dir, 'new', 'sub', 'report.html'), 'utf8')).toContain('<html'),
  },
  {
    name: 'report --out below a file',
    setup: (dir) => writeFile(join(dir, 'file'), 'keep me'),
    args: [
      'report',
      join(fx, 'run'),
      '--out',
      '{dir}/file/report.html',
      '--resamples',
      '20',
      '--max-scans',
      '0',
    ],
    code: 2,
    message: '/file/report.html: a part of the path is a file, not a folder',
  },
  {
    name: 'report --out naming a folder',
    setup: (dir) => mkdir(join(dir, 'out')),
    args: ['report', join(fx, 'run'), '--out', '{dir}/out', '--resamples', '20', '--max-scans', '0'],
    code: 2,
    message: '/out is a folder; give the HTML file to write',
  },
  // pipes: refused from an fstat of a non-blocking open, so no read can hang and the rows run in-process
  {
    name: 'predict with the input through a pipe (FIFO)',
    setup: (dir) => void execFileSync('mkfifo', [join(dir, 'fifo')]),
    args: predict('{dir}/fifo'),
    code: 3,
    message: /fifo: is a pipe \(FIFO\), not a regular file/,
  },
  {
    name: 'predict with the lung mask through a pipe (FIFO)',
    setup: (dir) => void execFileSync('mkfifo', [join(dir, 'fifo')]),
    args: predict(ct, '--lung', '{dir}/fifo'),
    code: 3,
    message: /fifo: is a pipe \(FIFO\), not a regular file/,
  },
  {
    name: 'predict with /dev/zero as the lung mask',
    args: predict(ct, '--lung', '/dev/zero'),
    code: 3,
    message: '/dev/zero: is a character device, not a regular file',
  },
  {
    name: 'predict with /dev/zero as the input',
    args: predict('/dev/zero'),
    code: 3,
    message: '/dev/zero: is a character device, not a regular file',
  },
];

describe('bad input to predict, eval and report', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => checkBadInputRow(row));

  it('a refused prediction leaves the earlier results byte for byte', async () => {
    // the NaN-voxel refusal happens after the checkpoint and the scan are read: the earlier files stay as they were
    const dir = join(fx, 'keep');
    await cp(previous, join(dir, 'pred'), { recursive: true });
    const before = await readNifti(join(dir, 'pred', 'lesion_mask.nii.gz'));
    const r = await runCli(
      'predict',
      '--model',
      ck,
      '--input',
      join(fx, 'ct-nan.nii.gz'),
      '--out',
      join(dir, 'pred'),
      '--overwrite',
    );
    expect(r.code).toBe(3);
    const after = await readNifti(join(dir, 'pred', 'lesion_mask.nii.gz'));
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
    expect(await readFile(join(dir, 'pred', 'prediction.json'), 'utf8')).toBe(
      await readFile(join(previous, 'prediction.json'), 'utf8'),
    );
  });

  it('the earlier prediction is a real one (the fixture the folder rows copy)', async () => {
    const j = JSON.parse(await readFile(join(previous, 'prediction.json'), 'utf8'));
    expect(j.nonFiniteVoxels).toEqual({ count: 0, replacedWithHu: null });
    expect(j.probabilities.every((p: unknown) => typeof p === 'number')).toBe(true);
    expect((await readNifti(join(previous, 'lesion_mask.nii.gz'))).dims).toEqual([32, 32, 16]);
  });
});
