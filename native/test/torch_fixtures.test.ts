/**
 * Parity with PyTorch 1.13 on the semantics that are easy to get subtly wrong: pooled output
 * sizes with ceil_mode, padding divisors, the first-maximum rule, and resize's source-index
 * rounding. The fixture is written by fixtures/make_torch_fixtures.py (no Python needed here).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backward, forward, type OpAttrs } from '../lib/index.js';
import { expectClose } from './support/testing.js';

type FixtureOp = 'max_pool3d' | 'avg_pool3d' | 'resize';
interface FixtureCase {
  op: FixtureOp;
  attrs: Record<string, unknown>;
  shape: number[];
  x: number[];
  outShape: number[];
  y: number[];
  gy: number[];
  dx: number[];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures', 'torch_pool_resize.json'), 'utf8')) as {
  torch: string;
  cases: FixtureCase[];
};
const tol = { rtol: 1e-5, atol: 1e-5 };

describe(`parity with PyTorch ${fixture.torch}`, () => {
  it('has cases for every op', () =>
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(['max_pool3d', 'avg_pool3d', 'resize'])));

  it.each(fixture.cases.map((c) => [`${c.op} ${JSON.stringify(c.attrs)} on [${c.shape}]`, c] as const))(
    '%s',
    (_n, c) => {
      const attrs = c.attrs as unknown as OpAttrs[FixtureOp];
      const x = { data: Float32Array.from(c.x), shape: c.shape };
      const [y] = forward(c.op, attrs, [x]);
      expect(y?.shape).toEqual(c.outShape);
      expectClose(y!.data, c.y, tol, `${c.op} forward`);
      const gy = { data: Float32Array.from(c.gy), shape: c.outShape };
      const [dx] = backward(c.op, attrs, [x], [y!], [gy], [true]);
      expectClose(dx!.data, c.dx, tol, `${c.op} backward`);
    },
  );
});
