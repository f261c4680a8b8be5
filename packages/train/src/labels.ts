/**
 * Manifest labels to a model's class indices: the position of the class whose `label` is the
 * scan's in the model's `tasks.classes` (DeepSC-COVID: COVID-19 `covid`, CAP `cap`,
 * non-pneumonia `normal`).
 * @module
 */
import type { ModelClass } from '@deepsc/core';

/**
 * Class index of a manifest label among `classes`.
 * @throws RangeError for a label none of the classes stands for, naming the scan and the labels.
 */
export function classIndexOf(classes: readonly ModelClass[], label: string, scan?: string): number {
  const i = classes.findIndex((c) => c.label === label);
  if (i < 0)
    throw new RangeError(
      `${scan === undefined ? '' : `scan ${scan}: `}label '${String(label)}' is none of the model's classes: expected one of ${classes.map((c) => c.label).join(', ')}`,
    );
  return i;
}
