/**
 * my_swish through the public APIs only: its case table against a float64 reference with
 * finite-difference gradients, declared backward reads and thread-count determinism
 * (@deepsc/native/testing), CUDA against the CPU where a GPU is present, and a tiny network
 * using the op that trains. Run `npm run build` first.
 */
import {
  type CompiledModel,
  GraphBuilder,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  Tensor,
} from '@deepsc/core';
import {
  checkOp,
  compareWithCuda,
  cudaDeviceAvailable,
  type OpCase,
  type Ref,
  randTensor,
  rng,
} from '@deepsc/native/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMySwish } from '../index.js';

let hasCuda = false;
beforeAll(() => {
  const lib = loadMySwish();
  hasCuda = lib.ops[0]?.cuda === true && cudaDeviceAvailable();
});

/** The float64 reference: y = x sigmoid(beta x). */
const swish =
  (beta: number) =>
  ([x]: (Ref | null)[]): Ref[] => {
    const t = x as Ref;
    return [{ data: t.data.map((v) => v / (1 + Math.exp(-beta * v))), shape: t.shape }];
  };

const r = rng(1);
const cases: (OpCase & { beta: number })[] = [
  { name: 'default beta, [1]', attrs: {}, beta: 1, inputs: [randTensor([1], r)] },
  {
    name: 'beta 1.7, odd 5D [1, 3, 5, 7, 9]',
    attrs: { beta: 1.7 },
    beta: 1.7,
    inputs: [randTensor([1, 3, 5, 7, 9], r, -4, 4)],
  },
  { name: 'beta 0 (x / 2)', attrs: { beta: 0 }, beta: 0, inputs: [randTensor([2, 17], r)] },
  { name: 'negative beta', attrs: { beta: -0.5 }, beta: -0.5, inputs: [randTensor([33], r, -3, 3)] },
  {
    name: 'saturated (|x| up to 30)',
    attrs: {},
    beta: 1,
    inputs: [randTensor([64], r, -30, 30)],
    gradTol: { rtol: 1e-3, atol: 1e-4 },
  },
  { name: 'more than one task [40001]', attrs: {}, beta: 1, inputs: [randTensor([40001], r)] },
];

describe('my_swish', () => {
  it.each(cases)('$name', (c) => checkOp('my_swish', c, swish(c.beta), { probes: 48, threads: [1, 3] }));

  it.each(cases)('CUDA against the CPU: $name', (c) => {
    if (!hasCuda) return; // no GPU here (or a CPU-only build): the CPU cases above stand
    const res = compareWithCuda('my_swish', c, { rtol: 1e-5, atol: 1e-6 });
    expect(res.failures).toEqual([]);
  });

  it('refuses an unknown attribute', () => {
    expect(() =>
      checkOp('my_swish', { name: 'typo', attrs: { betta: 1 }, inputs: [randTensor([2], r)] }, swish(1)),
    ).toThrow("my_swish: unknown attribute 'betta' (known: beta)");
  });
});

describe('a network using my_swish', () => {
  /** x [16, 4] -> linear(8) -> my_swish -> linear(1), MSE against a smooth target. */
  function network(seed: number): CompiledModel {
    const g = new GraphBuilder({ seed });
    const x = g.input('x', [16, 4]);
    const w1 = g.parameter('fc1.weight', [8, 4], pytorchDefaultWeight());
    const b1 = g.parameter('fc1.bias', [8], pytorchDefaultBias([8, 4]));
    const w2 = g.parameter('fc2.weight', [1, 8], pytorchDefaultWeight());
    const [h] = g.op('linear', {}, [x, w1, b1]);
    const [a] = g.op('my_swish', { beta: 1.5 }, [h ?? null], { name: 'act' });
    const [y] = g.op('linear', {}, [a ?? null, w2, null]);
    const [loss] = g.op('mse', {}, [y ?? null, g.input('target', [16, 1]), null]);
    if (!loss) throw new Error('no loss');
    g.loss(loss);
    return g.compile({ device: hasCuda ? 'cuda' : 'cpu', optimizer: { kind: 'adam', lr: 0.02 } });
  }

  it('trains: the loss falls', async () => {
    const rand = rng(5);
    const xs = Array.from({ length: 64 }, () => rand() * 2 - 1);
    const ts = Array.from(
      { length: 16 },
      (_, i) => Math.sin(2 * (xs[4 * i] as number)) + (xs[4 * i + 1] as number) ** 2,
    );
    const x = Tensor.from(xs, [16, 4]);
    const target = Tensor.from(ts, [16, 1]);
    const m = network(3);
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const { outputs } = await m.trainStep({ x, target }, { outputs: ['loss'] });
      losses.push(outputs.loss?.data[0] as number);
      outputs.loss?.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) / 4);
    m.dispose();
    x.dispose();
    target.dispose();
  });
});
