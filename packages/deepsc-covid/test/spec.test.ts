/**
 * DeepSC-COVID's model spec: what it declares (tasks, grid, optimizer groups), the batches it
 * samples, and that its training step and prediction are bitwise the direct functions' on the
 * tiny preset (the spec wraps them and changes no computation).
 */
import { readFileSync } from 'node:fs';
import { checkModelSpec, type ModelScan, type TrainingOptimizer } from '@deepsc/core';
import { PatchSampler, Rng } from '@deepsc/io';
import { describe, expect, it } from 'vitest';
import { VARIANTS, type Variant } from '../src/config.js';
import { forwardFlopsPerScan } from '../src/forward-flops.js';
import { createDeepScCovid } from '../src/network.js';
import { predict } from '../src/predict.js';
import { model } from '../src/spec.js';
import { resolveTrainingConfig } from '../src/training-config.js';
import { trainingStep } from '../src/training-step.js';

const tiny = (model_: Record<string, unknown> = {}, loss: Record<string, unknown> = {}) =>
  resolveTrainingConfig({ model: { preset: 'tiny', ...model_ }, loss });

/** A scan on grid `dims` [i, j, k] with a lesion block (when `lesion`) and a lung mask. */
function scan(dims: [number, number, number], label: string, seed: number, lesion = true): ModelScan {
  const r = new Rng(seed);
  const n = dims[0] * dims[1] * dims[2];
  const image = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const mask = new Uint8Array(n);
  const lung = new Uint8Array(n).fill(1);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 2; j < 5; j++)
      for (let i = 1; i < 4; i++) if (k >= dims[2] - 3) mask[i + dims[0] * (j + dims[1] * k)] = 1;
  return {
    id: `scan-${seed}`,
    label,
    image: { dims, data: image },
    ...(lesion ? { lesion: { dims, data: mask } } : {}),
    lung: { dims, data: lung },
  };
}

const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe('the model export', () => {
  it('is a model spec named deepsc-covid, at the package version, with the presets', () => {
    expect(checkModelSpec(model, '@deepsc/deepsc-covid')).toBe(model);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(model.name).toBe('deepsc-covid');
    expect(model.version).toBe(pkg.version);
    expect(pkg.deepsc).toEqual({ model: true });
    expect([...model.presets].sort()).toEqual(['cpu', 'paper', 'tiny']);
  });

  it.each([
    ['joint', true, true],
    ['segmentation-only', false, true],
    ['classification-only', true, false],
    ['joint-without-task-aware', true, true],
    ['joint-without-cross-stitch', true, true],
  ] as const)('tasks of %s: classes %s, segmentation %s', (variant, classes, segmentation) => {
    const t = model.tasks(tiny({ variant }));
    expect(t.segmentation).toBe(segmentation);
    expect(t.classes).toEqual(
      classes
        ? [
            { name: 'COVID-19', label: 'covid' },
            { name: 'CAP', label: 'cap' },
            { name: 'non-pneumonia', label: 'normal' },
          ]
        : undefined,
    );
    expect(t.maps).toEqual(classes ? ['evidence'] : []);
  });

  it('scans are prepared to wholeSize [D, H, W] as [i, j, k] = [W, H, D]; predict needs a cell of the coarsest whole-scan grid per voxel', () => {
    expect(model.scanGrid(tiny({ wholeSize: [16, 8, 8] }))).toEqual([8, 8, 16]);
    const paper = resolveTrainingConfig({ model: { preset: 'paper' } });
    expect(model.scanGrid(paper)).toEqual([256, 256, 48]);
    // the paper's 48x256x256 whole scan halves four times in-plane and (per its strides) less in depth
    const [d, h, w] = paper.network.wholeGrids[3];
    expect(model.minimumInput(paper)).toEqual([w, h, d]);
    expect(model.minimumInput(paper)).toEqual([16, 16, 6]);
  });

  it("forwardFlopsPerScan is the network's per scan", () => {
    const c = tiny();
    expect(model.forwardFlopsPerScan?.(c)).toBe(forwardFlopsPerScan(c.network).perScan);
  });
});

describe("optimizer: the paper's two groups", () => {
  const adam: TrainingOptimizer = { kind: 'adam', lr: 2e-3, weightDecay: 0, betas: [0.9, 0.999] };
  it.each([
    ['joint', { ...adam, segmentationLr: 4e-3 }, [4e-3, 2e-3], ['segmentationLr', 'lr']],
    ['segmentation-only', adam, [5e-3, 2e-3], ['segmentationLr', 'lr']],
    ['classification-only', { ...adam, segmentationLr: 4e-3 }, [2e-3], ['lr']],
  ] as const)('%s with %j', (variant, o, rates, names) => {
    const r = model.optimizer(tiny({ variant }), o);
    expect(r.baseLearningRates).toEqual(rates);
    expect(r.groupNames).toEqual(names);
    expect(r.config).toMatchObject({ kind: 'adam', lr: 2e-3, weightDecay: 0, betas: [0.9, 0.999] });
    const groups = r.config.groups ?? [];
    expect(groups.map((g) => g.lr)).toEqual(rates.slice(0, -1));
    for (const g of groups) {
      const select = g.params as (n: string) => boolean;
      expect(['lesion.enc1.conv.weight', 'cross_stitch.1.alpha'].map(select)).toEqual([true, true]);
      expect(['stem_whole.conv.weight', 'classifier.fc.bias'].map(select)).toEqual([false, false]);
    }
  });

  it('sgd keeps its momentum and clipping', () => {
    const r = model.optimizer(tiny(), {
      kind: 'sgd',
      lr: 0.1,
      weightDecay: 1e-4,
      momentum: 0.8,
      clipGradNorm: 5,
    });
    expect(r.config).toMatchObject({
      kind: 'sgd',
      lr: 0.1,
      weightDecay: 1e-4,
      momentum: 0.8,
      clipGradNorm: 5,
    });
    expect(r.config).not.toHaveProperty('betas');
  });

  it.each([0, -1, 'fast', Number.NaN])('refuses segmentationLr %s, naming the field', (bad) => {
    expect(() => model.optimizer(tiny(), { ...adam, segmentationLr: bad })).toThrow(
      /^optimizer\.segmentationLr: got .*; must be a positive number/,
    );
  });
});

describe('makeBatch: whole scan and patch', () => {
  const c = tiny({ wholeSize: [16, 8, 8] }); // grid [i, j, k] = [8, 8, 16]; patches of 4 along D = k
  const grid = model.scanGrid(c) as [number, number, number];

  it.each(VARIANTS)('%s: the streams its variant needs; the patch is the image at its region', (variant) => {
    const cv = tiny({ variant, wholeSize: [16, 8, 8] });
    const net = model.create(cv, { seed: 1, mode: 'infer', device: 'cpu' });
    try {
      const s = scan(grid, 'cap', 3);
      const b = model.makeBatch(net, s, {}, new Rng(5));
      expect(b.batch.labels).toEqual([1]);
      expect(b.batch.whole !== undefined).toBe(variant !== 'segmentation-only');
      expect(b.batch.patch !== undefined).toBe(variant !== 'classification-only');
      if (b.batch.whole) expect(b.batch.whole.data).toEqual(s.image.data);
      if (b.batch.patch && b.batch.region) {
        expect(b.batch.hasMask).toEqual([1]);
        const [k0, j0, i0] = b.batch.region.lo;
        expect(b.batch.region.hi).toEqual([k0 + 4, j0 + 8, i0 + 8]);
        const at = (i: number, j: number, k: number) => s.image.data[i + grid[0] * (j + grid[1] * k)];
        let o = 0;
        for (let d = 0; d < 4; d++)
          for (let h = 0; h < 8; h++)
            for (let w = 0; w < 8; w++, o++) expect(b.batch.patch.data[o]).toBe(at(i0 + w, j0 + h, k0 + d));
        expect(b.batch.lungMask?.data.every((v) => v === 1)).toBe(true);
      }
      expect(b.tensors.length).toBe(
        [b.batch.whole, b.batch.patch, b.batch.lesionMask, b.batch.lungMask].filter(Boolean).length,
      );
      for (const t of b.tensors) t.dispose();
    } finally {
      net.model.dispose();
    }
  });

  it("draws the patch as io's PatchSampler does from the same stream", () => {
    const net = model.create(c, { seed: 1, mode: 'infer', device: 'cpu' });
    try {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const s = scan(grid, 'covid', seed);
        const b = model.makeBatch(net, s, { lesionPatchProbability: 0.5 }, new Rng(`${seed}`).fork('patch'));
        const lesion = {
          ...s.lesion,
          affine: [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
          spacing: [1, 1, 1],
        };
        const want = new PatchSampler(grid, lesion as never, {
          size: [8, 8, 4],
          lesionProbability: 0.5,
          minLesionFraction: 0.01,
        }).sample(new Rng(`${seed}`).fork('patch'));
        expect(b.note).toBe(want.kind);
        expect(b.batch.region?.lo).toEqual([want.box.start[2], want.box.start[1], want.box.start[0]]);
        for (const t of b.tensors) t.dispose();
      }
    } finally {
      net.model.dispose();
    }
  });

  it('forces lesion into the patch when asked; a scan without a mask gets an empty one, flagged', () => {
    const net = model.create(c, { seed: 1, mode: 'infer', device: 'cpu' });
    try {
      const forced = model.makeBatch(net, scan(grid, 'covid', 2), { lesionPatchProbability: 1 }, new Rng(9));
      expect(forced.note).toBe('lesion');
      expect(forced.batch.lesionMask?.data.some((v) => v === 1)).toBe(true);
      const none = model.makeBatch(
        net,
        scan(grid, 'normal', 2, false),
        { lesionPatchProbability: 1 },
        new Rng(9),
      );
      expect(none.note).toBe('random');
      expect(none.batch.labels).toEqual([2]);
      expect(none.batch.hasMask).toEqual([0]);
      expect(none.batch.lesionMask?.data.every((v) => v === 0)).toBe(true);
      for (const t of [...forced.tensors, ...none.tensors]) t.dispose();
    } finally {
      net.model.dispose();
    }
  });

  it.each([
    [
      'a scan on another grid',
      scan([8, 8, 8], 'covid', 1),
      {},
      /^scan scan-1: image prepared to \[8, 8, 8\] \(i, j, k\), the network needs \[8, 8, 16\]/,
    ],
    [
      'a lesion mask on another grid',
      { ...scan(grid, 'covid', 1), lesion: { dims: [8, 8, 8], data: new Uint8Array(512) } },
      {},
      /^scan scan-1: lesion mask prepared to \[8, 8, 8\]/,
    ],
    [
      'an image that does not fill its grid',
      { ...scan(grid, 'covid', 1), image: { dims: grid, data: new Float32Array(100) } },
      {},
      /^scan scan-1: image holds 100 voxels, its grid \[8, 8, 16\] needs 1024/,
    ],
    [
      'a lung mask that does not fill its grid',
      { ...scan(grid, 'covid', 1), lung: { dims: grid, data: new Uint8Array(1023) } },
      {},
      /^scan scan-1: lung mask holds 1023 voxels/,
    ],
    [
      'an unknown label',
      scan(grid, 'flu', 1),
      {},
      /^scan scan-1: label "flu" is not one of DeepSC-COVID's classes \(covid, cap, normal\)/,
    ],
    [
      'a lesion probability above 1',
      scan(grid, 'covid', 1),
      { lesionPatchProbability: 1.5 },
      /^data\.lesionPatchProbability: got 1\.5; must be a number in \[0, 1\]/,
    ],
    [
      'a minimum fraction that is not a number',
      scan(grid, 'covid', 1),
      { minLesionFraction: '1%' },
      /^data\.minLesionFraction: got "1%"/,
    ],
  ] as const)('refuses %s', (_what, s, sampling, message) => {
    const net = model.create(c, { seed: 1, mode: 'infer', device: 'cpu' });
    try {
      expect(() => model.makeBatch(net, s as ModelScan, sampling, new Rng(1))).toThrow(message);
    } finally {
      net.model.dispose();
    }
  });
});

describe('create', () => {
  it.each([
    ['train', 'cpu', { ceWeight: 0.5 }, { ceWeight: 0.5, taskWeight: 5 }],
    ['infer', 'cpu', { ceWeight: 0.5 }, undefined],
  ] as const)(
    'mode %s on %s, loss section %j: the loss compiled in is %j',
    (mode, device, loss, compiled) => {
      const net = model.create(tiny({}, loss), { seed: 3, mode, device });
      try {
        if (compiled) expect(net.network.lossOptions).toMatchObject(compiled);
        else expect(net.network.lossOptions).toBeUndefined();
        expect(net.model).toBe(net.network.model);
        expect(net.model.mode).toBe(mode);
        if (mode === 'train') expect(net.model.learningRates()).toEqual([5e-3, 2e-3]);
        else expect(() => net.model.learningRates()).toThrow(/no optimizer/);
      } finally {
        net.model.dispose();
      }
    },
  );
});

describe('through the spec, bitwise the direct functions (tiny preset)', () => {
  const params = (m: {
    parameterNames: string[];
    parameter(n: string): { data: Float32Array; dispose(): void };
  }) =>
    Object.fromEntries(
      m.parameterNames.map((n) => {
        const t = m.parameter(n);
        const bits = bitsOf(t.data);
        t.dispose();
        return [n, bits];
      }),
    );

  it.each(['joint', 'segmentation-only', 'classification-only'] as const)(
    '%s: two steps and an accumulated micro-batch',
    async (variant: Variant) => {
      const c = tiny({ variant }, { diceWeight: 1.5 });
      const grid = model.scanGrid(c) as [number, number, number];
      const optimizer = model.optimizer(c, {
        kind: 'adam',
        lr: 2e-3,
        weightDecay: 0,
        betas: [0.9, 0.999],
      }).config;
      const viaSpec = model.create(c, { seed: 7, mode: 'train', device: 'cpu', optimizer });
      const direct = createDeepScCovid(c.network, {
        seed: 7,
        mode: 'train',
        device: 'cpu',
        optimizer,
        lossOptions: c.loss,
      });
      try {
        const steps = [{}, {}, { gradients: 'accumulate', step: false }] as const;
        for (const [i, options] of steps.entries()) {
          const b = model.makeBatch(
            viaSpec,
            scan(grid, ['covid', 'cap', 'normal'][i] as string, 20 + i),
            {},
            new Rng(i),
          );
          const got = await model.trainingStep(viaSpec, b.batch, options);
          const want = await trainingStep(direct, b.batch, options);
          for (const t of b.tensors) t.dispose();
          const { mse, ...scalars } = want.loss.terms;
          expect(got.loss).toBe(want.loss.total);
          expect(got.terms).toEqual({
            loss: want.loss.total,
            ...scalars,
            mse1: mse[0],
            mse2: mse[1],
            mse3: mse[2],
          });
          expect(got.report).toEqual(want.report);
          expect(Number.isFinite(got.loss)).toBe(true);
        }
        expect(params(viaSpec.model)).toEqual(params(direct.model));
        const g = viaSpec.model.trainableNames[0] as string;
        const [a, b] = [viaSpec.model.gradient(g), direct.model.gradient(g)];
        expect(bitsOf(a.data)).toEqual(bitsOf(b.data));
        a.dispose();
        b.dispose();
      } finally {
        viaSpec.model.dispose();
        direct.model.dispose();
      }
    },
  );

  it.each(['joint', 'segmentation-only', 'classification-only'] as const)(
    "%s: predict on a non-cubic image, on the image's own grid",
    async (variant) => {
      const c = tiny({ variant });
      const net = model.create(c, { seed: 4, mode: 'infer', device: 'cpu' });
      try {
        const dims: [number, number, number] = [10, 7, 12]; // [i, j, k]
        const r = new Rng(8);
        const image = { dims, data: Float32Array.from({ length: 10 * 7 * 12 }, () => r.uniform(-1, 1)) };
        const windows: number[] = [];
        const got = await model.predict(net, image, { overlap: 0.25, onWindow: (d) => windows.push(d) });
        const want = await predict(net.network, { data: image.data, shape: [12, 7, 10] }, { overlap: 0.25 });
        expect(got.probabilities).toEqual(want.classProbabilities ?? []);
        expect(got.probabilities.length).toBe(variant === 'segmentation-only' ? 0 : 3);
        expect(got.lesion && bitsOf(got.lesion)).toEqual(want.lesion && bitsOf(want.lesion.data));
        expect(got.lesion?.length ?? 840).toBe(840);
        expect(got.maps?.evidence && bitsOf(got.maps.evidence)).toEqual(
          want.evidence && bitsOf(want.evidence.data),
        );
        expect(windows).toEqual(Array.from({ length: want.windows }, (_, i) => i + 1));
      } finally {
        net.model.dispose();
      }
    },
  );
});
