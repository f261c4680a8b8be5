/**
 * Inference on a whole scan of any size, on core's sliding-window inferer: the whole-scan
 * stream on the scan resampled to `wholeSize`, windows of `patchSize` over the patch grid
 * (`segmentationShape`: by default the whole-scan grid, as the trainer samples patches), each
 * window's forward fed the whole scan and the window's region in it; lesion probabilities
 * blended with Gaussian weights (float32 sums), class probabilities and evidence maps averaged
 * over the windows, and every result resampled back to the input's voxel grid. A
 * `classification-only` network has no patch: its one window is the whole scan. Windows run
 * on one inference graph (one at a time; `batch` at a time on an inference network compiled for
 * a window batch, which only `segmentation-only` can be: the joint graphs take one patch region
 * per batch), so memory is the graph's arena plus a few buffers of the input's size, whatever
 * the scan's size.
 * @module
 */
import { slidingWindowInference, Tensor, type WindowForward } from '@deepsc/core';
import { OUTPUT_NAMES } from './deepsc-covid.js';
import { createDeepScCovid, type DeepScCovidNetwork } from './network.js';
import { type Array3, resample3d } from './resample.js';
import { type PatchGrid, segmentationShape, windowRegion } from './sliding-window.js';
import type { Size3 } from './strides.js';
import { networkInputs } from './training-step.js';
import { hasClassifier, hasSegmentation } from './variant.js';

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Overlap of neighbouring windows, in [0, 1); default 0.5. */
  overlap?: number;
  /** Grid the windows are cut from; default `whole-scan` (as the network was trained: see {@link PatchGrid}). */
  patchGrid?: PatchGrid;
  /** Called after each window (progress). */
  onWindow?: (done: number, total: number) => void;
}

/** What {@link predict} returns; volumes are `[D, H, W]` in the input's voxel grid. */
export interface Prediction {
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

/** The per-voxel output name of the lesion probability blended by the inferer. */
const LESION = 'lesion';

/**
 * Runs the network on `volume` (preprocessed: HU clipped, normalised, lung-masked, as in
 * training). An inference network runs the windows itself, `config.batch` at a time
 * (`segmentation-only`; the other variants need batch 1); a training network (or an inference
 * one of another batch) through an inference copy of batch 1 on its device, sharing its
 * parameters, made for the call.
 * @throws RangeError for an empty or mis-filled volume, a bad overlap or a patch grid smaller
 *   than the patch; rejects with engine errors.
 */
export async function predict(
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
  const segShape = segmentationShape(c, shape, options.patchGrid ?? 'whole-scan');
  if (hasSegmentation(c.variant) && segShape.some((s, a) => s < (c.patchSize[a] as number)))
    throw new RangeError(
      `predict: the patch grid [${segShape.join(', ')}] is smaller than the patch [${c.patchSize.join(', ')}]`,
    );
  const hasCls = hasClassifier(c.variant);
  const hasSeg = hasSegmentation(c.variant);
  // With a patch stream the windows are patches and the whole scan a fixed second input; a
  // classification-only network's one window is the whole scan.
  const wholeScan = hasCls ? resample3d(volume, c.wholeSize) : undefined;
  const own = net.model.mode === 'infer' && (c.batch === 1 || !hasCls);
  const infer = own
    ? net
    : createDeepScCovid(
        { ...c, batch: 1 },
        { mode: 'infer', device: net.model.device, shareParametersWith: net, optimizer: null },
      );
  const ic = infer.config;
  const B = ic.batch;
  let whole: Tensor | undefined;
  try {
    // joint variants: batch 1 (one region per batch), so one copy of the whole scan
    if (wholeScan && hasSeg) whole = Tensor.from(wholeScan.data, [1, 1, ...ic.wholeSize]);
    const wanted = [
      ...(hasSeg ? [OUTPUT_NAMES.segLogits] : []),
      ...(hasCls ? [OUTPUT_NAMES.logits, ...OUTPUT_NAMES.evidence] : []),
    ];
    const probs = new Array<number>(ic.numClasses).fill(0);
    const evidence = hasCls
      ? [1, 2, 3].map((k) => new Float32Array(ic.wholeGrids[k]?.reduce((a, b) => a * b, 1) ?? 0))
      : [];
    let windows = 0;
    const forward: WindowForward = async (window, place, places) => {
      windows = place.total;
      const n = places.length;
      // the last batch may hold fewer windows than the graph: zero windows fill it, their outputs unread
      const patch = n === B ? window : Tensor.zeros([B, ...window.shape.slice(1)]);
      if (patch !== window) patch.data.set(window.data);
      let outs: Readonly<Record<string, Tensor>> = {};
      try {
        const { inputs, owned } = networkInputs(
          infer,
          hasSeg
            ? {
                ...(whole ? { whole } : {}),
                patch,
                // joint variants run one window per call (B = 1): its region is the batch's
                region: windowRegion(ic, segShape, place.start),
              }
            : { whole: patch },
        );
        try {
          outs = await infer.model.forward(inputs, { outputs: wanted });
        } finally {
          for (const t of owned) t.dispose();
        }
      } finally {
        if (patch !== window) patch.dispose();
      }
      try {
        const logits = outs[OUTPUT_NAMES.logits];
        const k3 = ic.numClasses;
        // per window, in window order: the adds of one window per call
        for (let j = 0; j < n; j++) {
          if (logits)
            for (const [k, p] of softmax(logits.data.subarray(j * k3, (j + 1) * k3)).entries())
              probs[k] = (probs[k] as number) + p / place.total;
          for (const [k, dst] of evidence.entries()) {
            const e = (outs[OUTPUT_NAMES.evidence[k] as string] as Tensor).data;
            const o = j * dst.length;
            for (let i = 0; i < dst.length; i++)
              dst[i] = (dst[i] as number) + (e[o + i] as number) / place.total;
          }
        }
        const blend: Record<string, { data: Float64Array; shape: number[] }> = {};
        const z = outs[OUTPUT_NAMES.segLogits];
        if (z) {
          // softmax over (background, lesion) = sigmoid(z1 - z0), kept in float64 for the blend
          const v = z.data.length / (2 * B);
          const p = new Float64Array(n * v);
          for (let j = 0; j < n; j++)
            for (let i = 0; i < v; i++)
              p[j * v + i] = sigmoid(
                (z.data[(2 * j + 1) * v + i] as number) - (z.data[2 * j * v + i] as number),
              );
          blend[LESION] = { data: p, shape: [n, 1, ...ic.patchSize] };
        }
        return blend;
      } finally {
        for (const t of Object.values(outs)) t.dispose();
      }
    };
    const blended = await slidingWindowInference(
      forward,
      hasSeg
        ? { data: resample3d(volume, segShape).data, shape: [1, ...segShape] }
        : { data: (wholeScan as Array3).data, shape: [1, ...ic.wholeSize] },
      {
        window: hasSeg ? ic.patchSize : ic.wholeSize,
        overlap,
        sums: 'float32',
        windowBatch: B,
        ...(options.onWindow ? { onWindow: options.onWindow } : {}),
      },
    );
    const result: Prediction = { windows };
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
    const lesion = blended[LESION];
    if (lesion) result.lesion = resample3d({ data: lesion.data, shape: segShape }, shape);
    return result;
  } finally {
    whole?.dispose();
    if (!own) infer.model.dispose();
  }
}
