import { createHash } from 'node:crypto';
import { GraphBuilder, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig, VARIANTS, type Variant } from '../src/config.js';
import { buildDeepScCovid } from '../src/deepsc-covid.js';
import { resolveLossOptions } from '../src/loss-options.js';
import { createDeepScCovid } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { regionInputNames } from '../src/region.js';
import { networkInputs } from '../src/training-step.js';

const sha = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

/** The graph of a variant at the tiny preset: every value's label and shape, every parameter's name and shape. */
function fingerprint(variant: Variant) {
  const g = new GraphBuilder({ seed: 0 });
  buildDeepScCovid(g, resolveConfig(presetConfig('tiny', { variant })));
  return {
    graph: sha(g.values.map((v) => [v.label, v.shape])),
    parameters: sha(g.parameters.map((p) => [p.name, p.shape, p.trainable])),
    count: g.parameters.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0),
  };
}

/** Sum and sum of squares of each output of an inference forward on fixed inputs. */
async function forwardSums(variant: Variant) {
  const net = createDeepScCovid(presetConfig('tiny', { variant }), { mode: 'infer', optimizer: null });
  const c = net.config;
  const ramp = (shape: number[], k: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return Tensor.from(
      Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + k)),
      shape,
    );
  };
  const whole = ramp([1, 1, ...c.wholeSize], 0);
  const patch = ramp([1, 1, ...c.patchSize], 1);
  const { inputs, owned } = networkInputs(net, {
    whole,
    patch,
    region: { lo: [2, 0, 0], hi: [6, 8, 8] },
  });
  const outs = await net.model.forward(inputs);
  const sums: Record<string, [number, number]> = {};
  for (const [name, t] of Object.entries(outs)) {
    let s = 0;
    let q = 0;
    for (const v of t.data) {
      s += v;
      q += v * v;
    }
    sums[name] = [s, q];
    t.dispose();
  }
  for (const t of [whole, patch, ...owned]) t.dispose();
  net.model.dispose();
  return sums;
}

/**
 * What arms 1-4 of the ablation built before `joint-without-cross-stitch` was added (recorded
 * from the code at bb71f4b with the functions above): the graph's values (labels and shapes),
 * the parameters (names, shapes) and an inference forward on fixed inputs. Adding a variant must
 * not change any of them: finished study runs of those arms stay comparable with new ones.
 */
const BEFORE: Record<
  string,
  { graph: string; parameters: string; count: number; sums: Record<string, [number, number]> }
> = {
  joint: {
    graph: '159743e79811db6b',
    parameters: '5479da12418a32fb',
    count: 20772,
    sums: {
      seg_logits: [144.50203236564994, 238.26085007217628],
      logits: [0.11307796835899353, 0.15201337578967022],
      whole_lesion: [18.45119347423315, 5.807660496010234],
      side1: [2.8419208228588104, 1.059516681040102],
      evidence1: [8.497066676616669, 4.5314552263907295],
      evidence1_patch: [4.266403555870056, 2.2922081594776245],
      side2: [4.3844470381736755, 2.4183966195822073],
      evidence2: [7.518975079059601, 3.5843551325170075],
      evidence2_patch: [3.8969652950763702, 1.9346684712477673],
      side3: [3.3832268118858337, 1.5508047018934175],
      evidence3: [9.165613293647766, 5.300496317397489],
      evidence3_patch: [4.68619704246521, 2.7750497923609814],
    },
  },
  'segmentation-only': {
    graph: '3eca7b454decc231',
    parameters: 'e33fb0fcc4e9466c',
    count: 16034,
    sums: {
      seg_logits: [145.16534643620253, 228.4249418786406],
      side1: [2.9182035326957703, 1.101245750407589],
      side2: [4.466412514448166, 2.5155098106183873],
      side3: [3.3324718475341797, 1.5061511758981005],
    },
  },
  'classification-only': {
    graph: '53187826a6c27524',
    parameters: 'e14b1f14d3e26711',
    count: 4621,
    sums: {
      logits: [0.38699521124362946, 0.22742883637325595],
      evidence1: [8.77566882967949, 4.855289364928372],
      evidence2: [7.42692294716835, 3.4711584064563246],
      evidence3: [9.368645131587982, 5.5121654081337645],
    },
  },
  'joint-without-task-aware': {
    graph: '159743e79811db6b',
    parameters: '5479da12418a32fb',
    count: 20772,
    sums: {
      seg_logits: [144.50203236564994, 238.26085007217628],
      logits: [0.11307796835899353, 0.15201337578967022],
      whole_lesion: [18.45119347423315, 5.807660496010234],
      side1: [2.8419208228588104, 1.059516681040102],
      evidence1: [8.497066676616669, 4.5314552263907295],
      evidence1_patch: [4.266403555870056, 2.2922081594776245],
      side2: [4.3844470381736755, 2.4183966195822073],
      evidence2: [7.518975079059601, 3.5843551325170075],
      evidence2_patch: [3.8969652950763702, 1.9346684712477673],
      side3: [3.3832268118858337, 1.5508047018934175],
      evidence3: [9.165613293647766, 5.300496317397489],
      evidence3_patch: [4.68619704246521, 2.7750497923609814],
    },
  },
};

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

describe('the variants that existed before joint-without-cross-stitch', () => {
  it.each(Object.keys(BEFORE) as Variant[])(
    '%s builds the same graph and parameters and computes the same forward',
    async (variant) => {
      const was = BEFORE[variant] as (typeof BEFORE)[string];
      expect(fingerprint(variant)).toEqual({
        graph: was.graph,
        parameters: was.parameters,
        count: was.count,
      });
      const sums = await forwardSums(variant);
      expect(Object.keys(sums).sort()).toEqual(Object.keys(was.sums).sort());
      for (const [name, [s, q]] of Object.entries(was.sums)) {
        const [s2, q2] = sums[name] as [number, number];
        expect(close(s2, s), `${name} sum ${s2} vs ${s}`).toBe(true);
        expect(close(q2, q), `${name} sum of squares ${q2} vs ${q}`).toBe(true);
      }
    },
  );
});

describe('joint-without-cross-stitch', () => {
  const joint = () => {
    const g = new GraphBuilder({ seed: 0 });
    buildDeepScCovid(g, resolveConfig(presetConfig('tiny', { variant: 'joint' })));
    return g.parameters;
  };
  const noStitch = () => {
    const g = new GraphBuilder({ seed: 0 });
    buildDeepScCovid(g, resolveConfig(presetConfig('tiny', { variant: 'joint-without-cross-stitch' })));
    return g;
  };

  it('is a variant', () => {
    expect(VARIANTS).toContain('joint-without-cross-stitch');
  });

  it("has the joint network's parameters except the cross-stitch unit's two scalars", () => {
    const names = noStitch().parameters.map((p) => [p.name, p.shape]);
    const expected = joint()
      .filter((p) => !p.name.startsWith('cross_stitch.'))
      .map((p) => [p.name, p.shape]);
    expect(names).toEqual(expected);
    expect(
      joint()
        .filter((p) => p.name.startsWith('cross_stitch.'))
        .map((p) => p.name),
    ).toEqual(['cross_stitch.alpha', 'cross_stitch.beta']);
    expect(fingerprint('joint-without-cross-stitch').count).toBe((BEFORE.joint?.count as number) - 2);
  });

  it("declares only the evidence maps' region inputs (no level-0 crop, paste, inside)", () => {
    const c = resolveConfig(presetConfig('tiny', { variant: 'joint-without-cross-stitch' }));
    expect(regionInputNames(c)).toEqual(['region.cam1_d', 'region.cam2_d', 'region.cam3_d']);
    const inputs = noStitch()
      .values.map((v) => v.label)
      .filter((l) => l.startsWith('input '));
    expect(inputs).toEqual([
      "input 'whole'",
      "input 'patch'",
      "input 'region.cam1_d'",
      "input 'region.cam2_d'",
      "input 'region.cam3_d'",
    ]);
  });

  it('passes the features straight through: the patch stream computes what segmentation-only computes', async () => {
    // both start from the same parameters (same names, same seed): without the unit, the patch
    // stream's outputs do not depend on the whole scan
    const sums = await forwardSums('joint-without-cross-stitch');
    const seg = BEFORE['segmentation-only']?.sums as Record<string, [number, number]>;
    for (const name of ['seg_logits', 'side1', 'side2', 'side3']) {
      const [s, q] = sums[name] as [number, number];
      expect(close(s, (seg[name] as [number, number])[0]), name).toBe(true);
      expect(close(q, (seg[name] as [number, number])[1]), name).toBe(true);
    }
    // and the joint network's (with the unit) differ
    expect(
      close(
        (sums.seg_logits as [number, number])[0],
        ((BEFORE.joint as (typeof BEFORE)[string]).sums.seg_logits as [number, number])[0],
      ),
    ).toBe(false);
  });

  it.each([
    ['joint', 5],
    ['joint-without-cross-stitch', 5],
    ['joint-without-task-aware', 0],
    ['segmentation-only', 0],
    ['classification-only', 0],
  ] as const)('%s resolves the task-aware weight to %d', (variant, weight) => {
    expect(resolveLossOptions(variant).taskWeight).toBe(weight);
  });
});
