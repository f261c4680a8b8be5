import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the committed fixtures (made by fixtures/make_fixtures.py). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The shared real-CT folder, present on the development machine only. */
export const SHARED_LIDC = join(FIXTURES, '../../../../../shared/data/real-ct-lidc-crops/image');
export const hasSharedLidc = existsSync(SHARED_LIDC);

type Mat = number[][];

export interface ExpectedNifti {
  version: 1 | 2;
  shape: number[];
  dtype: string;
  byteorder: 'little' | 'big';
  slope: number | null;
  inter: number | null;
  affine: Mat;
  sformCode: number;
  qformCode: number;
  axcodes: string[];
  canonicalAffine: Mat;
  data?: number[] | null;
  canonicalData?: number[] | null;
  firstVolume?: number[];
}

export interface ExpectedDicom {
  transferSyntax: string;
  shape: [number, number, number];
  affine: Mat;
  data: number[];
  seriesInstanceUID: string;
  files: number;
}

export interface ExpectedLidc {
  shape: number[];
  dtype: string;
  affine: Mat;
  min: number;
  max: number;
  sum: number;
  axcodes: string[];
}

/** Values nibabel / pydicom / numpy computed for the fixtures. */
export const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  nifti: Record<string, ExpectedNifti>;
  dicom: Record<string, ExpectedDicom>;
  lidc: Record<string, ExpectedLidc>;
};

/** Largest absolute elementwise difference of two matrices. */
export function maxAbsDiff(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  let d = 0;
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs((a[r]?.[c] ?? NaN) - (b[r]?.[c] ?? NaN)));
  return Number.isNaN(d) ? Infinity : d;
}

/** Largest absolute (or relative, for values beyond 1) elementwise difference. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    d = Math.max(d, Math.abs(x - y) / Math.max(1, Math.abs(y)));
  }
  return d;
}
