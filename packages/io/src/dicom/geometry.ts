/**
 * The geometry of a DICOM series: slices sorted along the slice normal, their spacing checked,
 * and the voxel-to-RAS affine.
 *
 * Voxel axes: i = column index (along the row direction cosine, ImageOrientationPatient[0:3]),
 * j = row index (along the column direction cosine, [3:6]), k = slice, in increasing position
 * along the normal row x column. DICOM patient coordinates are LPS; the affine is RAS (x and y
 * negated).
 * @module
 */
import { FormatError } from '../format-error.js';
import type { Affine } from '../volume.js';
import type { DicomSliceInfo } from './slice.js';

/** Options of {@link seriesGeometry}. */
export interface DicomGeometryOptions {
  /**
   * Slices not evenly spaced (a missing slice, a changed increment): `error` (default) throws;
   * `warn` uses the mean spacing and adds a warning (voxels between slices are then misplaced).
   */
  unevenSpacing?: 'error' | 'warn';
  /**
   * Slices shifted in-plane along the stack (gantry tilt): `warn` (default) keeps the exact
   * voxel positions in a sheared affine and adds a warning; `error` throws.
   */
  gantryTilt?: 'warn' | 'error';
  /** Relative tolerance on slice gaps; default 0.01 (1%). */
  spacingTolerance?: number;
}

/** Sorted slices and the affine of the volume they make. */
export interface SeriesGeometry<S extends DicomSliceInfo = DicomSliceInfo> {
  readonly slices: readonly S[];
  readonly affine: Affine;
  readonly dims: readonly [number, number, number];
  readonly warnings: readonly string[];
}

const cross = (a: readonly number[], b: readonly number[]): [number, number, number] => [
  (a[1] as number) * (b[2] as number) - (a[2] as number) * (b[1] as number),
  (a[2] as number) * (b[0] as number) - (a[0] as number) * (b[2] as number),
  (a[0] as number) * (b[1] as number) - (a[1] as number) * (b[0] as number),
];
const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/**
 * Sorts one series' slices by position along the slice normal, checks that they form a
 * regular stack, and computes the affine.
 *
 * @param slices - the slices of one series (any order).
 * @param options - see {@link DicomGeometryOptions}.
 * @param what - how to name the series in messages.
 * @throws FormatError for mixed sizes or orientations, duplicate positions, uneven spacing or
 * missing slices (unless `unevenSpacing: 'warn'`), gantry tilt with `gantryTilt: 'error'`.
 */
export function seriesGeometry<S extends DicomSliceInfo>(
  slices: readonly S[],
  options: DicomGeometryOptions = {},
  what = 'dicom series',
): SeriesGeometry<S> {
  const first = slices[0];
  if (!first) throw new FormatError('dicom', `${what}: no slices`);
  const warnings: string[] = [];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) {
      throw new FormatError(
        'dicom',
        `${what}: mixed image sizes (${first.rows}x${first.columns} in ${first.source}, ${s.rows}x${s.columns} in ${s.source})`,
      );
    }
    if (s.orientation.some((v, i) => Math.abs(v - (first.orientation[i] as number)) > 1e-4)) {
      throw new FormatError(
        'dicom',
        `${what}: mixed orientations ([${first.orientation.join(', ')}] in ${first.source}, [${s.orientation.join(', ')}] in ${s.source}); a localizer or a second stack may share the series`,
      );
    }
    if (
      Math.abs(s.pixelSpacing[0] - first.pixelSpacing[0]) > 1e-4 ||
      Math.abs(s.pixelSpacing[1] - first.pixelSpacing[1]) > 1e-4
    ) {
      throw new FormatError(
        'dicom',
        `${what}: mixed pixel spacings ([${first.pixelSpacing.join(', ')}] and [${s.pixelSpacing.join(', ')}] in ${s.source})`,
      );
    }
  }
  const row = first.orientation.slice(0, 3);
  const col = first.orientation.slice(3, 6);
  const normal = cross(row, col);
  const sorted = [...slices].sort((a, b) => dot(a.position, normal) - dot(b.position, normal));
  const along = sorted.map((s) => dot(s.position, normal));
  const n = sorted.length;
  let step: [number, number, number];
  if (n === 1) {
    const thickness = first.sliceThickness && first.sliceThickness > 0 ? first.sliceThickness : 1;
    warnings.push(`${what}: a single slice; its thickness ${thickness} mm is used as the slice spacing`);
    step = normal.map((v) => v * thickness) as [number, number, number];
  } else {
    const gaps = along.slice(1).map((p, i) => p - (along[i] as number));
    for (const [i, g] of gaps.entries()) {
      if (!(g > 1e-4)) {
        throw new FormatError(
          'dicom',
          `${what}: two slices at the same position ${along[i]?.toFixed(3)} mm along the normal (${sorted[i]?.source}, ${sorted[i + 1]?.source}); several acquisitions or echoes may share the series`,
        );
      }
    }
    // The smallest gap is the true spacing when slices are missing (the others are multiples of it).
    const typical = Math.min(...gaps);
    const tol = (options.spacingTolerance ?? 0.01) * typical + 1e-3;
    const bad = gaps.findIndex((g) => Math.abs(g - typical) > tol);
    if (bad >= 0) {
      const g = gaps[bad] as number;
      const missing = Math.round(g / typical) - 1;
      const message =
        missing >= 1 && Math.abs(g - (missing + 1) * typical) <= tol * (missing + 1)
          ? `${what}: ${missing} missing slice(s) between ${sorted[bad]?.source} and ${sorted[bad + 1]?.source} (gap ${g.toFixed(3)} mm, spacing ${typical.toFixed(3)} mm)`
          : `${what}: uneven slice spacing (gap ${g.toFixed(3)} mm between ${sorted[bad]?.source} and ${sorted[bad + 1]?.source}, typical ${typical.toFixed(3)} mm)`;
      if ((options.unevenSpacing ?? 'error') === 'error') {
        throw new FormatError(
          'dicom',
          `${message}; pass unevenSpacing: 'warn' to read it with the mean spacing`,
        );
      }
      warnings.push(`${message}; read with the mean spacing, so positions between slices are approximate`);
    }
    const p0 = sorted[0]?.position as readonly number[];
    const pn = sorted[n - 1]?.position as readonly number[];
    step = [0, 1, 2].map((a) => ((pn[a] as number) - (p0[a] as number)) / (n - 1)) as [
      number,
      number,
      number,
    ];
    // Every slice should lie on the line p0 + k * step; an in-plane drift is gantry tilt.
    const inPlane = Math.hypot(dot(step, row), dot(step, col));
    const alongNormal = dot(step, normal);
    const tilt = (Math.atan2(inPlane, alongNormal) * 180) / Math.PI;
    if (inPlane > 1e-3 * Math.abs(alongNormal) + 1e-4) {
      const message = `${what}: slices drift in-plane by ${inPlane.toFixed(3)} mm per slice (gantry tilt ${tilt.toFixed(2)}°)`;
      if (options.gantryTilt === 'error') throw new FormatError('dicom', message);
      warnings.push(`${message}; the affine is sheared so every voxel keeps its true position`);
    }
    for (const [k, s] of sorted.entries()) {
      const off = Math.hypot(
        ...[0, 1, 2].map((a) => (s.position[a] as number) - ((p0[a] as number) + k * (step[a] as number))),
      );
      if (
        off > tol + 0.01 * Math.hypot(...step) &&
        !warnings.some((w) => w.includes('uneven') || w.includes('missing'))
      ) {
        const message = `${what}: slice ${s.source} lies ${off.toFixed(3)} mm off the line through the first and last slices`;
        if ((options.unevenSpacing ?? 'error') === 'error')
          throw new FormatError('dicom', `${message}; pass unevenSpacing: 'warn' to read it anyway`);
        warnings.push(message);
        break;
      }
    }
  }
  const [dr, dc] = first.pixelSpacing;
  const p0 = sorted[0]?.position as readonly [number, number, number];
  // LPS columns: i along the row direction (spacing between columns), j along the column direction.
  const lps = [0, 1, 2].map(
    (a) => [(row[a] as number) * dc, (col[a] as number) * dr, step[a] as number, p0[a]] as const,
  );
  const flip = (r: readonly number[], sign: number) =>
    r.map((v) => (v === 0 ? 0 : sign * v)) as unknown as [number, number, number, number];
  const affine: Affine = [
    flip(lps[0] as readonly number[], -1),
    flip(lps[1] as readonly number[], -1),
    flip(lps[2] as readonly number[], 1),
    [0, 0, 0, 1],
  ];
  return { slices: sorted, affine, dims: [first.columns, first.rows, n], warnings };
}
