/**
 * Per-axis stride planning (gap (b) of DESIGN section 2): the stem and the three U-Net /
 * classifier levels each halve an axis only where both the whole-scan and the patch sizes stay
 * even and at least `2 * minSize`, as nnU-Net plans anisotropic data. Every level then divides
 * evenly, so the decoder's upsampled maps always match the skips.
 * @module
 */

/** A size or stride per spatial axis, `[D, H, W]`. */
export type Size3 = readonly [number, number, number];

/** Strides of the stem and the three downsampling levels, each `[sD, sH, sW]` with entries 1 or 2. */
export type StridePlan = readonly [Size3, Size3, Size3, Size3];

/**
 * Plans the strides: at each of the four levels, stride 2 on an axis when the current whole-scan
 * and patch sizes on it are both even and halve to at least `minSize`, else 1.
 * @param minSize - smallest size an axis may be halved to; default 2.
 * @throws RangeError for a size that is not a positive integer.
 */
export function planStrides(whole: Size3, patch: Size3, minSize = 2): StridePlan {
  checkSize(whole, 'wholeSize');
  checkSize(patch, 'patchSize');
  const w = [...whole];
  const p = [...patch];
  const plan: Size3[] = [];
  for (let level = 0; level < 4; level++) {
    const s = [1, 1, 1];
    for (let a = 0; a < 3; a++) {
      const wa = w[a] as number;
      const pa = p[a] as number;
      if (wa % 2 === 0 && pa % 2 === 0 && wa / 2 >= minSize && pa / 2 >= minSize) {
        s[a] = 2;
        w[a] = wa / 2;
        p[a] = pa / 2;
      }
    }
    plan.push(s as unknown as Size3);
  }
  return plan as unknown as StridePlan;
}

/**
 * Checks a stride plan (planned or given) against both sizes: the stem must stride at least one
 * axis and every level must divide both sizes evenly.
 * @throws RangeError naming the level, the axis and the sizes, with the sizes that would work.
 */
export function validateStrides(whole: Size3, patch: Size3, plan: StridePlan): void {
  checkSize(whole, 'wholeSize');
  checkSize(patch, 'patchSize');
  if (plan.length !== 4) throw new RangeError(`strides: need 4 levels (stem + 3), got ${plan.length}`);
  const axes = ['D', 'H', 'W'];
  const w = [...whole];
  const p = [...patch];
  for (const [level, s] of plan.entries()) {
    for (let a = 0; a < 3; a++) {
      const st = s[a];
      if (st !== 1 && st !== 2) {
        throw new RangeError(`strides: level ${level} axis ${axes[a]} stride ${st} must be 1 or 2`);
      }
      for (const [what, sizes] of [
        ['wholeSize', w],
        ['patchSize', p],
      ] as const) {
        const n = sizes[a] as number;
        if (n % st !== 0) {
          const total = plan.reduce((f, l) => f * (l[a] as number), 1);
          throw new RangeError(
            `strides: ${what} axis ${axes[a]} is ${n} at level ${level}, not divisible by stride ${st}; ` +
              `with these strides the axis must be a multiple of ${total} (original ${what} ${(what === 'wholeSize' ? whole : patch).join('x')})`,
          );
        }
      }
      w[a] = (w[a] as number) / st;
      p[a] = (p[a] as number) / st;
    }
  }
}

/** Cumulative stride (input voxels per feature cell) at levels 0 (stem) to 3. */
export function cumulativeStrides(plan: StridePlan): [Size3, Size3, Size3, Size3] {
  const out: Size3[] = [];
  let c = [1, 1, 1];
  for (const s of plan) {
    c = c.map((v, a) => v * (s[a] as number));
    out.push([c[0], c[1], c[2]] as unknown as Size3);
  }
  return out as unknown as [Size3, Size3, Size3, Size3];
}

/** `size` divided by `stride` per axis (exact: call after {@link validateStrides}). */
export const divide3 = (size: Size3, stride: Size3): Size3 => [
  size[0] / stride[0],
  size[1] / stride[1],
  size[2] / stride[2],
];

function checkSize(s: Size3, what: string): void {
  if (!Array.isArray(s) || s.length !== 3 || s.some((v) => !Number.isSafeInteger(v) || v < 1)) {
    throw new RangeError(`${what} [${String(s)}] must be three positive integers [D, H, W]`);
  }
}
