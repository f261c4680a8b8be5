/**
 * The task-aware loss inside the graph (graph-loss.ts) against the host loss
 * (task-aware-loss.ts), on the tiny preset: two networks from the same seed, one per loss path,
 * the same batch. For every variant, batches of 1 and 2 (one sample without a lesion mask, or
 * none with one), default and non-default options (zero weights included): the total and every
 * term agree within 2e-6 relative (float32 outputs against float64 sums), and every parameter
 * gradient within 1e-4 of its largest magnitude, or of 1% of the largest gradient of the whole
 * network when that is more (the host path seeds the backward with its float64 gradient rounded
 * to float32; the graph computes it in float32 from softmax / log-softmax). Measured: at most
 * 3.3e-6 for every tensor but one scalar whose terms cancel (cross_stitch.alpha: |g| 1.2e-4,
 * 6e-4 of the network's largest, absolute difference 2e-8, 1.9e-4 of itself). Then
 * accumulation, the network's options, and the error paths (the same messages as the host loss).
 */

import { mulberry32, nativeMemory, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import {
  createDeepScCovid,
  type DeepScCovidNetwork,
  predict,
  presetConfig,
  type TaskAwareLossOptions,
  type TaskAwareLossResult,
  type TrainingBatch,
  trainingStep,
  type Variant,
} from '../src/index.js';

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

/** max |a - b| / max |b| (b the host path's value). */
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

/** Networks on both loss paths from one seed (the graph one with `options` compiled in). */
function pair(c: Case, optimizer: { kind: 'sgd'; lr: number } | null = null) {
  const config = presetConfig('tiny', { variant: c.variant, batch: c.batch });
  const opts = OPTIONS[c.options] as TaskAwareLossOptions;
  const host = createDeepScCovid(config, { seed: 3, optimizer, loss: 'host' });
  const graph = createDeepScCovid(config, { seed: 3, optimizer, loss: 'graph', lossOptions: opts });
  return { host, graph, opts };
}

describe('in-graph task-aware loss = host loss (tiny preset)', () => {
  it.each(CASES)('$variant, batch $batch, options $options, hasMask $hasMask, lung $lung', async (c) => {
    const { host, graph, opts } = pair(c);
    expect(graph.loss).toBe('graph');
    expect(graph.seedOutputs).toEqual([]);
    const b = batchOf(host, 7 + c.batch, {
      ...(c.hasMask ? { hasMask: c.hasMask } : {}),
      ...(c.lung ? { lung: true } : {}),
    });
    try {
      const h = await trainingStep(host, b, opts, { step: false });
      const g = await trainingStep(graph, b, {}, { step: false });
      expect(g.loss.seeds).toEqual({});
      const ht = new Map(terms(h.loss));
      for (const [k, v] of terms(g.loss)) {
        const want = ht.get(k) as number;
        expect(Math.abs(v - want), `${k}: graph ${v}, host ${want}`).toBeLessThanOrEqual(
          2e-6 * Math.abs(want) + 1e-9,
        );
      }
      const noLoss = c.variant === 'segmentation-only' && c.hasMask?.every((f) => !f);
      expect(h.loss.total > 0, `total ${h.loss.total}`).toBe(!noLoss);
      expect([...graph.model.parametersWithoutGradient].sort()).toEqual(
        [...host.model.parametersWithoutGradient].sort(),
      );
      const names = host.model.trainableNames.filter(
        (n) => !host.model.parametersWithoutGradient.includes(n),
      );
      const grads = names.map((n) => [host.model.gradient(n), graph.model.gradient(n)] as const);
      try {
        const scale = Math.max(
          0,
          ...grads.map(([g0]) => g0.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0)),
        );
        for (const [k, [g0, g1]] of grads.entries())
          expect(gradientError(g1.data, g0.data, 0.01 * scale), names[k]).toBeLessThanOrEqual(1e-4);
      } finally {
        for (const [g0, g1] of grads) {
          g0.dispose();
          g1.dispose();
        }
      }
      const checked = names.length;
      expect(checked).toBeGreaterThan(5);
    } finally {
      dispose(b);
      host.model.dispose();
      graph.model.dispose();
    }
  });

  it('an unflagged sample changes nothing: its lesion mask is ignored, as on the host', async () => {
    const c: Case = { variant: 'segmentation-only', batch: 2, options: 'defaults', hasMask: [1, 0] };
    const { graph } = pair(c);
    const a = batchOf(graph, 3, { hasMask: [1, 0] });
    const b = batchOf(graph, 3, { hasMask: [1, 0] });
    const lesion = b.lesionMask as Tensor;
    const v = lesion.data.length / 2;
    for (let i = v; i < 2 * v; i++) lesion.data[i] = 1 - (lesion.data[i] as number);
    try {
      const ra = await trainingStep(graph, a, {}, { step: false });
      const rb = await trainingStep(graph, b, {}, { step: false });
      expect(rb.loss.total).toBe(ra.loss.total);
      expect(rb.loss.terms.dice).toBeGreaterThan(0);
    } finally {
      dispose(a);
      dispose(b);
      graph.model.dispose();
    }
  });

  it('a soft lesion mask is binarised at 0.5, as on the host', async () => {
    const c: Case = { variant: 'segmentation-only', batch: 1, options: 'defaults' };
    const { host, graph } = pair(c);
    const b = batchOf(host, 4);
    const m = b.lesionMask as Tensor;
    for (let i = 0; i < m.data.length; i++) m.data[i] = m.data[i] ? 0.9 : 0.2;
    try {
      const h = await trainingStep(host, b, {}, { step: false });
      const g = await trainingStep(graph, b, {}, { step: false });
      expect(Math.abs(g.loss.total - h.loss.total)).toBeLessThanOrEqual(2e-6 * h.loss.total);
    } finally {
      dispose(b);
      host.model.dispose();
      graph.model.dispose();
    }
  });

  it("gradients: 'accumulate' over two micro-batches steps like the host path", async () => {
    const c: Case = { variant: 'joint', batch: 1, options: 'defaults' };
    const { host, graph } = pair(c, { kind: 'sgd', lr: 1 });
    const batches = [batchOf(host, 21), batchOf(host, 22)];
    try {
      for (const net of [host, graph]) {
        await trainingStep(net, batches[0] as TrainingBatch, {}, { gradients: 'accumulate', step: false });
        const r = await trainingStep(net, batches[1] as TrainingBatch, {}, { gradients: 'accumulate' });
        expect(r.report?.microBatches).toBe(2);
      }
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

  it('predict works on a network with the loss in its graph, as on the host one', async () => {
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

describe('choosing the loss path', () => {
  it('defaults: host on the CPU, and host (no loss) in infer mode', () => {
    const a = createDeepScCovid(presetConfig('tiny'), { seed: 1 });
    const b = createDeepScCovid(presetConfig('tiny'), { seed: 1, mode: 'infer', loss: 'graph' });
    try {
      expect(a.loss).toBe('host');
      expect(a.lossOptions).toBeUndefined();
      expect(a.seedOutputs.length).toBeGreaterThan(0);
      expect(b.loss).toBe('host');
      expect(Object.keys(b.model.outputs)).not.toContain('loss');
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  it('the graph exposes the loss and its terms as [1] outputs, and its inputs', () => {
    const net = createDeepScCovid(presetConfig('tiny', { batch: 2 }), { seed: 1, loss: 'graph' });
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
      'an unknown loss path',
      { loss: 'gpu' as never },
      TypeError,
      /loss is 'gpu', expected 'host' or 'graph'/,
    ],
    [
      'lossOptions with the host loss',
      { loss: 'host', lossOptions: { ceWeight: 2 } },
      TypeError,
      /only with loss: 'graph'/,
    ],
    ['diceEps 0 in the graph', { loss: 'graph', lossOptions: { diceEps: 0 } }, RangeError, /diceEps = 0/],
    [
      'class weights for the wrong number of classes',
      { loss: 'graph', lossOptions: { classWeights: [1, 1] } },
      RangeError,
      /2 class weights for 3 classes/,
    ],
    [
      'a negative weight',
      { loss: 'graph', lossOptions: { focalWeight: -1 } },
      RangeError,
      /focalWeight = -1/,
    ],
  ];
  it.each(BAD_CREATE)('createDeepScCovid rejects %s', (_, options, Ctor, message) => {
    expect(() => createDeepScCovid(presetConfig('tiny'), options)).toThrow(Ctor);
    expect(() => createDeepScCovid(presetConfig('tiny'), options)).toThrow(message);
  });

  it('trainingStep takes options equal to the compiled ones and rejects others', async () => {
    const net = createDeepScCovid(presetConfig('tiny', { variant: 'joint-without-task-aware' }), {
      seed: 1,
      loss: 'graph',
      lossOptions: { focalGamma: 1 },
      optimizer: null,
    });
    const b = batchOf(net, 2);
    try {
      // taskWeight resolves to 0 for this variant, as compiled.
      await trainingStep(net, b, { focalGamma: 1, taskWeight: 5 }, { step: false });
      await expect(trainingStep(net, b, {}, { step: false })).resolves.toBeDefined();
      await expect(trainingStep(net, b, { focalGamma: 2 }, { step: false })).rejects.toThrow(
        /loss option focalGamma = 2 differs from 1, compiled into the network's graph/,
      );
      await expect(trainingStep(net, b, { classWeights: [1, 1, 1] }, { step: false })).rejects.toThrow(
        RangeError,
      );
    } finally {
      dispose(b);
      net.model.dispose();
    }
  });
});

describe('error paths: the same errors as the host loss, nothing leaked', () => {
  const BAD: [string, Variant, (b: TrainingBatch) => TrainingBatch, ErrorConstructor, RegExp][] = [
    [
      'no labels',
      'joint',
      ({ labels: _, ...b }) => b,
      TypeError,
      /taskAwareLoss: variant joint needs logits and labels/,
    ],
    [
      'no labels (classification-only)',
      'classification-only',
      ({ labels: _, ...b }) => b,
      TypeError,
      /variant classification-only needs logits and labels/,
    ],
    [
      'no lesion mask',
      'segmentation-only',
      ({ lesionMask: _, ...b }) => b,
      TypeError,
      /variant segmentation-only needs segLogits, lesionMask and hasMask/,
    ],
    [
      'no lesion mask (joint)',
      'joint',
      ({ lesionMask: _, ...b }) => b,
      TypeError,
      /variant joint needs segLogits, lesionMask and hasMask/,
    ],
    [
      'two labels for one sample',
      'joint',
      (b) => ({ ...b, labels: [0, 1] }),
      RangeError,
      /2 labels for a batch of 1/,
    ],
    [
      'label 3 of 3 classes',
      'joint',
      (b) => ({ ...b, labels: [3] }),
      RangeError,
      /label 3 of sample 0 is not in \[0, 3\)/,
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
      /2 mask flags for a batch of 1/,
    ],
    [
      'a lesion mask of the wrong size',
      'segmentation-only',
      (b) => ({ ...b, lesionMask: Tensor.zeros([1, 1, 2, 8, 8]) }),
      RangeError,
      /lesion mask has 128 values, need 256/,
    ],
    [
      'a lung mask of the wrong size',
      'joint',
      (b) => ({ ...b, lungMask: Tensor.zeros([1, 1, 2, 8, 8]) }),
      RangeError,
      /lung mask has 128 values, need 256/,
    ],
  ];
  it.each(BAD)('%s (%s)', async (_, variant, edit, Ctor, message) => {
    const c: Case = { variant, batch: 1, options: 'defaults' };
    const { host, graph } = pair(c);
    const base = batchOf(host, 5);
    const bad = edit(base);
    try {
      await expect(trainingStep(host, bad, {}, { step: false })).rejects.toThrow(message);
      const before = nativeMemory();
      const e = await trainingStep(graph, bad, {}, { step: false }).catch((x: unknown) => x);
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
