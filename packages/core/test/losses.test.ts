import { assertClose, numericGrad, randTensor, rng } from '@deepsc/native/testing';
import { describe, expect, it } from 'vitest';
import {
  type DeepSupervisionOptions,
  deepSupervisedDiceCrossEntropy,
  deepSupervisionWeights,
  diceCrossEntropy,
  GraphBuilder,
  type GraphValue,
  Tensor,
} from '../src/index.js';
import * as R from './support/layer-reference.js';

/** Float64 reference of nnU-Net's Dice + CE (1 - Dice form) for logits z and class-index target t [N, 1, ...]. */
function refDiceCe(
  z: R.Ref,
  t: R.Ref,
  o: { smooth?: number; batchDice?: boolean; diceWeight?: number; ceWeight?: number },
): number {
  const smooth = o.smooth ?? 1e-5;
  const [N, K] = z.shape as [number, number];
  const v = z.data.length / (N * K);
  const p = R.softmax(z);
  let ce = 0;
  for (let n = 0; n < N; n++)
    for (let i = 0; i < v; i++)
      ce -= Math.log(p.data[(n * K + (t.data[n * v + i] as number)) * v + i] as number);
  ce /= N * v;
  let dice = 0;
  for (let c = 1; c < K; c++) {
    const groups =
      o.batchDice === false
        ? Array.from({ length: N }, (_, n) => [n])
        : [Array.from({ length: N }, (_, n) => n)];
    let dc = 0;
    for (const ns of groups) {
      let inter = 0;
      let sp = 0;
      let st = 0;
      for (const n of ns)
        for (let i = 0; i < v; i++) {
          const pc = p.data[(n * K + c) * v + i] as number;
          const tc = t.data[n * v + i] === c ? 1 : 0;
          inter += pc * tc;
          sp += pc;
          st += tc;
        }
      dc += 1 - (2 * inter + smooth) / (sp + st + smooth);
    }
    dice += dc / groups.length;
  }
  dice /= K - 1;
  return (o.ceWeight ?? 1) * ce + (o.diceWeight ?? 1) * dice;
}

const oneHotForeground = (t: R.Ref, k: number): R.Ref => {
  const [N] = t.shape as [number];
  const v = t.data.length / N;
  const out = new Float64Array(N * (k - 1) * v);
  for (let n = 0; n < N; n++)
    for (let c = 1; c < k; c++)
      for (let i = 0; i < v; i++) out[(n * (k - 1) + c - 1) * v + i] = t.data[n * v + i] === c ? 1 : 0;
  return { data: out, shape: [N, k - 1, ...t.shape.slice(2)] };
};

interface LossCase {
  name: string;
  /** Logits shapes, full resolution first. */
  logits: number[][];
  options: DeepSupervisionOptions;
  /** The expected weights. */
  weights: number[];
}

const cases: LossCase[] = [
  { name: 'two classes, one sample, one level', logits: [[1, 2, 3, 4, 5]], options: {}, weights: [1] },
  { name: 'two samples, batch Dice', logits: [[2, 2, 2, 3, 3]], options: {}, weights: [1] },
  {
    name: 'two samples, per-sample Dice',
    logits: [[2, 2, 2, 3, 3]],
    options: { batchDice: false },
    weights: [1],
  },
  { name: 'three classes (one-hot foreground)', logits: [[1, 3, 2, 3, 3]], options: {}, weights: [1] },
  {
    name: 'weighted terms, smooth 1',
    logits: [[1, 2, 2, 2, 3]],
    options: { diceWeight: 0.5, ceWeight: 2, smooth: 1 },
    weights: [1],
  },
  {
    name: 'deep supervision, 3 levels, the lowest dropped',
    logits: [
      [1, 2, 4, 4, 4],
      [1, 2, 2, 2, 2],
      [1, 2, 1, 1, 1],
    ],
    options: {},
    weights: [2 / 3, 1 / 3, 0],
  },
  {
    name: 'deep supervision, anisotropic [1, 2, 2] levels, given weights',
    logits: [
      [1, 2, 2, 4, 4],
      [1, 2, 2, 2, 2],
    ],
    options: { weights: [0.25, 0.75] },
    weights: [0.25, 0.75],
  },
];

describe('losses: Dice + CE with deep supervision against a float64 reference', () => {
  it.each(cases)('$name', async ({ logits, options, weights }) => {
    const r = rng(11);
    const full = logits[0] as number[];
    const [N, K, ...spatial] = full as [number, number, number, number, number];
    const g = new GraphBuilder();
    const zs = logits.map((s, i) => g.input(`z${i}`, s));
    const t = g.input('t', [N, 1, ...spatial]);
    const fg = K > 2 ? g.input('fg', [N, K - 1, ...spatial]) : undefined;
    const out = deepSupervisedDiceCrossEntropy(g, zs, t, { ...options, ...(fg ? { foreground: fg } : {}) });
    expect(out.weights.map((w) => +w.toFixed(12))).toEqual(weights.map((w) => +w.toFixed(12)));
    expect(out.levels.map((l) => l !== null)).toEqual(weights.map((w) => w > 0));
    g.loss(out.loss);
    const names = zs.map((_, i) => `z${i}`);
    const m = g.compile({ mode: 'train', inputGradients: names });
    const zRaw = logits.map((s) => randTensor(s, r, -2, 2));
    const tRef: R.Ref = {
      data: Float64Array.from({ length: N * spatial.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * K)),
      shape: [N, 1, ...spatial],
    };
    const feeds: Record<string, Tensor> = { t: Tensor.from(tRef.data, tRef.shape) };
    for (const [i, z] of zRaw.entries()) feeds[`z${i}`] = Tensor.from(z.data, z.shape);
    if (fg) {
      const oh = oneHotForeground(tRef, K);
      feeds.fg = Tensor.from(oh.data, oh.shape);
    }
    const reference = (vs: (R.Ref | null)[]) => {
      let s = 0;
      for (const [i, z] of vs.entries()) {
        if (!z) continue;
        const w = weights[i] as number;
        if (w === 0) continue;
        s += w * refDiceCe(z, R.resizeNearest(tRef, z.shape.slice(2) as [number, number, number]), options);
      }
      return [{ data: Float64Array.of(s), shape: [1] }];
    };
    const refs = zRaw.map((z) => R.ref(z.data, z.shape));
    const res = await m.forward(feeds);
    assertClose(
      (res.loss as Tensor).data,
      (reference(refs)[0] as R.Ref).data,
      { rtol: 1e-5, atol: 1e-6 },
      'loss',
    );
    await m.backward();
    for (const [i, n] of names.entries()) {
      if (weights[i] === 0) {
        // a dropped level adds no node: nothing reaches its logits
        expect(() => m.gradient(n)).toThrow(/has no gradient/);
        continue;
      }
      const numeric = numericGrad(reference, refs, [{ data: Float64Array.of(1), shape: [1] }], i, 1e-6, 100);
      const probed = [...numeric.keys()].filter((k) => !Number.isNaN(numeric[k]));
      assertClose(
        probed.map((k) => m.gradient(n).data[k] as number),
        probed.map((k) => numeric[k] as number),
        { rtol: 1e-3, atol: 1e-6 },
        `d loss / d ${n}`,
      );
    }
    m.dispose();
  });
});

describe('losses: deep-supervision weights', () => {
  it.each([
    { levels: 1, drop: 0, want: [1] },
    { levels: 2, drop: 0, want: [2 / 3, 1 / 3] },
    { levels: 3, drop: 1, want: [2 / 3, 1 / 3, 0] },
    { levels: 5, drop: 2, want: [4 / 7, 2 / 7, 1 / 7, 0, 0] },
  ])('$levels levels, $drop dropped', ({ levels, drop, want }) => {
    const w = deepSupervisionWeights(levels, drop);
    expect(w.length).toBe(want.length);
    w.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] as number, 12);
    });
  });
  it.each([
    { levels: 0, drop: 0, error: /levels must be a positive integer, got 0/ },
    { levels: 3, drop: 3, error: /dropLowest must be an integer in \[0, 2\] for 3 levels, got 3/ },
    { levels: 2, drop: -1, error: /dropLowest must be an integer/ },
  ])('refuses $levels levels, $drop dropped', ({ levels, drop, error }) => {
    expect(() => deepSupervisionWeights(levels, drop)).toThrow(error);
  });
});

describe('losses: errors name the shapes and options', () => {
  const build =
    (f: (g: GraphBuilder, z: GraphValue, t: GraphValue) => void, z = [1, 2, 2, 2, 2], t = [1, 1, 2, 2, 2]) =>
    () => {
      const g = new GraphBuilder();
      f(g, g.input('z', z), g.input('t', t));
    };
  it.each([
    {
      name: 'target of another size',
      f: build((g, z, t) => diceCrossEntropy(g, z, t), [1, 2, 2, 2, 2], [1, 1, 2, 2, 3]),
      error: /target input 't' \[1, 1, 2, 2, 3\] must be \[1, 1, 2, 2, 2\]/,
    },
    {
      name: 'three classes without the foreground',
      f: build((g, z, t) => diceCrossEntropy(g, z, t), [1, 3, 2, 2, 2]),
      error: /3 classes need the one-hot foreground \[N, 2, D, H, W\]/,
    },
    {
      name: 'one class',
      f: build((g, z, t) => diceCrossEntropy(g, z, t), [1, 1, 2, 2, 2]),
      error: /must be \[N, K >= 2, D, H, W\]/,
    },
    {
      name: 'smooth 0',
      f: build((g, z, t) => diceCrossEntropy(g, z, t, { smooth: 0 })),
      error: /smooth must be a finite number > 0, got 0/,
    },
    {
      name: 'negative dice weight',
      f: build((g, z, t) => diceCrossEntropy(g, z, t, { diceWeight: -1 })),
      error: /diceWeight must be a finite number >= 0, got -1/,
    },
    {
      name: 'weights for another number of outputs',
      f: build((g, z, t) => deepSupervisedDiceCrossEntropy(g, [z], t, { weights: [0.5, 0.5] })),
      error: /2 weights for 1 outputs/,
    },
    {
      name: 'all weights 0',
      f: build((g, z, t) => deepSupervisedDiceCrossEntropy(g, [z], t, { weights: [0] })),
      error: /weights \[0\] must be finite, >= 0 and not all 0/,
    },
  ])('$name', ({ f, error }) => {
    expect(f).toThrow(error);
  });
});
