import { GraphBuilder } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { buildDeepScCovid } from '../src/deepsc-covid.js';
import { resampleMatrix } from '../src/layers.js';
import { presetConfig } from '../src/presets.js';
import { pasteMatrices, regionInputs } from '../src/region.js';
import { planStrides, validateStrides } from '../src/strides.js';

describe('stride planning', () => {
  it.each([
    [
      'paper',
      [48, 256, 256],
      [24, 256, 256],
      [
        [2, 2, 2],
        [2, 2, 2],
        [2, 2, 2],
        [1, 2, 2],
      ],
    ],
    [
      'cpu',
      [32, 64, 64],
      [16, 64, 64],
      [
        [2, 2, 2],
        [2, 2, 2],
        [2, 2, 2],
        [1, 2, 2],
      ],
    ],
    [
      'tiny',
      [8, 8, 8],
      [4, 8, 8],
      [
        [2, 2, 2],
        [1, 2, 2],
        [1, 1, 1],
        [1, 1, 1],
      ],
    ],
    [
      'odd depth',
      [30, 64, 64],
      [15, 64, 64],
      [
        [1, 2, 2],
        [1, 2, 2],
        [1, 2, 2],
        [1, 2, 2],
      ],
    ],
    [
      'anisotropic',
      [96, 16, 16],
      [48, 16, 16],
      [
        [2, 2, 2],
        [2, 2, 2],
        [2, 2, 2],
        [2, 1, 1],
      ],
    ],
  ] as const)('%s', (_, whole, patch, plan) => {
    const p = planStrides(whole, patch);
    expect(p).toEqual(plan);
    expect(() => validateStrides(whole, patch, p)).not.toThrow();
  });

  it.each([
    [
      'a given stride that does not divide',
      [12, 8, 8],
      [6, 8, 8],
      [
        [2, 2, 2],
        [2, 2, 2],
        [2, 1, 1],
        [1, 1, 1],
      ],
      /patchSize axis D is 3 at level 1, not divisible by stride 2; .* multiple of 8/,
    ],
    [
      'a stride of 3',
      [12, 8, 8],
      [6, 8, 8],
      [
        [3, 2, 2],
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
      ],
      /level 0 axis D stride 3 must be 1 or 2/,
    ],
    [
      'three levels',
      [12, 8, 8],
      [6, 8, 8],
      [
        [2, 2, 2],
        [1, 1, 1],
        [1, 1, 1],
      ],
      /need 4 levels/,
    ],
  ] as const)('rejects %s', (_, whole, patch, plan, msg) => {
    expect(() => validateStrides(whole, patch, plan as never)).toThrow(msg);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => planStrides([0, 8, 8], [4, 8, 8])).toThrow(
      /wholeSize \[0,8,8\] must be three positive integers/,
    );
  });
});

describe('configuration', () => {
  it.each([
    ['an unknown variant', { variant: 'both' }, /variant 'both' must be one of joint, segmentation-only/],
    [
      'a stem width not a multiple of 4',
      { stemWidth: 6, groups: 1 },
      /stemWidth = 6 must be a multiple of 4/,
    ],
    [
      'widths not divisible by the groups',
      { groups: 3 },
      /stemWidth = 4 is not divisible by config.groups = 3/,
    ],
    ['three U-Net widths', { unetWidths: [4, 4, 8] }, /unetWidths must be four widths/],
    ['one class', { numClasses: 1 }, /numClasses = 1 must be an integer >= 2/],
    ['a zero batch', { batch: 0 }, /batch = 0 must be an integer >= 1/],
    [
      'sizes the strides cannot divide',
      {
        strides: [
          [2, 2, 2],
          [2, 2, 2],
          [2, 2, 2],
          [2, 2, 2],
        ],
      },
      /not divisible by stride 2/,
    ],
  ])('rejects %s', (_, over, msg) => {
    expect(() => resolveConfig(presetConfig('tiny', over as never))).toThrow(msg);
  });

  it('rejects an unknown preset', () => {
    expect(() => presetConfig('huge' as never)).toThrow(/unknown preset 'huge': use one of paper, cpu, tiny/);
  });

  it('the paper preset has the published widths: 448 pooled features and a 32-64-128-256 U-Net', () => {
    const g = new GraphBuilder();
    const c = resolveConfig(presetConfig('paper'));
    buildDeepScCovid(g, c);
    const shapes = new Map(g.parameters.map((p) => [p.name, p.shape]));
    expect(shapes.get('classifier.fc.weight')).toEqual([3, 448]);
    expect(shapes.get('lesion.enc4.conv2.weight')).toEqual([256, 256, 3, 3, 3]);
    expect(shapes.get('lesion.dec1.conv2.weight')).toEqual([32, 32, 3, 3, 3]);
    expect(shapes.get('stem_whole.branch1.weight')).toEqual([8, 1, 1, 1, 1]);
    expect(shapes.get('classifier.block1.conv1.weight')).toEqual([64, 33, 3, 3, 3]);
    expect(c.regionAxes).toEqual([0]);
  });

  it.each([
    ['segmentation-only', ['stem_patch.', 'lesion.'], ['stem_whole.', 'classifier.', 'cross_stitch.']],
    [
      'classification-only',
      ['stem_whole.', 'classifier.block1.'],
      ['stem_patch.', 'lesion.', 'cross_stitch.', 'classifier.lesion_conv.'],
    ],
    [
      'joint-without-task-aware',
      ['stem_whole.', 'stem_patch.', 'lesion.', 'cross_stitch.', 'classifier.lesion_conv.'],
      [],
    ],
    [
      'joint-without-cross-stitch',
      ['stem_whole.', 'stem_patch.', 'lesion.', 'classifier.lesion_conv.'],
      ['cross_stitch.'],
    ],
  ] as const)('variant %s builds only its parts', (variant, has, hasNot) => {
    const g = new GraphBuilder();
    buildDeepScCovid(g, resolveConfig(presetConfig('tiny', { variant })));
    const names = g.parameters.map((p) => p.name);
    for (const p of has)
      expect(
        names.some((n) => n.startsWith(p)),
        p,
      ).toBe(true);
    for (const p of hasNot)
      expect(
        names.some((n) => n.startsWith(p)),
        p,
      ).toBe(false);
  });
});

describe('patch regions', () => {
  it('resampling over the full span is the identity, and a half span interpolates', () => {
    expect(Array.from(resampleMatrix(3, 3, 0, 3))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // 2 cells from the span [0, 1) of a 4-cell axis: centres at 0.25 and 0.75 -> clamped to 0 and 0.25.
    expect(Array.from(resampleMatrix(2, 4, 0, 1))).toEqual([1, 0, 0, 0, 0.75, 0.25, 0, 0]);
    // PyTorch's 2x upsampling (align_corners=false): out 0 = in 0, out 1 = 0.75 in 0 + 0.25 in 1.
    expect(Array.from(resampleMatrix(4, 2, 0, 2))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
  });

  it('paste puts the patch where the cell centres fall inside the region', () => {
    const { paste, inside } = pasteMatrices(4, 2, 1, 3);
    expect(Array.from(inside)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(paste)).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
  });

  it.each([
    [
      'hi beyond the scan',
      { lo: [0, 0, 0], hi: [9, 8, 8] },
      /axis d: \[0, 9\) must satisfy 0 <= lo < hi <= 8/,
    ],
    ['an empty range', { lo: [3, 0, 0], hi: [3, 8, 8] }, /axis d: \[3, 3\)/],
    [
      'a partial in-plane range where patch and whole agree',
      { lo: [0, 1, 0], hi: [4, 8, 8] },
      /axis h: \[1, 8\) must be \[0, 8\)/,
    ],
    ['NaN', { lo: [Number.NaN, 0, 0], hi: [4, 8, 8] }, /axis d/],
  ] as const)('rejects %s', (_, region, msg) => {
    expect(() => regionInputs(resolveConfig(presetConfig('tiny')), region)).toThrow(msg);
  });
});
