/**
 * The U-Net in nnU-Net's 3d_fullres style (`PlainConvUNet`): an encoder of stages of conv blocks
 * (3x3x3 convolution, instance norm, leaky ReLU 0.01), downsampling by the first conv's stride;
 * a decoder of transposed convolutions (kernel = stride), skip concatenation and conv blocks;
 * 1x1x1 segmentation heads (background, lesion) on the decoder outputs that deep supervision
 * weighs; He initialisation (a = 0.01), biases zero. Built from core's layer library; the loss is
 * core's deep-supervised Dice + CE, in the graph.
 *
 * Graph inputs: `image` `[1, 1, ...patchSize]` (inference: `[windowBatch, 1, ...patchSize]`) and, training, `target` `[1, 1, ...patchSize]`
 * (0 / 1). Outputs: `logits` `[1, 2, ...patchSize]`; training also `loss`, `dice` and `ce` (the
 * full-resolution terms).
 * @module
 */
import {
  type CompiledModel,
  type CreateModelOptions,
  decoderStage,
  deepSupervisedDiceCrossEntropy,
  encoderStage,
  GraphBuilder,
  type GraphValue,
  kaimingNormal,
  type ModelInstance,
  segmentationHead,
  windowBatchOf,
} from '@deepsc/core';
import type { Unet3dConfig } from './config.js';

/** Output classes: background and lesion. */
export const CLASSES = 2;

/** Graph names. */
export const NAMES = {
  image: 'image',
  target: 'target',
  logits: 'logits',
  loss: 'loss',
  dice: 'dice',
  ce: 'ce',
} as const;

/** A built U-Net. */
export interface Unet3dInstance extends ModelInstance<Unet3dConfig> {
  readonly mode: 'train' | 'infer';
}

/**
 * Declares the U-Net on `g` for `image` and returns the logits of the supervised decoder
 * outputs (deep-supervision weight > 0), full resolution first. Parameters:
 * `encoder.stage<i>.conv<j>.*`, `decoder.stage<i>.up.*`, `decoder.stage<i>.conv<j>.*`,
 * `decoder.head<i>.*`. Training and inference graphs declare the same parameters (an inference
 * graph's lower heads feed no output), so a checkpoint of either loads into the other.
 */
export function buildUnet3d(g: GraphBuilder, c: Unet3dConfig, image: GraphValue): GraphValue[] {
  const block = {
    norm: 'instance',
    activation: 'leaky_relu',
    slope: 0.01,
    init: kaimingNormal({ a: 0.01 }),
  } as const;
  const skips: GraphValue[] = [];
  let x = image;
  for (const [i, width] of c.widths.entries()) {
    x = encoderStage(g, `encoder.stage${i}`, x, width, {
      ...block,
      stride: c.strides[i] as readonly [number, number, number],
      convs: c.convsPerStage,
    });
    skips.push(x);
  }
  const heads: GraphValue[] = [];
  for (let i = c.widths.length - 2; i >= 0; i--) {
    x = decoderStage(g, `decoder.stage${i}`, x, skips[i] as GraphValue, c.widths[i] as number, {
      ...block,
      convs: c.convsPerStage,
    });
    const weight = c.supervision[i] ?? 0;
    if (i === 0 || weight > 0) heads.unshift(segmentationHead(g, `decoder.head${i}`, x, CLASSES, block.init));
  }
  return heads;
}

/**
 * Builds and compiles the U-Net: with `mode: 'train'` the deep-supervised loss in the graph
 * and the optimizer; with `infer` the forward to `logits` only.
 * @param shareParametersWith - another U-Net's model whose parameters this one uses (an
 *   inference graph beside a training one).
 */
export function createUnet3d(
  c: Unet3dConfig,
  options: CreateModelOptions,
  shareParametersWith?: CompiledModel,
): Unet3dInstance {
  const train = options.mode === 'train';
  const g = new GraphBuilder({ seed: options.seed });
  // an inference graph takes `windowBatch` windows per call
  const image = g.input(NAMES.image, [windowBatchOf(options, 'unet3d'), 1, ...c.patchSize]);
  const heads = buildUnet3d(g, c, image);
  g.output(NAMES.logits, heads[0] as GraphValue);
  if (train) {
    const target = g.input(NAMES.target, [1, 1, ...c.patchSize]);
    const weights = c.supervision.filter((w, i) => i === 0 || w > 0);
    const ds = deepSupervisedDiceCrossEntropy(g, heads, target, { ...c.loss, weights });
    const full = ds.levels[0];
    if (!full) throw new Error('unet3d: the full-resolution output has no loss (a weight of 0)');
    g.output(NAMES.dice, full.dice);
    g.output(NAMES.ce, full.ce);
    g.loss(ds.loss);
  }
  const model = g.compile({
    device: options.device,
    mode: options.mode,
    ...(options.precision ? { precision: options.precision } : {}),
    ...(train && options.optimizer ? { optimizer: options.optimizer } : {}),
    ...(train && options.memoryPlan ? options.memoryPlan : {}),
    ...(shareParametersWith ? { shareParametersWith } : {}),
  });
  return { config: c, model, mode: options.mode };
}
