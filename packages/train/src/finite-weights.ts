/**
 * The check that a loaded network's weights are all finite numbers: a checkpoint saved after
 * the training diverged holds NaN or infinite weights, and a network with them gives confident
 * nonsense (or NaN probabilities), so loading refuses it naming the tensors and how many of
 * their values are not finite.
 * @module
 */
import type { CompiledModel } from '@deepsc/core';
import { CheckpointError } from './checkpoint.js';
import { countNonFinite } from './non-finite.js';

/** A parameter or state tensor with non-finite values. */
export interface NonFiniteTensor {
  name: string;
  /** Values that are NaN or infinite. */
  nonFinite: number;
  /** Values in the tensor. */
  size: number;
}

/**
 * Every parameter and state tensor of `model` holding NaN or infinite values, in the network's
 * order, with how many of its values are: the engine finds them (`nonFiniteParameters`, one
 * reduction per tensor on the model's device) and only those are copied out to be counted.
 */
export function nonFiniteTensors(model: CompiledModel): NonFiniteTensor[] {
  const out: NonFiniteTensor[] = [];
  for (const name of model.nonFiniteParameters()) {
    const t = model.parameter(name);
    try {
      const bad = countNonFinite(t.data);
      if (bad > 0) out.push({ name, nonFinite: bad, size: t.data.length });
    } finally {
      t.dispose();
    }
  }
  return out;
}

/** Tensors named in the message before "and N more". */
const SHOWN = 3;

/**
 * Throws unless every weight of `model` (loaded from the checkpoint `path`) is finite.
 * @throws CheckpointError naming the first tensors with non-finite values, how many of their
 *   values are, and the totals over the model.
 */
export function assertFiniteWeights(model: CompiledModel, path: string): void {
  const bad = nonFiniteTensors(model);
  if (bad.length === 0) return;
  const total = bad.reduce((s, t) => s + t.nonFinite, 0);
  const shown = bad
    .slice(0, SHOWN)
    .map((t) => `'${t.name}' (${t.nonFinite} of ${t.size})`)
    .join(', ');
  const more = bad.length > SHOWN ? ` and ${bad.length - SHOWN} more tensor(s)` : '';
  throw new CheckpointError(
    path,
    `${total} weight value(s) are NaN or infinite, in ${shown}${more}; the training diverged before this checkpoint was saved: use an earlier checkpoint`,
  );
}
