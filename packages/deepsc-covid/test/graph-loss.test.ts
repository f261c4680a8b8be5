/**
 * The task-aware loss inside the graph (graph-loss.ts, the one production loss) against its
 * float64 reference (support/task-aware-loss.ts, seeding the backward pass of a network compiled
 * without the loss: support/reference-step.ts), on the tiny preset: two networks from the same
 * seed, the same batch. For every variant, batches of 1 and 2 (one sample without a lesion mask, or
 * none with one), default and non-default options (zero weights included): the total and every
 * term agree within 2e-6 relative (float32 outputs against float64 sums), and every parameter
 * gradient within 1e-4 of its largest magnitude, or of 1% of the largest gradient of the whole
 * network when that is more (the reference seeds the backward with its float64 gradient rounded
 * to float32; the graph computes it in float32 from softmax / log-softmax). Measured: at most
 * 3.3e-6 for every tensor but one scalar whose terms cancel (cross_stitch.alpha: |g| 1.2e-4,
 * 6e-4 of the network's largest, absolute difference 2e-8, 1.9e-4 of itself). The same table
 * runs on CUDA where a GPU is lent (both networks on the device, the CUDA parity test's bounds:
 * 1e-4 for the loss, 1e-3 for the gradients; it SKIPS elsewhere, saying why). Then
 * accumulation, the network's options, and the error paths (messages naming the batch's field).
 */

import { cudaAvailable, type Device, mulberry32, nativeMemory, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import {
  createDeepScCovid,
  type DeepScCovidNetwork,
  predict,
  presetConfig,
  TASK_AWARE_DEFAULTS,
  type TaskAwareLossOptions,
  type TaskAwareLossResult,
  type TrainingBatch,
  trainingStep,
  type Variant,
} from '../src/index.js';
import { createReferenceNetwork, referenceStep } from './support/reference-step.js';

/** A batch of `n` samples: inputs in [-1, 1), sparse lesion masks, a lung mask when asked. */
function batchOf(
  net: DeepScCovidNetwork,
  seed: number,
  extra: { labels?: number[]; hasMask?: number[]; lung?: boolean } = {},
): TrainingBatch {
  const c = net.config;
  const n = c.batch;
  const r = mulberry32(seed);
  const vol = (size: readonly number[], f: () => number) =>
    Tensor.from(Float32Array.from({ length: n * size.reduce((a, b) => a * b, 1) }, f), [n, 1, ...size]);
  const d = c.wholeSize[0];
  return {
    whole: vol(c.wholeSize, () => r() * 2 - 1),
    patch: vol(c.patchSize, () => r() * 2 - 1),
    lesionMask: vol(c.patchSize, () => (r() > 0.7 ? 1 : 0)),
    ...(extra.lung ? { lungMask: vol(c.patchSize, () => (r() > 0.2 ? 1 : 0)) } : {}),
    region: { lo: [d / 4, 0, 0], hi: [d / 4 + d / 2, c.wholeSize[1], c.wholeSize[2]] },
    labels: extra.labels ?? Array.from({ length: n }, (_, i) => (i + seed) % c.numClasses),
    ...(extra.hasMask ? { hasMask: extra.hasMask } : {}),
  };
}

const dispose = (b: TrainingBatch) => {
  for (const t of [b.whole, b.patch, b.lesionMask, b.lungMask]) t?.dispose();
};

const OPTIONS: Record<string, TaskAwareLossOptions> = {
  defaults: {},
  'zero weights': {
    ceWeight: 0,
    focalGamma: 1.5,
    classWeights: [0.3, 1, 2],
    diceWeight: 0,
    segClassWeights: [0.2, 0.7],
    levelWeights: [0, 1, 0.5],
  },
  'all changed': {
    ceWeight: 0.7,
    focalWeight: 1.3,
    focalGamma: 0,
    classWeights: [2, 0.5, 1],
    diceWeight: 1.5,
    segCeWeight: 0.5,
    segClassWeights: [1, 3],
    diceEps: 1e-3,
    taskWeight: 2,
    levelWeights: [0.5, 0.3, 0.2],
  },
};

interface Case {
  variant: Variant;
  batch: 1 | 2;
  options: keyof typeof OPTIONS;
  hasMask?: number[];
  lung?: boolean;
}

const VARIANTS: Variant[] = [
  'joint',
  'segmentation-only',
  'classification-only',
  'joint-without-task-aware',
  'joint-without-cross-stitch',
];
const CASES: Case[] = [
  ...VARIANTS.flatMap((variant) =>
    Object.keys(OPTIONS).flatMap((options): Case[] => [
      { variant, batch: 1, options },
      { variant, batch: 2, options, hasMask: [1, 0], lung: true },
    ]),
  ),
  { variant: 'joint', batch: 2, options: 'defaults', hasMask: [0, 0] },
  { variant: 'joint', batch: 2, options: 'all changed', hasMask: [0, 1] },
  { variant: 'segmentation-only', batch: 1, options: 'defaults', hasMask: [0], lung: true },
];

const terms = (r: TaskAwareLossResult): [string, number][] => [
  ['total', r.total],
  ...Object.entries(r.terms).flatMap(([k, v]): [string, number][] =>
    Array.isArray(v) ? v.map((x, i): [string, number] => [`${k}${i + 1}`, x]) : [[k, v as number]],
  ),
];

/** max |a - b| / max |b| (b the reference's value). */
function relativeError(a: Float32Array, b: Float32Array): number {
  return gradientError(a, b, 0);
}

/** max |a - b| / max(max |b|, floor): a tensor whose entries cancel to near 0 is compared at `floor`. */
function gradientError(a: Float32Array, b: Float32Array, floor: number): number {
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale > 0 ? diff / scale : diff;
}

/**
 * The reference network (`host`: the float64 loss seeding its backward) and the production one
 * (`graph`, with `options` compiled in) from one seed, on `device`.
 */
function pair(c: Case, optimizer: { kind: 'sgd'; lr: number } | null = null, device: Device = 'cpu') {
  const config = presetConfig('tiny', { variant: c.variant, batch: c.batch });
  const opts = OPTIONS[c.options] as TaskAwareLossOptions;
  const host = createReferenceNetwork(config, { seed: 3, optimizer, device });
  const graph = createDeepScCovid(config, { seed: 3, optimizer, device, lossOptions: opts });
  return { host, graph, opts };
}

/** Bounds of one case's comparison, relative (see the header). */
interface Bounds {
  /** The total and each term, relative to the reference's value. */
  loss: number;
  /** Each parameter gradient, relative to its largest magnitude or 1% of the network's. */
  gradients: number;
}

/** One case of the table: loss, terms and every parameter gradient against the reference. */
async function checkCase(c: Case, device: Device, bounds: Bounds): Promise<void> {
  const { host, graph, opts } = pair(c, null, device);
  expect(Object.keys(graph.model.outputs)).toContain('loss');
  const b = batchOf(host, 7 + c.batch, {
    ...(c.hasMask ? { hasMask: c.hasMask } : {}),
    ...(c.lung ? { lung: true } : {}),
  });
  try {
    const h = await referenceStep(host, b, opts, { step: false });
    const g = await trainingStep(graph, b, { step: false });
    const ht = new Map(terms(h.loss));
    for (const [k, v] of terms(g.loss)) {
      const want = ht.get(k) as number;
      expect(Math.abs(v - want), `${k}: graph ${v}, reference ${want}`).toBeLessThanOrEqual(
        bounds.loss * Math.abs(want) + 1e-9,
      );
    }
    const noLoss = c.variant === 'segmentation-only' && c.hasMask?.every((f) => !f);
    expect(h.loss.total > 0, `total ${h.loss.total}`).toBe(!noLoss);
    expect([...graph.model.parametersWithoutGradient].sort()).toEqual(
      [...host.model.parametersWithoutGradient].sort(),
    );
    const names = host.model.trainableNames.filter((n) => !host.model.parametersWithoutGradient.includes(n));
    const grads = names.map((n) => [host.model.gradient(n), graph.model.gradient(n)] as const);
    try {
      const scale = Math.max(
        0,
        ...grads.map(([g0]) => g0.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0)),
      );
      for (const [k, [g0, g1]] of grads.entries())
        expect(gradientError(g1.data, g0.data, 0.01 * scale), names[k]).toBeLessThanOrEqual(bounds.gradients);
    } finally {
      for (const [g0, g1] of grads) {
        g0.dispose();
        g1.dispose();
      }
    }
    expect(names.length).toBeGreaterThan(5);
  } finally {
    dispose(b);
    host.model.dispose();
    graph.model.dispose();
  }
}

const haveGpu = cudaAvailable();

describe.skipIf(!haveGpu)(
  haveGpu
    ? 'in-graph task-aware loss = float64 reference on CUDA (tiny preset)'
    : 'in-graph task-aware loss = float64 reference on CUDA: SKIPPED, no CUDA device (or an engine built without CUDA)',
  () => {
    // both networks on the GPU: the CUDA parity test's bounds for the loss and the gradients
    // (model-cuda-parity.test.ts: float32 sums in another order than the CPU's)
    it.each(CASES)('$variant, batch $batch, options $options, hasMask $hasMask, lung $lung', (c) =>
      checkCase(c, 'cuda', { loss: 1e-4, gradients: 1e-3 }),
    );
  },
);

describe('in-graph task-aware loss = float64 reference (tiny preset)', () => {
  it.each(CASES)('$variant, batch $batch, options $options, hasMask $hasMask, lung $lung', (c) =>
    checkCase(c, 'cpu', { loss: 2e-6, gradients: 1e-4 }),
  );

  it('an unflagged sample changes nothing: its lesion mask is ignored', async () => {
    const c: Case = { variant: 'segmentation-only', batch: 2, options: 'defaults', hasMask: [1, 0] };
    const { host, graph } = pair(c);
    host.model.dispose();
    const a = batchOf(graph, 3, { hasMask: [1, 0] });
    const b = batchOf(graph, 3, { hasMask: [1, 0] });
    const lesion = b.lesionMask as Tensor;
    const v = lesion.data.length / 2;
    for (let i = v; i < 2 * v; i++) lesion.data[i] = 1 - (lesion.data[i] as number);
    try {
      const ra = await trainingStep(graph, a, { step: false });
      const rb = await trainingStep(graph, b, { step: false });
      expect(rb.loss.total).toBe(ra.loss.total);
      expect(rb.loss.terms.dice).toBeGreaterThan(0);
    } finally {
      dispose(a);
      dispose(b);
      graph.model.dispose();
    }
  });

  it('a soft lesion mask is binarised at 0.5, as by the reference', async () => {
    const c: Case = { variant: 'segmentation-only', batch: 1, options: 'defaults' };
    const { host, graph } = pair(c);
    const b = batchOf(host, 4);
    const m = b.lesionMask as Tensor;
    for (let i = 0; i < m.data.length; i++) m.data[i] = m.data[i] ? 0.9 : 0.2;
    try {
      const h = await referenceStep(host, b, {}, { step: false });
      const g = await trainingStep(graph, b, { step: false });
      expect(Math.abs(g.loss.total - h.loss.total)).toBeLessThanOrEqual(2e-6 * h.loss.total);
      const hard = batchOf(host, 4);
      try {
        const g2 = await trainingStep(graph, hard, { step: false });
        expect(g2.loss.total).toBe(g.loss.total);
      } finally {
        dispose(hard);
      }
    } finally {
      dispose(b);
      host.model.dispose();
      graph.model.dispose();
    }
  });

  it("gradients: 'accumulate' over two micro-batches steps like the reference", async () => {
    const c: Case = { variant: 'joint', batch: 1, options: 'defaults' };
    const { host, graph } = pair(c, { kind: 'sgd', lr: 1 });
    const batches = [batchOf(host, 21), batchOf(host, 22)];
    try {
      await referenceStep(host, batches[0] as TrainingBatch, {}, { gradients: 'accumulate', step: false });
      await referenceStep(host, batches[1] as TrainingBatch, {}, { gradients: 'accumulate' });
      await trainingStep(graph, batches[0] as TrainingBatch, { gradients: 'accumulate', step: false });
      const r = await trainingStep(graph, batches[1] as TrainingBatch, { gradients: 'accumulate' });
      expect(r.report?.microBatches).toBe(2);
      const before = createDeepScCovid(host.config, { seed: 3, optimizer: null });
      try {
        for (const name of host.model.trainableNames) {
          const [p0, p1, p] = [host, graph, before].map((n) => n.model.parameter(name)) as Tensor[];
          const d0 = (p0 as Tensor).data.map((x, i) => x - ((p as Tensor).data[i] as number));
          const d1 = (p1 as Tensor).data.map((x, i) => x - ((p as Tensor).data[i] as number));
          expect(relativeError(d1, d0), name).toBeLessThanOrEqual(1e-4);
          for (const t of [p0, p1, p]) t?.dispose();
        }
      } finally {
        before.model.dispose();
      }
    } finally {
      for (const b of batches) dispose(b);
      host.model.dispose();
      graph.model.dispose();
    }
  });

  it('predict works on a network with the loss in its graph, as on one without', async () => {
    const c: Case = { variant: 'joint', batch: 1, options: 'defaults' };
    const { host, graph } = pair(c);
    const data = Float32Array.from({ length: 8 * 8 * 8 }, (_, i) => Math.sin(i));
    try {
      const a = await predict(host, { data, shape: [8, 8, 8] });
      const b = await predict(graph, { data, shape: [8, 8, 8] });
      expect(b.classProbabilities).toEqual(a.classProbabilities);
      expect(b.lesion?.data).toEqual(a.lesion?.data);
    } finally {
      host.model.dispose();
      graph.model.dispose();
    }
  });
});

describe("the network's loss", () => {
  it('a training network has the published loss compiled in; an infer network has none', () => {
    const a = createDeepScCovid(presetConfig('tiny'), { seed: 1 });
    const b = createDeepScCovid(presetConfig('tiny'), { seed: 1, mode: 'infer' });
    try {
      expect(a.lossOptions).toEqual(TASK_AWARE_DEFAULTS);
      expect(Object.keys(a.model.outputs)).toContain('loss');
      expect(b.lossOptions).toBeUndefined();
      expect(Object.keys(b.model.outputs)).not.toContain('loss');
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  it('the graph exposes the loss and its terms as [1] outputs, and its inputs', () => {
    const net = createDeepScCovid(presetConfig('tiny', { batch: 2 }), { seed: 1 });
    try {
      for (const name of [
        'loss',
        'loss.ce',
        'loss.focal',
        'loss.cls',
        'loss.dice',
        'loss.seg_ce',
        'loss.seg',
      ])
        expect(net.model.outputs[name], name).toEqual([1]);
      for (const name of ['loss.task', 'loss.mse1', 'loss.mse2', 'loss.mse3'])
        expect(net.model.outputs[name], name).toEqual([1]);
      expect(net.model.inputs['loss.labels']).toEqual([2]);
      expect(net.model.inputs['loss.cls_factor']).toEqual([1]);
      expect(net.model.inputs['loss.lesion']).toEqual([2, 1, 4, 8, 8]);
      expect(net.model.inputs['loss.lung']).toEqual([2, 1, 4, 8, 8]);
      expect(net.model.inputs['loss.seg_factors']).toEqual([2]);
      expect(net.lossOptions?.taskWeight).toBe(5);
    } finally {
      net.model.dispose();
    }
  });

  const BAD_CREATE: [string, Parameters<typeof createDeepScCovid>[1], ErrorConstructor, RegExp][] = [
    [
      'lossOptions for an infer network',
      { mode: 'infer', lossOptions: { ceWeight: 2 } },
      TypeError,
      /lossOptions are compiled into a training network only/,
    ],
    ['diceEps 0', { lossOptions: { diceEps: 0 } }, RangeError, /diceEps = 0/],
    [
      'class weights for the wrong number of classes',
      { lossOptions: { classWeights: [1, 1] } },
      RangeError,
      /2 class weights for 3 classes/,
    ],
    ['a negative weight', { lossOptions: { focalWeight: -1 } }, RangeError, /focalWeight = -1/],
    ['a non-finite weight', { lossOptions: { diceWeight: Number.NaN } }, RangeError, /diceWeight = NaN/],
  ];
  it.each(BAD_CREATE)('createDeepScCovid rejects %s', (_, options, Ctor, message) => {
    expect(() => createDeepScCovid(presetConfig('tiny'), options)).toThrow(Ctor);
    expect(() => createDeepScCovid(presetConfig('tiny'), options)).toThrow(message);
  });

  it('trainingStep refuses a network without a loss, leaking nothing', async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 1, mode: 'infer' });
    const b = batchOf(net, 2);
    try {
      const before = nativeMemory();
      await expect(trainingStep(net, b)).rejects.toThrow(
        /the network has no loss; create it in 'train' mode/,
      );
      expect(nativeMemory().tensors).toBe(before.tensors);
    } finally {
      dispose(b);
      net.model.dispose();
    }
  });
});

describe('error paths: the batch field named, nothing leaked', () => {
  const BAD: [string, Variant, (b: TrainingBatch) => TrainingBatch, ErrorConstructor, RegExp][] = [
    [
      'no labels',
      'joint',
      ({ labels: _, ...b }) => b,
      TypeError,
      /batch\.labels: variant joint needs a class index per sample/,
    ],
    [
      'no labels (classification-only)',
      'classification-only',
      ({ labels: _, ...b }) => b,
      TypeError,
      /batch\.labels: variant classification-only needs a class index per sample/,
    ],
    [
      'no lesion mask',
      'segmentation-only',
      ({ lesionMask: _, ...b }) => b,
      TypeError,
      /batch\.lesionMask: variant segmentation-only needs a lesion mask of the patch/,
    ],
    [
      'no lesion mask (joint)',
      'joint',
      ({ lesionMask: _, ...b }) => b,
      TypeError,
      /batch\.lesionMask: variant joint needs a lesion mask of the patch/,
    ],
    [
      'two labels for one sample',
      'joint',
      (b) => ({ ...b, labels: [0, 1] }),
      RangeError,
      /batch\.labels: 2 labels for a batch of 1/,
    ],
    [
      'label 3 of 3 classes',
      'joint',
      (b) => ({ ...b, labels: [3] }),
      RangeError,
      /batch\.labels: label 3 of sample 0 is not in \[0, 3\)/,
    ],
    [
      'label 0.5',
      'classification-only',
      (b) => ({ ...b, labels: [0.5] }),
      RangeError,
      /label 0.5 of sample 0/,
    ],
    [
      'two mask flags',
      'segmentation-only',
      (b) => ({ ...b, hasMask: [1, 1] }),
      RangeError,
      /batch\.hasMask: 2 mask flags for a batch of 1/,
    ],
    [
      'a lesion mask of the wrong size',
      'segmentation-only',
      (b) => ({ ...b, lesionMask: Tensor.zeros([1, 1, 2, 8, 8]) }),
      RangeError,
      /batch\.lesionMask: 128 values, need 256/,
    ],
    [
      'a lung mask of the wrong size',
      'joint',
      (b) => ({ ...b, lungMask: Tensor.zeros([1, 1, 2, 8, 8]) }),
      RangeError,
      /batch\.lungMask: 128 values, need 256/,
    ],
  ];
  it.each(BAD)('%s (%s)', async (_, variant, edit, Ctor, message) => {
    const c: Case = { variant, batch: 1, options: 'defaults' };
    const { host, graph } = pair(c);
    const base = batchOf(host, 5);
    const bad = edit(base);
    try {
      // the reference refuses the batch too (with its own wording)
      await expect(referenceStep(host, bad, {}, { step: false })).rejects.toThrow();
      const before = nativeMemory();
      const e = await trainingStep(graph, bad, { step: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Ctor);
      expect((e as Error).message).toMatch(message);
      expect(nativeMemory().tensors).toBe(before.tensors);
    } finally {
      dispose(base);
      for (const t of [bad.lesionMask, bad.lungMask]) if (t && t !== base.lesionMask) t.dispose();
      host.model.dispose();
      graph.model.dispose();
    }
  });
});
