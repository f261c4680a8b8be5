import { describe, expect, it } from 'vitest';
import {
  type ChannelVolume,
  GraphBuilder,
  gaussianWeights,
  liveTensorBytes,
  modelWindowForward,
  mulberry32,
  slidingWindowInference,
  Tensor,
  type WindowForward,
} from '../src/index.js';

const volume = (shape: [number, number, number, number], seed: number): ChannelVolume => {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 4 - 2), shape };
};

/** A compiled network that returns its input (`mul_scalar` by 1 is exact), on windows of `window`. */
function identityModel(channels: number, window: [number, number, number]) {
  const g = new GraphBuilder();
  g.output('y', g.mulScalar(g.input('image', [1, channels, ...window]), 1));
  return g.compile({ mode: 'infer' });
}

describe('inferer: a network that is the identity gives back the image exactly', () => {
  it.each([
    {
      name: 'windows tile the image, overlap 0.5',
      shape: [2, 9, 11, 7],
      window: [4, 5, 6],
      overlap: 0.5,
      blending: 'gaussian',
    },
    {
      name: 'overlap 0, constant blending',
      shape: [1, 8, 10, 12],
      window: [4, 5, 6],
      overlap: 0,
      blending: 'constant',
    },
    { name: 'heavy overlap', shape: [1, 6, 6, 6], window: [3, 3, 3], overlap: 0.9, blending: 'gaussian' },
    {
      name: 'image smaller than the window (padded) on two axes',
      shape: [2, 3, 11, 4],
      window: [4, 5, 6],
      overlap: 0.5,
      blending: 'gaussian',
    },
    {
      name: 'image equal to the window',
      shape: [1, 4, 5, 6],
      window: [4, 5, 6],
      overlap: 0.5,
      blending: 'gaussian',
    },
  ] as const)('$name', async ({ shape, window, overlap, blending }) => {
    const m = identityModel(shape[0], [...window]);
    const image = volume([...shape], 3);
    const before = liveTensorBytes();
    const out = await slidingWindowInference(modelWindowForward(m), image, { window, overlap, blending });
    expect(liveTensorBytes()).toBe(before);
    expect(Object.keys(out)).toEqual(['y']);
    expect(out.y?.shape).toEqual(shape);
    expect(Buffer.from(out.y?.data.buffer as ArrayBuffer).equals(Buffer.from(image.data.buffer))).toBe(true);
    m.dispose();
  });
});

describe('inferer: blending', () => {
  // Along W: 12 voxels, windows of 8 at overlap 0.5 start at 0 and 4. Window i outputs the
  // constant c_i, so a voxel gets sum_i g_i c_i / sum_i g_i over the windows covering it.
  const values = [10, 30];
  const run = async (blending: 'gaussian' | 'constant') => {
    let calls = 0;
    const forward: WindowForward = async (x) => {
      const c = values[calls++] as number;
      return { p: Tensor.full([1, 1, ...(x.shape.slice(2) as [number, number, number])], c) };
    };
    const out = await slidingWindowInference(forward, volume([1, 1, 1, 12], 1), {
      window: [1, 1, 8],
      blending,
    });
    expect(calls).toBe(2);
    return out.p?.data as Float32Array;
  };
  it('gaussian: each voxel weighs windows by its place in them', async () => {
    const p = await run('gaussian');
    const g = gaussianWeights([1, 1, 8]);
    for (let v = 0; v < 12; v++) {
      const w0 = v < 8 ? (g[v] as number) : 0;
      const w1 = v >= 4 ? (g[v - 4] as number) : 0;
      expect(p[v]).toBeCloseTo((w0 * 10 + w1 * 30) / (w0 + w1), 5);
    }
    // the middle of the overlap lies off both windows' centres: a true blend
    expect(p[6]).toBeGreaterThan(10);
    expect(p[6]).toBeLessThan(30);
  });
  it('constant: the plain mean where windows overlap', async () => {
    const p = Array.from(await run('constant'));
    expect(p).toEqual([10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30]);
  });

  // The same two windows, outputs computed on the host in float64 (not float32 values).
  const host = [1 / 3, 2 / 7];
  const f = Math.fround;
  it.each([
    {
      sums: 'float64',
      // one rounding, at the end
      expected: (w0: number, w1: number) =>
        f((w0 * (host[0] as number) + w1 * (host[1] as number)) / (w0 + w1)),
    },
    {
      sums: 'float32',
      // each window's add rounded to float32, as is the sum of the weights
      expected: (w0: number, w1: number) =>
        f(f(f(w0 * (host[0] as number)) + w1 * (host[1] as number)) / f(f(w0) + w1)),
    },
  ] as const)('sums in $sums, of float64 outputs computed on the host', async ({ sums, expected }) => {
    let calls = 0;
    const forward: WindowForward = async () => ({
      p: { data: new Float64Array(8).fill(host[calls++] as number), shape: [1, 1, 1, 1, 8] },
    });
    const out = await slidingWindowInference(forward, volume([1, 1, 1, 12], 1), { window: [1, 1, 8], sums });
    const g = gaussianWeights([1, 1, 8]);
    const want = Array.from({ length: 12 }, (_, v) =>
      expected(v < 8 ? (g[v] as number) : 0, v >= 4 ? (g[v - 4] as number) : 0),
    );
    expect(Array.from(out.p?.data ?? [])).toEqual(want);
    // the two precisions differ on this input, so each case checks its own rounding
    const other = Array.from({ length: 12 }, (_, v) => {
      const w0 = v < 8 ? (g[v] as number) : 0;
      const w1 = v >= 4 ? (g[v - 4] as number) : 0;
      return sums === 'float64'
        ? f(f(f(w0 * (host[0] as number)) + w1 * (host[1] as number)) / f(f(w0) + w1))
        : f((w0 * (host[0] as number) + w1 * (host[1] as number)) / (w0 + w1));
    });
    expect(want).not.toEqual(other);
  });
});

describe('inferer: padding, progress and memory', () => {
  it('pads a small image centred with padValue and crops the result back', async () => {
    const seen: number[][] = [];
    const forward: WindowForward = async (x) => {
      seen.push(Array.from(x.data));
      return { y: Tensor.from(x.data, x.shape) };
    };
    const image: ChannelVolume = { data: Float32Array.of(1, 2, 3, 4), shape: [1, 1, 2, 2] };
    const out = await slidingWindowInference(forward, image, { window: [1, 4, 3], padValue: -5 });
    const p = -5;
    // 2 rows -> 4 (1 before, 1 after); 2 columns -> 3 (0 before, 1 after)
    expect(seen).toEqual([[p, p, p, 1, 2, p, 3, 4, p, p, p, p]]);
    expect(Array.from(out.y?.data ?? [])).toEqual([1, 2, 3, 4]);
  });
  it('tells the forward where each window lies, in image coordinates', async () => {
    const places: [number, number, number[]][] = [];
    const forward: WindowForward = async (x, p) => {
      places.push([p.index, p.total, [...p.start]]);
      return { y: Tensor.from(x.data, x.shape) };
    };
    // D: 2 -> padded to 4 (1 before); W: 8 with windows of 4 at overlap 0.5: starts 0, 2, 4
    await slidingWindowInference(forward, volume([1, 2, 3, 8], 1), { window: [4, 3, 4] });
    expect(places).toEqual([
      [0, 3, [-1, 0, 0]],
      [1, 3, [-1, 0, 2]],
      [2, 3, [-1, 0, 4]],
    ]);
  });
  it('reports progress after each window', async () => {
    const calls: [number, number][] = [];
    const m = identityModel(1, [2, 2, 2]);
    await slidingWindowInference(modelWindowForward(m), volume([1, 4, 4, 2], 1), {
      window: [2, 2, 2],
      overlap: 0,
      onWindow: (d, t) => calls.push([d, t]),
    });
    expect(calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    m.dispose();
  });
});

describe('inferer: errors name the problem, and leave no tensor behind', () => {
  const ok = volume([1, 4, 4, 4], 1);
  const echo: WindowForward = async (x) => ({ y: Tensor.from(x.data, x.shape) });
  it.each([
    {
      name: 'image of rank 3',
      image: { data: new Float32Array(8), shape: [2, 2, 2] },
      options: { window: [2, 2, 2] },
      error: /image shape \[2,2,2\] must be four positive integers \[C, D, H, W\]/,
    },
    {
      name: 'data not filling the shape',
      image: { data: new Float32Array(7), shape: [1, 2, 2, 2] },
      options: { window: [2, 2, 2] },
      error: /image data \(7 values\) does not fill \[1, 2, 2, 2\]/,
    },
    {
      name: 'window of two axes',
      image: ok,
      options: { window: [2, 2] },
      error: /window \[2,2\] must be three positive integers/,
    },
    {
      name: 'window of zero',
      image: ok,
      options: { window: [2, 0, 2] },
      error: /window \[2,0,2\] must be three positive integers/,
    },
    {
      name: 'overlap 1',
      image: ok,
      options: { window: [2, 2, 2], overlap: 1 },
      error: /overlap 1 must be in \[0, 1\)/,
    },
    {
      name: 'unknown blending',
      image: ok,
      options: { window: [2, 2, 2], blending: 'median' },
      error: /blending 'median' must be gaussian or constant/,
    },
    {
      name: 'padValue NaN',
      image: ok,
      options: { window: [2, 2, 2], padValue: Number.NaN },
      error: /padValue NaN must be finite/,
    },
    {
      name: 'unknown sums precision',
      image: ok,
      options: { window: [2, 2, 2], sums: 'float16' },
      error: /sums 'float16' must be float64 or float32/,
    },
  ])('$name', async ({ image, options, error }) => {
    await expect(slidingWindowInference(echo, image as ChannelVolume, options as never)).rejects.toThrow(
      RangeError,
    );
    await expect(slidingWindowInference(echo, image as ChannelVolume, options as never)).rejects.toThrow(
      error,
    );
  });
  it.each([
    {
      name: 'an output that is not per-voxel',
      forward: (async () => ({ logits: Tensor.zeros([1, 3]) })) as WindowForward,
      error: /output 'logits' is \[1, 3\], expected \[1, K, 2, 2, 2\]/,
    },
    {
      name: 'an output whose channels change',
      forward: ((): WindowForward => {
        let n = 0;
        return async (x) => ({
          y: Tensor.zeros([1, 1 + (n++ % 2), ...(x.shape.slice(2) as [number, number, number])]),
        });
      })(),
      error: /output 'y' has 2 channels at window 2, 1 before/,
    },
    {
      name: 'outputs that change between windows',
      forward: ((): WindowForward => {
        let n = 0;
        return async (x) => ({
          [n++ === 0 ? 'a' : 'b']: Tensor.zeros([1, 1, ...(x.shape.slice(2) as [number, number, number])]),
        });
      })(),
      error: /output 'b' appeared at window 2, not the first/,
    },
    {
      name: 'a host output whose values do not fill its shape',
      forward: (async () => ({ y: { data: new Float64Array(3), shape: [1, 1, 2, 2, 2] } })) as WindowForward,
      error: /output 'y' has 3 values, its shape \[1, 1, 2, 2, 2\] needs 8/,
    },
  ])('$name', async ({ forward, error }) => {
    const before = liveTensorBytes();
    await expect(slidingWindowInference(forward, ok, { window: [2, 2, 2], overlap: 0 })).rejects.toThrow(
      error,
    );
    expect(liveTensorBytes()).toBe(before);
  });
  it('a failing forward propagates, its window disposed', async () => {
    const before = liveTensorBytes();
    const failing: WindowForward = async () => {
      throw new Error('engine said no');
    };
    await expect(slidingWindowInference(failing, ok, { window: [2, 2, 2] })).rejects.toThrow(
      'engine said no',
    );
    expect(liveTensorBytes()).toBe(before);
  });
  it('modelWindowForward needs the input named when the model has several', () => {
    const g = new GraphBuilder();
    g.output('y', g.add(g.input('a', [1, 1, 2, 2, 2]), g.input('b', [1, 1, 2, 2, 2])));
    const m = g.compile({ mode: 'infer' });
    expect(() => modelWindowForward(m)).toThrow(
      /the model has inputs \[a, b\]: name the one the window feeds/,
    );
    expect(() => modelWindowForward(m, { input: 'c' })).toThrow(
      /the model has no input 'c' \(it has \[a, b\]\)/,
    );
    m.dispose();
  });
});
