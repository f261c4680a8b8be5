/**
 * Every CUDA-vs-CPU case table, one file per op (add yours here: one import, one list entry).
 */
import type { OpName } from '../../../lib/index.js';
import type { OpTable } from '../table.js';
import { add } from './add.js';
import { avgPool3d } from './avg_pool3d.js';
import { batchNorm } from './batch_norm.js';
import { concat } from './concat.js';
import { convTranspose3d } from './conv_transpose3d.js';
import { conv3d } from './conv3d.js';
import { crop } from './crop.js';
import { crossEntropy } from './cross_entropy.js';
import { focal } from './focal.js';
import { globalAvgPool } from './global_avg_pool.js';
import { groupNorm } from './group_norm.js';
import { instanceNorm } from './instance_norm.js';
import { leakyRelu } from './leaky_relu.js';
import { linear } from './linear.js';
import { logSoftmax } from './log_softmax.js';
import { maxPool3d } from './max_pool3d.js';
import { mse } from './mse.js';
import { mul } from './mul.js';
import { mulScalar } from './mul_scalar.js';
import { paste } from './paste.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { resize } from './resize.js';
import { scale } from './scale.js';
import { sigmoid } from './sigmoid.js';
import { slice } from './slice.js';
import { softDice } from './soft_dice.js';
import { softmax } from './softmax.js';

export const tables: OpTable<OpName>[] = [
  relu,
  leakyRelu,
  sigmoid,
  add,
  mul,
  mulScalar,
  scale,
  conv3d,
  mse,
  softDice,
  focal,
  crossEntropy,
  linear,
  globalAvgPool,
  logSoftmax,
  softmax,
  batchNorm,
  convTranspose3d,
  maxPool3d,
  avgPool3d,
  resize,
  crop,
  paste,
  concat,
  slice,
  reshape,
  groupNorm,
  instanceNorm,
] as OpTable<OpName>[];
