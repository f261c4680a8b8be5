/**
 * The U-Net on both backends: one training step (forward, the deep-supervised Dice + CE in the
 * graph, backward, SGD) compiled for the CPU and for CUDA from the same seed on the same batch,
 * then predict over a scan larger than the window. Compared: the loss and its terms, every
 * parameter's gradient, the parameters after the step (SGD's update is linear in the gradient,
 * so it inherits the gradient's bound) and the predicted lesion probability.
 *
 * Tolerances, relative to each tensor's largest magnitude: terms and probabilities 1e-4,
 * gradients 1e-3 (float32 sums in different orders; instance norm's backward subtracts means).
 *
 * Without a GPU the CUDA case SKIPS, saying why; DEEPSC_REQUIRE_CUDA=1 turns that into a
 * failure. The comparison itself runs everywhere: CPU against CPU must agree exactly.
 */
import { cudaAvailable, type Device } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { model } from '../src/index.js';
import { ballScan, source } from './support.js';

const gpu = cudaAvailable();
if (!gpu && process.env.DEEPSC_REQUIRE_CUDA === '1')
  throw new Error('DEEPSC_REQUIRE_CUDA=1 but CUDA is not available (no CUDA build or no GPU)');

async function run(device: Device) {
  const c = model.resolveConfig({ model: { preset: 'tiny', scanSize: [8, 16, 24] } });
  const net = model.create(c, {
    seed: 4,
    mode: 'train',
    device,
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  });
  const b = model.makeBatch(net, ballScan([24, 16, 8], [12, 8, 4], 3), {}, source(2));
  try {
    const step = await model.trainingStep(net, b.batch, { step: false });
    const gradients = Object.fromEntries(
      net.model.trainableNames.map((n) => [n, Array.from(net.model.gradient(n).data)]),
    );
    await net.model.step();
    const parameters = Object.fromEntries(
      net.model.trainableNames.map((n) => [n, Array.from(net.model.parameter(n).data)]),
    );
    const p = await model.predict(net, ballScan([40, 20, 10], [20, 10, 5], 4).image);
    return { terms: step.terms, gradients, parameters, lesion: Array.from(p.lesion ?? []) };
  } finally {
    for (const t of b.tensors) t.dispose();
    net.model.dispose();
  }
}

/** max |a - b| / max |b| (0 when both are all zero). */
function relative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

async function compare(other: Device, exact: boolean) {
  const [a, b] = [await run('cpu'), await run(other)];
  const tol = (t: number) => (exact ? 0 : t);
  for (const k of Object.keys(a.terms))
    expect(relative([b.terms[k] as number], [a.terms[k] as number]), `term ${k}`).toBeLessThanOrEqual(
      tol(1e-4),
    );
  for (const n of Object.keys(a.gradients))
    expect(
      relative(b.gradients[n] as number[], a.gradients[n] as number[]),
      `gradient of ${n}`,
    ).toBeLessThanOrEqual(tol(1e-3));
  for (const n of Object.keys(a.parameters))
    expect(relative(b.parameters[n] as number[], a.parameters[n] as number[]), n).toBeLessThanOrEqual(
      tol(1e-3),
    );
  expect(relative(b.lesion, a.lesion), 'lesion probability').toBeLessThanOrEqual(tol(1e-4));
}

describe('unet3d: CPU and CUDA agree', () => {
  it('the comparison: CPU against CPU, exactly', async () => {
    await compare('cpu', true);
  });
  it.skipIf(!gpu)(
    'a training step and predict on CUDA against the CPU (skipped: no CUDA build or no GPU)',
    async () => {
      await compare('cuda', false);
    },
  );
});
