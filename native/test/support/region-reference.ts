/** Float64 references of the region ops (crop, paste) on NCDHW tensors. */
import type { Ref } from './testing.js';

type Triple = readonly [number, number, number];

/** Visits every voxel of region `size` at `off` of a volume `vol` [N, C, D, H, W]. */
function forRegion(
  vol: readonly number[],
  size: Triple,
  off: Triple,
  fn: (volIndex: number, regionIndex: number) => void,
) {
  const [n, c, vd, vh, vw] = vol as [number, number, number, number, number];
  let r = 0;
  for (let i = 0; i < n * c; i++)
    for (let d = 0; d < size[0]; d++)
      for (let h = 0; h < size[1]; h++)
        for (let w = 0; w < size[2]; w++)
          fn(((i * vd + d + off[0]) * vh + h + off[1]) * vw + w + off[2], r++);
}

export function crop64(x: Ref, off: Triple, size: Triple): Ref {
  const [n, c] = x.shape as [number, number];
  const out = new Float64Array(n * c * size[0] * size[1] * size[2]);
  forRegion(x.shape, size, off, (v, r) => {
    out[r] = x.data[v] as number;
  });
  return { data: out, shape: [n, c, ...size] };
}

export function paste64(base: Ref, patch: Ref, off: Triple): Ref {
  const out = Float64Array.from(base.data);
  forRegion(base.shape, patch.shape.slice(2) as unknown as Triple, off, (v, r) => {
    out[v] = patch.data[r] as number;
  });
  return { data: out, shape: [...base.shape] };
}
