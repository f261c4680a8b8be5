/**
 * A small synthetic run folder in the documented layout (run.json, metrics.jsonl,
 * predictions.json, scans/<id>/*.nii.gz): six 48 x 40 x 20 scans, two per class, with
 * multifocal peripheral ground-glass lesions for COVID-19 and one consolidation for CAP. It
 * shows the exact format a training run writes, and drives the report and CLI tests.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createVolume, scaledAffine, writeNifti } from '@deepsc/io';

/** The classes of the example run. */
export const exampleRunClasses = ['COVID-19', 'CAP', 'non-pneumonia'] as const;
const classes = exampleRunClasses;
const dims = [48, 40, 20] as const;
const spacing = [4, 4, 8] as const;

type Blob = { c: [number, number, number]; r: number };

function field(
  f: (i: number, j: number, k: number) => number,
  T: Float32ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor,
) {
  const [ni, nj, nk] = dims;
  const a = new T(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) a[i + ni * (j + nj * k)] = f(i, j, k);
  return a;
}

const inBlob = (b: Blob, i: number, j: number, k: number) =>
  ((i - b.c[0]) / b.r) ** 2 + ((j - b.c[1]) / b.r) ** 2 + ((k - b.c[2]) / (b.r / 2)) ** 2 <= 1;
const inLung = (i: number, j: number, k: number) =>
  ((i - 14) / 9) ** 2 + ((j - 20) / 13) ** 2 + ((k - 10) / 9) ** 2 <= 1 ||
  ((i - 34) / 9) ** 2 + ((j - 20) / 13) ** 2 + ((k - 10) / 9) ** 2 <= 1;
const inBody = (i: number, j: number) => ((i - 24) / 23) ** 2 + ((j - 20) / 19) ** 2 <= 1;

/** Scans: class, lesion blobs (HU of each), and the prediction's shift in voxels. */
const scans: { id: string; label: number; blobs: (Blob & { hu: number })[]; shift: number; p: number[] }[] = [
  {
    id: 'covid-01',
    label: 0,
    blobs: [
      { c: [8, 14, 8], r: 3, hu: -700 },
      { c: [40, 26, 12], r: 3, hu: -650 },
      { c: [9, 28, 13], r: 2.5, hu: -720 },
    ],
    shift: 1,
    p: [0.8, 0.15, 0.05],
  },
  {
    id: 'covid-02',
    label: 0,
    blobs: [
      { c: [38, 12, 6], r: 3, hu: -680 },
      { c: [10, 24, 14], r: 3, hu: -600 },
    ],
    shift: 0,
    p: [0.55, 0.35, 0.1],
  },
  { id: 'cap-01', label: 1, blobs: [{ c: [16, 20, 10], r: 4, hu: 40 }], shift: 1, p: [0.3, 0.6, 0.1] },
  { id: 'cap-02', label: 1, blobs: [{ c: [33, 18, 9], r: 4, hu: -200 }], shift: 0, p: [0.5, 0.4, 0.1] },
  { id: 'normal-01', label: 2, blobs: [], shift: 0, p: [0.1, 0.2, 0.7] },
  { id: 'normal-02', label: 2, blobs: [], shift: 0, p: [0.2, 0.1, 0.7] },
];

/**
 * Writes the example run folder (creating it) and returns its scan ids.
 * @param withScans `all` (default) writes every volume; `none` only the JSON files.
 * @throws the fs error when the folder cannot be written.
 */
export async function writeExampleRun(folder: string, withScans: 'all' | 'none' = 'all'): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, 'run.json'),
    JSON.stringify({
      name: 'synthetic',
      classes,
      config: { epochs: 5, lr: 0.002 },
      notes: 'A synthetic run for tests.',
    }),
  );
  const log: string[] = [];
  for (let e = 1; e <= 5; e++) {
    log.push(JSON.stringify({ epoch: e, split: 'train', loss: 1.2 / e, dice: 0.5 + 0.07 * e, lr: 0.002 }));
    log.push(
      JSON.stringify({
        epoch: e,
        split: 'val',
        loss: 1.3 / e + 0.05,
        dice: 0.45 + 0.06 * e,
        accuracy: 0.4 + 0.08 * e,
      }),
    );
  }
  await writeFile(join(folder, 'metrics.jsonl'), `${log.join('\n')}\n`);
  await writeFile(
    join(folder, 'predictions.json'),
    JSON.stringify({ scans: scans.map((s) => ({ id: s.id, label: classes[s.label], probabilities: s.p })) }),
  );
  if (withScans === 'none') return scans.map((s) => s.id);
  const affine = scaledAffine(spacing, [-96, -80, -80]);
  for (const s of scans) {
    const dir = join(folder, 'scans', s.id);
    await mkdir(dir, { recursive: true });
    const lesionAt = (i: number, j: number, k: number, d: number) =>
      s.blobs.find((b) => inBlob({ ...b, c: [b.c[0] + d, b.c[1], b.c[2]] }, i, j, k));
    const ct = field((i, j, k) => {
      const b = lesionAt(i, j, k, 0);
      if (b && inLung(i, j, k)) return b.hu + ((i * 7 + j * 13 + k * 3) % 40) - 20;
      if (inLung(i, j, k)) return -860 + ((i * 5 + j * 3 + k) % 30);
      return inBody(i, j) ? 40 : -1000;
    }, Int16Array);
    const v = (data: Float32Array | Uint8Array | Int16Array) => createVolume(data, dims, affine);
    await writeNifti(join(dir, 'ct.nii.gz'), v(ct));
    await writeNifti(join(dir, 'lung.nii.gz'), v(field((i, j, k) => (inLung(i, j, k) ? 1 : 0), Uint8Array)));
    await writeNifti(
      join(dir, 'truth.nii.gz'),
      v(field((i, j, k) => (lesionAt(i, j, k, 0) && inLung(i, j, k) ? 1 : 0), Uint8Array)),
    );
    await writeNifti(
      join(dir, 'prediction.nii.gz'),
      v(field((i, j, k) => (lesionAt(i, j, k, s.shift) && inLung(i, j, k) ? 1 : 0), Uint8Array)),
    );
    await writeNifti(
      join(dir, 'evidence.nii.gz'),
      v(
        field(
          (i, j, k) =>
            s.blobs.reduce(
              (a, b) => a + Math.exp(-(((i - b.c[0]) ** 2 + (j - b.c[1]) ** 2 + (k - b.c[2]) ** 2) / 40)),
              0,
            ),
          Float32Array,
        ),
      ),
    );
  }
  return scans.map((s) => s.id);
}
