/**
 * DeepSC-COVID's predict as it was before it ran on core's sliding-window inferer (commit
 * c883953, src/predict.ts, its own window and blend loop), kept unchanged as the reference the
 * current `predict` is checked against bit for bit (test/predict-bitwise.test.ts).
 * @module
 */
import { gaussianWeights, Tensor, windowGrid } from '@deepsc/core';
import { OUTPUT_NAMES } from '../../src/deepsc-covid.js';
import { createDeepScCovid, type DeepScCovidNetwork } from '../../src/network.js';
import { type Array3, resample3d } from '../../src/resample.js';
import { type PatchGrid, segmentationShape, windowRegion } from '../../src/sliding-window.js';
import type { Size3 } from '../../src/strides.js';
import { networkInputs } from '../../src/training-step.js';
import { hasClassifier, hasSegmentation } from '../../src/variant.js';

/** Options of {@link predictBeforeInferer}. */
interface PredictOptions {
  /** Overlap of neighbouring windows, in [0, 1); default 0.5. */
  overlap?: number;
  /** Grid the windows are cut from; default `whole-scan` (as the network was trained: see {@link PatchGrid}). */
  patchGrid?: PatchGrid;
  /** Called after each window (progress). */
  onWindow?: (done: number, total: number) => void;
}

/** What {@link predictBeforeInferer} returns; volumes are `[D, H, W]` in the input's voxel grid. */
interface Prediction {
  /** Class probabilities (COVID-19, CAP, non-pneumonia), averaged over the windows; absent for `segmentation-only`. */
  classProbabilities?: number[];
  /** Lesion probability per voxel; absent for `classification-only`. Threshold 0.5 for a mask. */
  lesion?: Array3;
  /** Evidence map in (0, 1): the mean of the three levels' maps, averaged over the windows; absent for `segmentation-only`. */
  evidence?: Array3;
  /** Windows run. */
  windows: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function softmax(z: Float32Array): number[] {
  const m = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function cut(src: Array3, start: Size3, size: Size3): Float32Array {
  const [, H, W] = src.shape;
  const out = new Float32Array(size[0] * size[1] * size[2]);
  let i = 0;
  for (let d = 0; d < size[0]; d++)
    for (let h = 0; h < size[1]; h++) {
      const row = ((start[0] + d) * H + start[1] + h) * W + start[2];
      out.set(src.data.subarray(row, row + size[2]), i);
      i += size[2];
    }
  return out;
}

/**
 * Runs the network on `volume` (preprocessed: HU clipped, normalised, lung-masked, as in
 * training). The windows run on an inference copy on `net`'s device, sharing its parameters.
 * @throws RangeError for an empty or mis-filled volume or a bad overlap; rejects with engine errors.
 */
export async function predictBeforeInferer(
  net: DeepScCovidNetwork,
  volume: Array3,
  options: PredictOptions = {},
): Promise<Prediction> {
  const shape = volume.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((s) => !Number.isSafeInteger(s) || s < 1))
    throw new RangeError(
      `predict: volume shape [${String(shape)}] must be three positive integers [D, H, W]`,
    );
  if (volume.data.length !== shape[0] * shape[1] * shape[2])
    throw new RangeError(`predict: ${volume.data.length} values do not fill [${shape.join(', ')}]`);
  const overlap = options.overlap ?? 0.5;
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`predict: overlap ${overlap} must be in [0, 1)`);
  const c = net.config;
  const infer = createDeepScCovid(
    { ...c, batch: 1 },
    { mode: 'infer', device: net.model.device, shareParametersWith: net, optimizer: null },
  );
  const ic = infer.config;
  const hasCls = hasClassifier(ic.variant);
  const hasSeg = hasSegmentation(ic.variant);
  const owned: Tensor[] = [];
  try {
    const whole = hasCls
      ? Tensor.from(resample3d(volume, ic.wholeSize).data, [1, 1, ...ic.wholeSize])
      : undefined;
    if (whole) owned.push(whole);
    const segShape = segmentationShape(ic, shape, options.patchGrid ?? 'whole-scan');
    const seg = hasSeg ? resample3d(volume, segShape) : undefined;
    const starts = hasSeg ? windowGrid(segShape, ic.patchSize, overlap) : [[0, 0, 0] as Size3];
    const acc = seg ? new Float32Array(seg.data.length) : undefined;
    const wsum = seg ? new Float32Array(seg.data.length) : undefined;
    const gauss = gaussianWeights(ic.patchSize);
    const probs = new Array<number>(ic.numClasses).fill(0);
    const evidence = hasCls
      ? ([1, 2, 3].map(
          (k) => new Float32Array(ic.wholeGrids[k]?.reduce((a, b) => a * b, 1) ?? 0),
        ) as Float32Array[])
      : [];
    const wanted = [
      ...(hasSeg ? [OUTPUT_NAMES.segLogits] : []),
      ...(hasCls ? [OUTPUT_NAMES.logits, ...OUTPUT_NAMES.evidence] : []),
    ];
    for (const [wi, start] of starts.entries()) {
      const patch = seg ? Tensor.from(cut(seg, start, ic.patchSize), [1, 1, ...ic.patchSize]) : undefined;
      const { inputs, owned: regionTensors } = networkInputs(infer, {
        ...(whole ? { whole } : {}),
        ...(patch ? { patch } : {}),
        ...(seg ? { region: windowRegion(ic, segShape, start) } : {}),
      });
      const outs = await infer.model.forward(inputs, { outputs: wanted });
      patch?.dispose();
      for (const t of regionTensors) t.dispose();
      try {
        const z = outs[OUTPUT_NAMES.segLogits];
        if (z && acc && wsum) {
          const v = gauss.length;
          const [, H, W] = segShape;
          const [pd, ph, pw] = ic.patchSize;
          let i = 0;
          for (let d = 0; d < pd; d++)
            for (let h = 0; h < ph; h++)
              for (let w = 0; w < pw; w++, i++) {
                const p = sigmoid((z.data[v + i] as number) - (z.data[i] as number));
                const g = gauss[i] as number;
                const o = ((start[0] + d) * H + start[1] + h) * W + start[2] + w;
                acc[o] = (acc[o] as number) + p * g;
                wsum[o] = (wsum[o] as number) + g;
              }
        }
        const logits = outs[OUTPUT_NAMES.logits];
        if (logits) {
          for (const [k, p] of softmax(logits.data).entries())
            probs[k] = (probs[k] as number) + p / starts.length;
        }
        for (let k = 0; k < evidence.length; k++) {
          const e = outs[OUTPUT_NAMES.evidence[k] as string];
          const dst = evidence[k] as Float32Array;
          if (e)
            for (let j = 0; j < dst.length; j++)
              dst[j] = (dst[j] as number) + (e.data[j] as number) / starts.length;
        }
      } finally {
        for (const t of Object.values(outs)) t.dispose();
      }
      options.onWindow?.(wi + 1, starts.length);
    }
    const result: Prediction = { windows: starts.length };
    if (hasCls) {
      result.classProbabilities = probs;
      const mean = new Float32Array(ic.wholeSize[0] * ic.wholeSize[1] * ic.wholeSize[2]);
      for (let k = 0; k < 3; k++) {
        const up = resample3d(
          { data: evidence[k] as Float32Array, shape: ic.wholeGrids[k + 1] as Size3 },
          ic.wholeSize,
        );
        for (let j = 0; j < mean.length; j++) mean[j] = (mean[j] as number) + (up.data[j] as number) / 3;
      }
      result.evidence = resample3d({ data: mean, shape: ic.wholeSize }, shape);
    }
    if (acc && wsum) {
      for (let j = 0; j < acc.length; j++) acc[j] = (acc[j] as number) / (wsum[j] as number);
      result.lesion = resample3d({ data: acc, shape: segShape }, shape);
    }
    return result;
  } finally {
    for (const t of owned) t.dispose();
    infer.model.dispose();
  }
}
