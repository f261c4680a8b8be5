import { describe, expect, it } from 'vitest';
import { liveTensorBytes, nativeMemory, Scope, scope, Tensor } from '../src/index.js';

describe('Tensor', () => {
  const creations: { name: string; make: () => Tensor; shape: number[]; values: number[] }[] = [
    { name: 'zeros', make: () => Tensor.zeros([2, 3]), shape: [2, 3], values: [0, 0, 0, 0, 0, 0] },
    { name: 'from', make: () => Tensor.from([1, 2, 3, 4], [2, 2]), shape: [2, 2], values: [1, 2, 3, 4] },
    { name: 'full', make: () => Tensor.full([3], 7), shape: [3], values: [7, 7, 7] },
    {
      name: 'wrap',
      make: () => Tensor.wrap(new Float32Array([5, 6]), [1, 2]),
      shape: [1, 2],
      values: [5, 6],
    },
    { name: 'empty', make: () => Tensor.zeros([0, 4]), shape: [0, 4], values: [] },
    { name: 'scalar', make: () => Tensor.from([3], []), shape: [], values: [3] },
  ];
  it.each(creations)('$name has its shape, size, rank and values', ({ make, shape, values }) => {
    const t = make();
    expect([...t.shape]).toEqual(shape);
    expect(t.size).toBe(values.length);
    expect(t.rank).toBe(shape.length);
    expect(t.dtype).toBe('float32');
    expect(t.device).toBe('cpu');
    expect(t.toArray()).toEqual(values);
    t.dispose();
  });

  const errors: { name: string; make: () => unknown; type: ErrorConstructor; message: string }[] = [
    {
      name: 'length mismatch',
      make: () => Tensor.from([1, 2, 3], [2, 2]),
      type: TypeError,
      message: '3 values do not fill shape [2, 2]',
    },
    { name: 'negative dim', make: () => Tensor.zeros([2, -1]), type: RangeError, message: 'shape[1] = -1' },
    { name: 'fractional dim', make: () => Tensor.zeros([1.5]), type: RangeError, message: 'shape[0] = 1.5' },
    {
      name: 'wrap of Float64Array',
      make: () => Tensor.wrap(new Float64Array(2) as never, [2]),
      type: TypeError,
      message: 'Float32Array',
    },
    {
      name: 'wrap length mismatch',
      make: () => Tensor.wrap(new Float32Array(3), [2]),
      type: TypeError,
      message: 'do not fill',
    },
    {
      name: 'reshape to another size',
      make: () => {
        const t = Tensor.zeros([2, 3]);
        try {
          return t.reshape([4]);
        } finally {
          t.dispose();
        }
      },
      type: TypeError,
      message: 'has 6 elements',
    },
    {
      name: 'unknown device',
      make: () => Tensor.zeros([1], { device: 'tpu' as never }),
      type: RangeError,
      message: "expected 'cpu' or 'cuda'",
    },
  ];
  it.each(errors)('rejects $name', ({ make, type, message }) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it("rejects device 'cuda' with the reason", () => {
    // This machine may or may not have a GPU; either way CUDA tensors are refused with a reason.
    expect(() => Tensor.zeros([1], { device: 'cuda' })).toThrow(
      /device 'cuda' is not available|not supported by this version/,
    );
  });

  it('counts native bytes until dispose, and detaches the data', () => {
    const before = liveTensorBytes();
    const t = Tensor.zeros([1000]);
    expect(liveTensorBytes() - before).toBe(4000);
    const view = t.data;
    t.dispose();
    expect(liveTensorBytes()).toBe(before);
    expect(view.length).toBe(0); // a stale view reads as empty, never as freed memory
    expect(t.disposed).toBe(true);
    expect(() => t.data).toThrow('was disposed');
    t.dispose(); // idempotent
    expect(nativeMemory().total).toBeGreaterThanOrEqual(0);
  });

  it('clone and reshape copy', () => {
    const t = Tensor.from([1, 2, 3, 4], [2, 2]);
    const c = t.clone();
    const r = t.reshape([4]);
    t.data[0] = 9;
    expect(c.toArray()).toEqual([1, 2, 3, 4]);
    expect([...r.shape]).toEqual([4]);
    expect(r.toArray()).toEqual([1, 2, 3, 4]);
    for (const x of [t, c, r]) x.dispose();
  });
});

describe('scope', () => {
  it('disposes tracked tensors and keeps the returned one (sync)', () => {
    const before = liveTensorBytes();
    let temp: Tensor | undefined;
    const kept = scope((s) => {
      temp = s.track(Tensor.zeros([10]));
      return s.track(Tensor.zeros([5]));
    });
    expect(temp?.disposed).toBe(true);
    expect(kept.disposed).toBe(false);
    kept.dispose();
    expect(liveTensorBytes()).toBe(before);
  });

  it('works across await and keeps the tensors of a returned record', async () => {
    const before = liveTensorBytes();
    const out = await scope(async (s) => {
      const a = s.track(Tensor.zeros([4]));
      await new Promise((r) => setTimeout(r, 1));
      const rec = s.track({ x: Tensor.zeros([2]), y: Tensor.zeros([3]) });
      expect(a.disposed).toBe(false);
      return rec;
    });
    expect(out.x.disposed).toBe(false);
    out.x.dispose();
    out.y.dispose();
    expect(liveTensorBytes()).toBe(before);
  });

  it('disposes on error and refuses tracking after it ended', async () => {
    let t: Tensor | undefined;
    await expect(
      scope(async (s) => {
        t = s.track(Tensor.zeros([3]));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(t?.disposed).toBe(true);
    const s = new Scope();
    s.dispose();
    expect(() => s.track(Tensor.zeros([1]))).toThrow('already ended');
  });
});
