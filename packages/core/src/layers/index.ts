/**
 * The layer library: the pieces 3D CNNs are built from, on the graph builder, with PyTorch's
 * parameter names and layouts. One concept per file.
 * @module
 */

export { classificationHead } from './classification-head.js';
export {
  type ActivationKind,
  type ConvBlockOptions,
  convBlock,
  type NormActivation,
  type NormKind,
} from './conv-block.js';
export { type DecoderStageOptions, decoderStage, type UpsampleKind } from './decoder-stage.js';
export { type EncoderStageOptions, encoderStage } from './encoder-stage.js';
export { residualBlock } from './residual-block.js';
export { segmentationHead } from './segmentation-head.js';
export { type Size3, size3 } from './size3.js';
