/**
 * Manifest labels to the classifier's class indices (the order of `CLASS_NAMES` in `@deepsc/core`:
 * COVID-19, CAP, non-pneumonia).
 * @module
 */
import type { ScanLabel } from '@deepsc/io';

/** The manifest label of each class index. */
export const LABEL_OF_CLASS: readonly ScanLabel[] = ['covid', 'cap', 'normal'];

/** Class index of a manifest label. @throws RangeError for an unknown label. */
export function classIndex(label: ScanLabel): number {
  const i = LABEL_OF_CLASS.indexOf(label);
  if (i < 0)
    throw new RangeError(`unknown label '${String(label)}': expected one of ${LABEL_OF_CLASS.join(', ')}`);
  return i;
}
