/**
 * Configuration of DeepSC-COVID: sizes, widths, strides and the ablation variant, with
 * validation that names the bad field and says what would work.
 * @module
 */
import {
  cumulativeStrides,
  divide3,
  planStrides,
  type Size3,
  type StridePlan,
  validateStrides,
} from './strides.js';
import { VARIANTS, type Variant } from './variant.js';

export { VARIANTS, type Variant } from './variant.js';

/** Class order of the classifier's outputs. */
export const CLASS_NAMES = ['COVID-19', 'CAP', 'non-pneumonia'] as const;

/** DeepSC-COVID's configuration (all sizes `[D, H, W]` in voxels). */
export interface DeepScCovidConfig {
  /** Whole-scan (classification) input size; paper 48x256x256. */
  wholeSize: Size3;
  /** Patch (segmentation) input size; paper 24x256x256. Axes equal to `wholeSize` are taken to span the whole scan. */
  patchSize: Size3;
  /** Inception stem width (four branches of width/4); paper 32. */
  stemWidth: number;
  /** Lesion U-Net encoder widths; paper [32, 64, 128, 256]. The decoder uses the first three reversed. */
  unetWidths: readonly [number, number, number, number];
  /** Classification residual block widths; paper [64, 128, 256] (448 pooled features). */
  clsWidths: readonly [number, number, number];
  /** Channels of the 1x1x1 conv of the lesion-probability channel; default 1. */
  lesionWidth: number;
  /** GroupNorm groups; must divide every width. Default 8 (paper preset). */
  groups: number;
  /** Number of classes; 3 (COVID-19, CAP, non-pneumonia). */
  numClasses: number;
  /** Samples per step (both streams); default 1 (paper). One patch region is shared by the batch. */
  batch: number;
  /** Strides of the stem and the three levels; planned by {@link planStrides} when absent. */
  strides?: StridePlan;
  /** Ablation variant; default `joint`. */
  variant: Variant;
}

/** A validated configuration with its derived grids. */
export interface ResolvedConfig extends Required<DeepScCovidConfig> {
  /** Input voxels per feature cell at levels 0 (stem) to 3. */
  scales: readonly [Size3, Size3, Size3, Size3];
  /** Whole-scan feature grid at levels 0 to 3. */
  wholeGrids: readonly [Size3, Size3, Size3, Size3];
  /** Patch feature grid at levels 0 to 3. */
  patchGrids: readonly [Size3, Size3, Size3, Size3];
  /** Axes (0 = D, 1 = H, 2 = W) along which the patch may cover part of the whole scan. */
  regionAxes: readonly number[];
}

/**
 * Validates a configuration and derives its grids.
 * @throws RangeError naming the field, its value and what would be valid.
 */
export function resolveConfig(c: DeepScCovidConfig): ResolvedConfig {
  const int = (v: unknown, what: string, min = 1) => {
    if (!Number.isSafeInteger(v) || (v as number) < min)
      throw new RangeError(`config.${what} = ${String(v)} must be an integer >= ${min}`);
  };
  if (!VARIANTS.includes(c.variant))
    throw new RangeError(`config.variant '${String(c.variant)}' must be one of ${VARIANTS.join(', ')}`);
  int(c.stemWidth, 'stemWidth', 4);
  int(c.lesionWidth, 'lesionWidth');
  int(c.groups, 'groups');
  int(c.numClasses, 'numClasses', 2);
  int(c.batch, 'batch');
  if (c.stemWidth % 4 !== 0)
    throw new RangeError(`config.stemWidth = ${c.stemWidth} must be a multiple of 4 (four branches)`);
  if (!Array.isArray(c.unetWidths) || c.unetWidths.length !== 4)
    throw new RangeError(`config.unetWidths must be four widths, got [${String(c.unetWidths)}]`);
  if (!Array.isArray(c.clsWidths) || c.clsWidths.length !== 3)
    throw new RangeError(`config.clsWidths must be three widths, got [${String(c.clsWidths)}]`);
  const widths: [string, number][] = [
    ['stemWidth', c.stemWidth],
    ...c.unetWidths.map((w, i): [string, number] => [`unetWidths[${i}]`, w]),
    ...c.clsWidths.map((w, i): [string, number] => [`clsWidths[${i}]`, w]),
  ];
  for (const [what, w] of widths) {
    int(w, what);
    if (w % c.groups !== 0)
      throw new RangeError(
        `config.${what} = ${w} is not divisible by config.groups = ${c.groups} (GroupNorm)`,
      );
  }
  const strides = c.strides ?? planStrides(c.wholeSize, c.patchSize);
  validateStrides(c.wholeSize, c.patchSize, strides);
  const regionAxes = [0, 1, 2].filter((a) => c.wholeSize[a] !== c.patchSize[a]);
  const scales = cumulativeStrides(strides);
  const grids = (s: Size3) => scales.map((sc) => divide3(s, sc)) as unknown as [Size3, Size3, Size3, Size3];
  return {
    ...c,
    strides,
    scales,
    wholeGrids: grids(c.wholeSize),
    patchGrids: grids(c.patchSize),
    regionAxes,
  };
}
