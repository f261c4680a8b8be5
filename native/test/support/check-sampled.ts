/**
 * {@link checkOp} with fewer finite-difference probes: the forward is compared in full with
 * the float64 reference, the backward at `probes` evenly spaced elements of each input (every
 * element of small inputs). Each probe costs two evaluations of the reference on the whole
 * input, so cases large enough to span several kernel tasks stay cheap; evenly spaced probes
 * still land in every task.
 */
import type { OpName } from '../../lib/index.js';
import { checkOpProbed, type OpCase, type Reference } from './testing.js';

/** {@link checkOp} with `probes` finite-difference probes per input; empty inputs are skipped. */
export function checkOpSampled<K extends OpName>(
  op: K,
  c: OpCase<K>,
  reference: Reference,
  probes = 48,
  seed = 1,
): void {
  checkOpProbed(op, c, reference, { probes, seed, skipEmpty: true });
}
