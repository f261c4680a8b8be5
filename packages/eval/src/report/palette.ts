/**
 * Colours of the report: one per class (colour-blind-safe Okabe-Ito order) and one per series.
 * @module
 */

const okabeIto = ['#D55E00', '#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** The colour of series or class number `k` (cycling after eight). */
export function seriesColour(k: number): string {
  return okabeIto[((k % okabeIto.length) + okabeIto.length) % okabeIto.length] as string;
}
