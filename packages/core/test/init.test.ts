import { describe, expect, it } from 'vitest';
import {
  constant,
  fans,
  GraphBuilder,
  type Initializer,
  initialize,
  kaimingNormal,
  kaimingUniform,
  ones,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  zeros,
} from '../src/index.js';

const stats = (v: Float32Array) => {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let variance = 0;
  let max = 0;
  for (const x of v) {
    variance += (x - mean) ** 2;
    max = Math.max(max, Math.abs(x));
  }
  return { mean, std: Math.sqrt(variance / v.length), max };
};

describe('initialisers', () => {
  it('computes fans as PyTorch does', () => {
    expect(fans([32, 16, 3, 3, 3])).toEqual({ fanIn: 16 * 27, fanOut: 32 * 27 });
    expect(fans([3, 448])).toEqual({ fanIn: 448, fanOut: 3 });
    expect(() => fans([5])).toThrow(/at least 2 dimensions/);
  });

  // 64 x 32 x 3^3 = 55296 draws: the sample std is within about 1% of the target.
  const shape = [64, 32, 3, 3, 3];
  const fanIn = 32 * 27;
  const fanOut = 64 * 27;
  const cases: { name: string; init: Initializer; std: number; bound?: number }[] = [
    { name: 'kaiming_normal (He: fan_in, relu)', init: kaimingNormal(), std: Math.sqrt(2 / fanIn) },
    { name: 'kaiming_normal fan_out', init: kaimingNormal({ mode: 'fan_out' }), std: Math.sqrt(2 / fanOut) },
    {
      name: 'kaiming_uniform',
      init: kaimingUniform(),
      std: Math.sqrt(2 / fanIn),
      bound: Math.sqrt(6 / fanIn),
    },
    // PyTorch's Conv3d default: kaiming_uniform(a = sqrt 5): bound 1 / sqrt(fan_in)
    {
      name: 'PyTorch default weight',
      init: pytorchDefaultWeight(),
      std: 1 / Math.sqrt(3 * fanIn),
      bound: 1 / Math.sqrt(fanIn),
    },
    {
      name: 'PyTorch default bias',
      init: pytorchDefaultBias(shape),
      std: 1 / Math.sqrt(3 * fanIn),
      bound: 1 / Math.sqrt(fanIn),
    },
    { name: 'normal', init: { kind: 'normal', std: 0.02 }, std: 0.02 },
  ];
  it.each(cases)('$name has the right spread', ({ init, std, bound }) => {
    const v = initialize(init, shape, 1, 'w');
    const s = stats(v);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * std * 5);
    expect(s.std / std).toBeGreaterThan(0.98);
    expect(s.std / std).toBeLessThan(1.02);
    if (bound !== undefined) {
      expect(s.max).toBeLessThanOrEqual(bound);
      expect(s.max).toBeGreaterThan(0.99 * bound);
    }
  });

  it.each([
    { init: zeros(), value: 0 },
    { init: ones(), value: 1 },
    { init: constant(0.25), value: 0.25 },
  ])('$init.kind fills a constant', ({ init, value }) => {
    expect(Array.from(initialize(init, [2, 3], 1, 'b'))).toEqual(new Array(6).fill(value));
  });

  it('draws one stream per (seed, name): reproducible, independent of other parameters', () => {
    const a = initialize(kaimingNormal(), [8, 4], 7, 'conv.weight');
    expect(initialize(kaimingNormal(), [8, 4], 7, 'conv.weight')).toEqual(a);
    expect(initialize(kaimingNormal(), [8, 4], 8, 'conv.weight')).not.toEqual(a);
    expect(initialize(kaimingNormal(), [8, 4], 7, 'conv2.weight')).not.toEqual(a);
    // Declaring another parameter first does not change this one's values.
    const read = (extra: boolean) => {
      const g = new GraphBuilder({ seed: 7 });
      if (extra) g.parameter('before', [100], { kind: 'normal', std: 1 });
      const w = g.parameter('conv.weight', [8, 4], kaimingNormal());
      g.output('w', g.relu(w));
      const m = g.compile();
      const t = m.parameter('conv.weight');
      const v = t.toArray();
      t.dispose();
      m.dispose();
      return v;
    };
    expect(read(true)).toEqual(Array.from(a));
    expect(read(false)).toEqual(Array.from(a));
  });

  it('rejects a negative bound or std', () => {
    expect(() => initialize({ kind: 'uniform', bound: -1 }, [2], 0, 'b')).toThrow(/bound must be >= 0/);
    expect(() => initialize({ kind: 'normal', std: -1 }, [2], 0, 'b')).toThrow(/std must be >= 0/);
  });
});
