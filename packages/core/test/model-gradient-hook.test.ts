/**
 * CompiledModel's side of the gradient hook (the hook itself comes from @deepsc/distributed and
 * is tested there across processes; the engine's protocol in native/test/cpp/test_gradient_hook.cpp):
 * what setGradientHook accepts, and backward's syncGradients option without a hook.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, ones, Tensor } from '../src/index.js';

function tiny() {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 2, 2]);
  const w = g.parameter('w', [2], ones());
  const b = g.parameter('b', [2], ones());
  g.output('y', g.groupNorm(x, w, b, { groups: 1 }));
  return g.compile({ seedOutputs: ['y'], optimizer: { kind: 'sgd', lr: 0.1 } });
}

describe('setGradientHook', () => {
  const notHooks: { name: string; value: unknown }[] = [
    { name: 'a plain object', value: {} },
    { name: 'a number', value: 3 },
    { name: 'a string', value: 'hook' },
  ];
  it.each(notHooks)('refuses $name with a TypeError naming what it expects', ({ value }) => {
    const m = tiny();
    expect(() => m.setGradientHook(value as object)).toThrow(TypeError);
    expect(() => m.setGradientHook(value as object)).toThrow(
      /setGradientHook: expected a gradient hook from @deepsc\/distributed \(ProcessGroup\.attachGradients\) or null/,
    );
    m.dispose();
  });

  it('null removes nothing when no hook is set; a disposed model refuses', () => {
    const m = tiny();
    m.setGradientHook(null);
    m.dispose();
    expect(() => m.setGradientHook(null)).toThrow(/disposed/);
  });
});

describe('backward syncGradients without a hook', () => {
  it('is ignored: false still lets the step use the local gradients', async () => {
    const m = tiny();
    const x = Tensor.from([1, 2, 3, 5], [1, 2, 2]);
    const seed = Tensor.from([1, -1, 2, 0.5], [1, 2, 2]);
    (await m.forward({ x })).y?.dispose();
    await m.backward({ y: seed }, { syncGradients: false });
    const report = await m.step();
    expect(report.updated).toBe(2);
    (await m.forward({ x })).y?.dispose();
    await expect(m.backward({ y: seed }, { syncGradients: 'yes' as never })).rejects.toThrow(
      /backward: syncGradients must be a boolean, got string/,
    );
    for (const t of [x, seed]) t.dispose();
    m.dispose();
  });
});
