/**
 * Overlap of two label masks, for checking a lung mask against a reference.
 * @module
 */

/**
 * Dice coefficient 2|A∩B| / (|A| + |B|) of the voxels where `label` is found (`label` omitted:
 * any non-zero value). Two empty masks give 1.
 * @throws RangeError when the lengths differ.
 */
export function maskDice(a: ArrayLike<number>, b: ArrayLike<number>, label?: number): number {
  if (a.length !== b.length) throw new RangeError(`maskDice: masks have ${a.length} and ${b.length} voxels`);
  let ia = 0;
  let ib = 0;
  let both = 0;
  for (let o = 0; o < a.length; o++) {
    const x = label === undefined ? a[o] !== 0 : a[o] === label;
    const y = label === undefined ? b[o] !== 0 : b[o] === label;
    if (x) ia++;
    if (y) ib++;
    if (x && y) both++;
  }
  return ia + ib === 0 ? 1 : (2 * both) / (ia + ib);
}
