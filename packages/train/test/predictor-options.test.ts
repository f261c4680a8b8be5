/**
 * A predictor's device and window batch: the checks (a device other than cpu / cuda, cuda
 * without a CUDA backend or a GPU, window batches that are not positive integers or above the
 * model's limit), the defaults (1 on the CPU, 4 on cuda capped by the model's limit), and a
 * checkpoint predicted with windows in batches: bitwise the batch-1 prediction on the input's
 * grid (the U-Net and DeepSC-COVID segmentation-only), compiled once for several scans.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyModelSpec, cudaAvailable } from '@deepsc/core';
import { generateScan } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CUDA_WINDOW_BATCH,
  checkPredictDevice,
  loadPredictor,
  PredictorOptionError,
  predictVolume,
  preprocessOptions,
  readCheckpointState,
  resolveTrainConfig,
  resolveTrainingModel,
  resolveWindowBatch,
  runVersions,
  saveCheckpoint,
} from '../src/index.js';

const haveGpu = cudaAvailable();

/** A spec whose only member the window batch reads is maxWindowBatch. */
const spec = (max?: number) =>
  ({ ...(max !== undefined ? { maxWindowBatch: () => max } : {}) }) as AnyModelSpec;

describe('checkPredictDevice', () => {
  it('takes cpu', () => expect(checkPredictDevice('cpu')).toBe('cpu'));
  it.each(['gpu', 'CUDA', '', 3, undefined])('refuses %j naming the allowed devices', (d) => {
    expect(() => checkPredictDevice(d)).toThrow(
      new PredictorOptionError(`device ${JSON.stringify(d)}: expected "cpu" or "cuda"`),
    );
  });
  it.skipIf(haveGpu)('refuses cuda without a CUDA backend or a GPU, saying which', () => {
    expect(() => checkPredictDevice('cuda')).toThrow(PredictorOptionError);
    expect(() => checkPredictDevice('cuda')).toThrow(
      /^device 'cuda' is not available: (this engine was built without CUDA|no GPU is visible); use 'cpu'$/,
    );
  });
});

describe('resolveWindowBatch', () => {
  it.each([
    ['cpu, none asked, no limit', spec(), 'cpu', undefined, 1],
    ['cuda, none asked, no limit', spec(), 'cuda', undefined, CUDA_WINDOW_BATCH],
    ['cuda, none asked, limit 1', spec(1), 'cuda', undefined, 1],
    ['cuda, none asked, limit 2', spec(2), 'cuda', undefined, 2],
    ['cuda, none asked, unlimited', spec(Number.POSITIVE_INFINITY), 'cuda', undefined, CUDA_WINDOW_BATCH],
    ['cpu, 3 asked', spec(), 'cpu', 3, 3],
    ['cuda, 8 asked', spec(), 'cuda', 8, 8],
  ] as const)('%s: %s', (_what, s, device, asked, expected) => {
    expect(resolveWindowBatch(s, {}, device, asked)).toBe(expected);
  });
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (b) => {
    expect(() => resolveWindowBatch(spec(), {}, 'cpu', b)).toThrow(
      new PredictorOptionError(`window batch ${String(b)}: expected a positive integer`),
    );
  });
});

describe('loadPredictor with a window batch', () => {
  let dir: string;
  /** An initialised checkpoint of `model` (no training), as the trainer writes one. */
  const checkpoint = async (name: string, model: Record<string, unknown>, bestMetric = 'accuracy') => {
    const config = resolveTrainConfig({
      seed: 3,
      out: 'run',
      model,
      data: { manifest: 'manifest.json' },
      training: { bestMetric },
    });
    const { spec: s, config: modelConfig } = await resolveTrainingModel(config);
    const net = s.create(modelConfig, {
      seed: config.seed,
      mode: 'train',
      device: 'cpu',
      optimizer: s.optimizer(modelConfig, config.optimizer).config,
    });
    const path = join(dir, name);
    try {
      const progress = { epoch: 1, stepInEpoch: 0, step: 1, best: null, sinceBest: 0 };
      await saveCheckpoint(path, net.model, progress, config, 'final', runVersions(), {
        model: { name: s.name, version: s.version },
      });
    } finally {
      net.model.dispose();
    }
    return path;
  };
  const paths: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deepsc-predictor-options-'));
    // a window smaller than the scan grid [8, 16, 16]: several windows per scan
    paths.unet3d = await checkpoint(
      'unet3d',
      { name: 'unet3d', preset: 'tiny', patchSize: [4, 8, 16] },
      'dice',
    );
    paths.seg = await checkpoint('seg', { preset: 'tiny', variant: 'segmentation-only' }, 'dice');
    paths.joint = await checkpoint('joint', { preset: 'tiny' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // two scans of other sizes than the training grid: several windows each
  const scans = [
    generateScan('covid', 'wb-a', { inPlane: 40, slices: [30, 30] }).image,
    generateScan('cap', 'wb-b', { inPlane: 36, slices: [22, 22] }).image,
  ];

  it.each([
    ['unet3d', 3, 'image'],
    ['seg', 2, 'patch'],
  ] as const)(
    '%s, windowBatch %s: compiled once for it, bitwise the batch-1 predictions',
    async (which, B, input) => {
      const { state } = await readCheckpointState(paths[which] as string);
      const one = await loadPredictor(paths[which] as string, state);
      const many = await loadPredictor(paths[which] as string, state, { windowBatch: B });
      try {
        expect(one.windowBatch).toBe(1);
        expect(many.windowBatch).toBe(B);
        expect(many.predictor.net.model.inputs[input]?.[0]).toBe(B);
        const pre = preprocessOptions(state.config, many.model);
        for (const ct of scans) {
          let windows = 0;
          const a = await predictVolume(one.predictor, ct, pre);
          const b = await predictVolume(many.predictor, ct, pre, { onWindow: (_d, t) => (windows = t) });
          expect(windows).toBeGreaterThan(1);
          const pa = a.lesionProbability?.data as Float32Array;
          const pb = b.lesionProbability?.data as Float32Array;
          expect(Buffer.from(pb.buffer).equals(Buffer.from(pa.buffer))).toBe(true);
          expect(b.lesionMask?.data).toEqual(a.lesionMask?.data);
        }
      } finally {
        one.predictor.net.model.dispose();
        many.predictor.net.model.dispose();
      }
    },
  );

  it('the joint DeepSC-COVID refuses a window batch above 1, saying why; its cuda default is 1', async () => {
    const { state } = await readCheckpointState(paths.joint as string);
    await expect(loadPredictor(paths.joint as string, state, { windowBatch: 2 })).rejects.toThrow(
      new PredictorOptionError(
        'deepsc-covid: windowBatch 2, but it runs at most 1 window(s) per call (variant joint: its graph takes one patch region per batch, and each window has its own)',
      ),
    );
    const { spec: s, config } = await resolveTrainingModel(state.config);
    expect(resolveWindowBatch(s, config, 'cuda', undefined)).toBe(1);
  });

  // on a GPU (skipped elsewhere): the same predictions within float32 rounding, whatever the
  // window batch; each window batch deterministic run to run
  it.skipIf(!haveGpu)(
    'on cuda: the CPU prediction within 1e-4, window batch 3 within 1e-5 of 1, bitwise run to run',
    async () => {
      const path = paths.unet3d as string;
      const { state } = await readCheckpointState(path);
      const cpu = await loadPredictor(path, state);
      const g1 = await loadPredictor(path, state, { device: 'cuda', windowBatch: 1 });
      const g3b = await loadPredictor(path, state, { device: 'cuda', windowBatch: 3 });
      const gDefault = await loadPredictor(path, state, { device: 'cuda' });
      try {
        expect(g1.predictor.net.model.device).toBe('cuda');
        expect(gDefault.windowBatch).toBe(CUDA_WINDOW_BATCH);
        const pre = preprocessOptions(state.config, cpu.model);
        const maxDiff = (x: Float32Array, y: Float32Array) =>
          x.reduce((m, v, i) => Math.max(m, Math.abs(v - (y[i] as number))), 0);
        for (const ct of scans) {
          const lesion = async (l: Awaited<ReturnType<typeof loadPredictor>>) =>
            (await predictVolume(l.predictor, ct, pre)).lesionProbability?.data as Float32Array;
          const [c, a, b, b2] = [await lesion(cpu), await lesion(g1), await lesion(g3b), await lesion(g3b)];
          expect(maxDiff(a, c)).toBeLessThan(1e-4);
          expect(maxDiff(b, a)).toBeLessThan(1e-5);
          expect(Buffer.from(b2.buffer).equals(Buffer.from(b.buffer))).toBe(true);
        }
      } finally {
        for (const l of [cpu, g1, g3b, gDefault]) l.predictor.net.model.dispose();
      }
    },
  );

  it.skipIf(haveGpu)('device cuda is refused before the checkpoint is read', async () => {
    const { state } = await readCheckpointState(paths.unet3d as string);
    await expect(loadPredictor(join(dir, 'missing'), state, { device: 'cuda' })).rejects.toThrow(
      /^device 'cuda' is not available: /,
    );
  });
});
