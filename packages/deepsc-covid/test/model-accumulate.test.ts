import { type CompiledModel, GraphBuilder, mulberry32, ones, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { createDeepScCovid } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { type TrainingBatch, trainingStep } from '../src/training-step.js';

/** A sample of the tiny preset: random scan and patch, a lesion band in the patch. */
function sample(label: number, seed: number): TrainingBatch {
  const r = mulberry32(seed);
  const c = presetConfig('tiny');
  const [D, H, W] = c.wholeSize;
  const [pd, ph, pw] = c.patchSize;
  const whole = Float32Array.from({ length: D * H * W }, () => r() * 2 - 1);
  const patch = Float32Array.from({ length: pd * ph * pw }, () => r() * 2 - 1);
  const mask = Float32Array.from({ length: pd * ph * pw }, (_, i) => (Math.floor(i / pw) % ph < 3 ? 1 : 0));
  return {
    whole: Tensor.from(whole, [1, 1, D, H, W]),
    patch: Tensor.from(patch, [1, 1, pd, ph, pw]),
    region: { lo: [2, 0, 0], hi: [6, H, W] },
    labels: [label],
    lesionMask: Tensor.from(mask, [1, 1, pd, ph, pw]),
  };
}

/** Samples stacked along the batch axis (one shared region, as a batch has). */
function stack(parts: TrainingBatch[]): TrainingBatch {
  const cat = (key: 'whole' | 'patch' | 'lesionMask') => {
    const ts = parts.map((p) => p[key] as Tensor);
    const first = ts[0] as Tensor;
    const data = new Float32Array(first.data.length * ts.length);
    ts.forEach((t, i) => {
      data.set(t.data, i * first.data.length);
    });
    return Tensor.from(data, [ts.length, ...first.shape.slice(1)]);
  };
  return {
    whole: cat('whole'),
    patch: cat('patch'),
    lesionMask: cat('lesionMask'),
    region: (parts[0] as TrainingBatch).region,
    labels: parts.flatMap((p) => p.labels ?? []),
  };
}

/** |a - b| <= atol + rtol |b| for every element, else throws naming the worst element. */
function expectNear(a: Float32Array, b: Float32Array, rtol: number, atol: number, what: string): void {
  for (let i = 0; i < b.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) throw new Error(`${what}[${i}]: ${x} vs ${y}`);
  }
}

describe('gradient accumulation on DeepSC-COVID (tiny preset)', () => {
  // GroupNorm normalises each sample on its own and every loss term is a mean over the batch
  // (both samples have a lesion mask, so the segmentation term's divisor is the batch size in
  // both runs), so two micro-batches of one give the gradient of the batch of two. Not bitwise:
  // the batch sums its samples' contributions inside each kernel, the micro-batches add two
  // sums and halve them. The mean gradients agree within rtol 1e-4 plus 5e-5 of the tensor's
  // largest magnitude (measured: at most 3.4e-6 of it, in bias gradients that are sums with
  // cancellation); SGD with momentum is linear in the gradient, so the parameters after three
  // steps (lr 0.05) agree within rtol 1e-4 plus 1e-5.
  it('two accumulated micro-batches of one step like one batch of two (SGD with momentum)', async () => {
    const optimizer = { kind: 'sgd' as const, lr: 0.05, momentum: 0.9 };
    const big = createDeepScCovid(presetConfig('tiny', { batch: 2 }), { seed: 3, optimizer });
    const micro = createDeepScCovid(presetConfig('tiny'), { seed: 3, optimizer });
    try {
      const init = big.model.stateDict();
      micro.model.loadStateDict(init);
      for (const t of Object.values(init)) t.dispose();
      for (let step = 0; step < 3; step++) {
        const parts = [sample(step % 3, 10 + 2 * step), sample((step + 1) % 3, 11 + 2 * step)];
        const batch = stack(parts);
        const rb = await trainingStep(big, batch, { step: false });
        let loss = 0;
        for (const p of parts) {
          const r = await trainingStep(micro, p, { step: false, gradients: 'accumulate' });
          loss += r.loss.total / parts.length;
        }
        expect(loss).toBeCloseTo(rb.loss.total, 5);
        expect(micro.model.microBatches).toBe(2);
        for (const name of micro.model.trainableNames) {
          if (micro.model.parametersWithoutGradient.includes(name)) continue;
          const g = micro.model.gradient(name, 'accumulated');
          const want = big.model.gradient(name);
          const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          expectNear(g.data, want.data, 1e-4, 5e-5 * scale, `step ${step} gradient ${name}`);
          g.dispose();
          want.dispose();
        }
        expect((await big.model.step()).microBatches).toBe(1);
        expect((await micro.model.step()).microBatches).toBe(2);
        for (const t of [...Object.values(batch), ...parts.flatMap((p) => Object.values(p))])
          if (t instanceof Tensor && !t.disposed) t.dispose();
      }
      for (const name of micro.model.parameterNames) {
        const a = micro.model.parameter(name);
        const b = big.model.parameter(name);
        expectNear(a.data, b.data, 1e-4, 1e-5, `parameter ${name}`);
        a.dispose();
        b.dispose();
      }
    } finally {
      big.model.dispose();
      micro.model.dispose();
    }
  }, 30_000);
});

/** y = w * x (broadcast), loss-free: the seed is the gradient of y. */
function scaleNet(): CompiledModel {
  const g = new GraphBuilder({ seed: 1 });
  const x = g.input('x', [2]);
  const w = g.parameter('w', [2], ones());
  g.output('y', g.mul(x, w));
  return g.compile({ mode: 'train', seedOutputs: ['y'], optimizer: { kind: 'sgd', lr: 1 } });
}

const vec = (a: number, b: number) => Tensor.from(Float32Array.of(a, b), [2]);

describe('CompiledModel gradient accumulation API', () => {
  it('sums micro-batches, steps with their mean, and clears', async () => {
    const m = scaleNet();
    try {
      expect(m.microBatches).toBe(0);
      // dL/dw = seed * x
      await m.forward({ x: vec(1, 2) });
      await m.backward({ y: vec(1, 1) }, { gradients: 'accumulate' });
      await m.forward({ x: vec(3, 4) });
      await m.backward({ y: vec(1, 1) }, { gradients: 'accumulate' });
      expect(m.microBatches).toBe(2);
      expect(Array.from(m.gradient('w', 'accumulated').data)).toEqual([2, 3]);
      expect(Array.from(m.gradient('w').data)).toEqual([3, 4]); // the last backward's own
      expect(m.learningRates()).toEqual([1]); // allowed mid-accumulation
      const report = await m.step();
      expect(report.microBatches).toBe(2);
      expect(Array.from(m.parameter('w').data)).toEqual([-1, -2]); // 1 - mean
      expect(m.microBatches).toBe(0);
      // overwrite is the default and leaves nothing accumulated
      await m.forward({ x: vec(1, 1) });
      await m.backward({ y: vec(1, 1) });
      expect(m.microBatches).toBe(0);
      expect((await m.step()).microBatches).toBe(1);
    } finally {
      m.dispose();
    }
  });

  const errors: {
    name: string;
    run: (m: CompiledModel) => Promise<unknown>;
    message: RegExp;
    type: ErrorConstructor;
  }[] = [
    {
      name: 'an unknown gradients mode',
      run: async (m) => {
        await m.forward({ x: vec(1, 1) });
        await m.backward({ y: vec(1, 1) }, { gradients: 'sum' as never });
      },
      type: RangeError,
      message: /gradients is 'sum', expected 'overwrite' or 'accumulate'/,
    },
    {
      name: 'a step after zeroGradients',
      run: async (m) => {
        await m.forward({ x: vec(1, 1) });
        await m.backward({ y: vec(1, 1) }, { gradients: 'accumulate' });
        m.zeroGradients();
        expect(m.microBatches).toBe(0);
        await m.step();
      },
      type: Error,
      message: /needs gradients/,
    },
    {
      name: 'a checkpoint (optimizer state) mid-accumulation',
      run: async (m) => {
        await m.forward({ x: vec(1, 1) });
        await m.backward({ y: vec(1, 1) }, { gradients: 'accumulate' });
        m.optimizerState();
      },
      type: Error,
      message: /accumulated but not stepped.*checkpoint at step boundaries/,
    },
    {
      name: 'trainStep mid-accumulation',
      run: async (m) => {
        await m.forward({ x: vec(1, 1) });
        await m.backward({ y: vec(1, 1) }, { gradients: 'accumulate' });
        await m.trainStep({ x: vec(1, 1) });
      },
      type: Error,
      message: /seeded outputs|micro-batch\(es\) are accumulated/,
    },
    {
      name: 'the accumulated gradient with nothing accumulated',
      run: async (m) => {
        m.gradient('w', 'accumulated');
      },
      type: Error,
      message: /nothing is accumulated/,
    },
  ];
  it.each(errors)('rejects $name', async ({ run, message, type }) => {
    const m = scaleNet();
    try {
      let err: unknown;
      try {
        await run(m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    } finally {
      m.dispose();
    }
  });
});
