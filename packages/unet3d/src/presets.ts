/**
 * Named configurations of the U-Net. Every field can be overridden in the `model` section.
 * @module
 */
import type { Size3 } from './strides.js';

/** A preset's network and sampling. */
export interface Unet3dPreset {
  /** The grid `[D, H, W]` scans are prepared to (cropped to the lungs and resampled). */
  readonly scanSize: Size3;
  /** Training patch and inference window `[D, H, W]`. */
  readonly patchSize: Size3;
  /** Channels of the first stage; each later stage doubles them, up to `maxWidth`. */
  readonly baseWidth: number;
  readonly maxWidth: number;
  /** Most resolution stages (the encoder's depth); fewer when the patch cannot be halved further. */
  readonly maxStages: number;
  /** Conv blocks per encoder and decoder stage. */
  readonly convsPerStage: number;
  /** Share of patches forced to hold lesion (nnU-Net's oversampling: 1/3). */
  readonly foregroundProbability: number;
}

/** Preset names: `paper` (nnU-Net 3d_fullres widths), `cpu` (the synthetic cohort on 2 cores), `tiny` (tests). */
export type PresetName = 'paper' | 'cpu' | 'tiny';

/** The presets. */
export const PRESETS: Readonly<Record<PresetName, Unet3dPreset>> = {
  // DeepSC-COVID's paper grid; nnU-Net's widths 32 .. 320 and up to 6 stages.
  paper: {
    scanSize: [48, 256, 256],
    patchSize: [48, 192, 192],
    baseWidth: 32,
    maxWidth: 320,
    maxStages: 6,
    convsPerStage: 2,
    foregroundProbability: 1 / 3,
  },
  // DeepSC-COVID's cpu grid (the same prepared cohort), one patch the size of the scan.
  cpu: {
    scanSize: [32, 64, 64],
    patchSize: [16, 64, 64],
    baseWidth: 8,
    maxWidth: 64,
    maxStages: 4,
    convsPerStage: 2,
    foregroundProbability: 1 / 3,
  },
  tiny: {
    scanSize: [8, 16, 16],
    patchSize: [8, 16, 16],
    baseWidth: 4,
    maxWidth: 8,
    maxStages: 3,
    convsPerStage: 1,
    foregroundProbability: 1 / 3,
  },
};
