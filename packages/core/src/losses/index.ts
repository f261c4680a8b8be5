/**
 * Losses as graph building blocks: they add nodes to a graph and return its values; the caller
 * declares the loss (`g.loss`) and any outputs.
 * @module
 */
export {
  type DeepSupervisedLoss,
  type DeepSupervisionOptions,
  deepSupervisedDiceCrossEntropy,
  deepSupervisionWeights,
} from './deep-supervision.js';
export {
  type DiceCrossEntropyOptions,
  type DiceCrossEntropyTerms,
  diceCrossEntropy,
  resolveDiceCrossEntropyOptions,
} from './dice-cross-entropy.js';
