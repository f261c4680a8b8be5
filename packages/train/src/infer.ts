/**
 * Inference on the network's grid: the whole scan once per window, patches tiling the scan
 * along the axes where the patch is shorter than the whole scan (windows overlap only at the
 * end, where the last one is aligned to the far edge; overlaps are averaged). Class logits and
 * evidence maps are averaged over the windows (the cross-stitch unit pastes each window's patch
 * features into the whole-scan stream, so each window's classification differs slightly).
 * @module
 */
import { type DeepScCovidNetwork, networkInputs, type PatchRegion, Tensor } from '@deepsc/core';
import { createVolume, resampleToShape, type Volume } from '@deepsc/io';
import { scanGrid } from './sample.js';

/** What the network says about one scan, on its grid (i fastest, like the prepared image). */
export interface GridPrediction {
  /** Softmax class probabilities (COVID-19, CAP, non-pneumonia). */
  probabilities: number[];
  /** Lesion probability per voxel (variants with segmentation). */
  lesion?: Float32Array;
  /** Evidence map (finest level, in (0, 1)) upsampled to the grid (variants with a classifier). */
  evidence?: Float32Array;
}

/** Window starts covering `n` with windows of `s` (the last aligned to the end). */
export function windowStarts(n: number, s: number): number[] {
  if (s >= n) return [0];
  const out: number[] = [];
  for (let a = 0; a + s < n; a += s) out.push(a);
  out.push(n - s);
  return out;
}

const softmax = (z: readonly number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/**
 * Runs `net` (an `infer` network, batch 1) over a prepared image on its grid.
 * @param image - the preprocessed image, `scanGrid(net.config)` voxels, i fastest.
 * @throws RangeError when the image does not have the grid's size.
 */
export async function predictOnGrid(net: DeepScCovidNetwork, image: Float32Array): Promise<GridPrediction> {
  const c = net.config;
  const [W, H, D] = scanGrid(c);
  if (image.length !== W * H * D)
    throw new RangeError(
      `predictOnGrid: the image has ${image.length} voxels, the network's grid ${W}x${H}x${D} needs ${W * H * D}`,
    );
  const [pD, pH, pW] = c.patchSize;
  const hasSeg = c.variant !== 'classification-only';
  const hasCls = c.variant !== 'segmentation-only';
  const wholeT = Tensor.wrap(image, [1, 1, D, H, W]);
  const sum = hasSeg ? new Float32Array(image.length) : undefined;
  const count = hasSeg ? new Uint16Array(image.length) : undefined;
  const logitSum = [0, 0, 0].slice(0, c.numClasses).map(() => 0);
  let evidence: Float32Array | undefined;
  let windows = 0;
  const starts = hasSeg ? [windowStarts(D, pD), windowStarts(H, pH), windowStarts(W, pW)] : [[0], [0], [0]];
  for (const k0 of starts[0] as number[])
    for (const j0 of starts[1] as number[])
      for (const i0 of starts[2] as number[]) {
        let patchT: Tensor | undefined;
        if (hasSeg) {
          const patch = new Float32Array(pD * pH * pW);
          for (let k = 0; k < pD; k++)
            for (let j = 0; j < pH; j++) {
              const from = i0 + W * (j0 + j + H * (k0 + k));
              patch.set(image.subarray(from, from + pW), pW * (j + pH * k));
            }
          patchT = Tensor.from(patch, [1, 1, pD, pH, pW]);
        }
        const region: PatchRegion = { lo: [k0, j0, i0], hi: [k0 + pD, j0 + pH, i0 + pW] };
        const { inputs, owned } = networkInputs(net, {
          ...(hasCls ? { whole: wholeT } : {}),
          ...(patchT ? { patch: patchT } : {}),
          region,
        });
        const wanted = [...(hasCls ? ['logits', 'evidence1'] : []), ...(hasSeg ? ['seg_logits'] : [])];
        const out = await net.model.forward(inputs, { outputs: wanted });
        try {
          windows++;
          if (hasCls) {
            const l = (out.logits as Tensor).data;
            for (let q = 0; q < logitSum.length; q++)
              logitSum[q] = (logitSum[q] as number) + (l[q] as number);
            const ev = out.evidence1 as Tensor;
            const [, , ed, eh, ew] = ev.shape as number[];
            const up = resampleToShape(
              createVolume(Float32Array.from(ev.data), [ew as number, eh as number, ed as number]),
              [W, H, D],
            ).data as Float32Array;
            if (!evidence) evidence = new Float32Array(up.length);
            for (let o = 0; o < up.length; o++) evidence[o] = (evidence[o] as number) + (up[o] as number);
          }
          if (hasSeg && sum && count) {
            const s = (out.seg_logits as Tensor).data;
            const n = pD * pH * pW;
            for (let k = 0; k < pD; k++)
              for (let j = 0; j < pH; j++)
                for (let i = 0; i < pW; i++) {
                  const q = i + pW * (j + pH * k);
                  const p = 1 / (1 + Math.exp((s[q] as number) - (s[q + n] as number)));
                  const o = i0 + i + W * (j0 + j + H * (k0 + k));
                  sum[o] = (sum[o] as number) + p;
                  count[o] = (count[o] as number) + 1;
                }
          }
        } finally {
          for (const t of [...owned, ...Object.values(out)]) t.dispose();
          patchT?.dispose();
        }
      }
  const result: GridPrediction = { probabilities: hasCls ? softmax(logitSum.map((v) => v / windows)) : [] };
  if (sum && count) {
    for (let o = 0; o < sum.length; o++) sum[o] = (sum[o] as number) / Math.max(1, count[o] as number);
    result.lesion = sum;
  }
  if (evidence) {
    for (let o = 0; o < evidence.length; o++) evidence[o] = (evidence[o] as number) / windows;
    result.evidence = evidence;
  }
  return result;
}

/** Wraps grid data as a volume with the prepared scan's geometry. */
export function gridVolume(data: Float32Array, like: Volume): Volume<Float32Array> {
  return createVolume(data, like.dims, like.affine);
}
