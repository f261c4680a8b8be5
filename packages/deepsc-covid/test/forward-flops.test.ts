/** DeepSC-COVID's forward FLOPs per scan: one forward of the graph per sliding window `predict` runs. */
import { windowStarts } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { VARIANTS } from '../src/config.js';
import { forwardFlopsPerScan } from '../src/forward-flops.js';
import { presetConfig } from '../src/presets.js';

describe('forwardFlopsPerScan', () => {
  it.each(VARIANTS)('%s: per scan is one forward per sliding window', (variant) => {
    const f = forwardFlopsPerScan(presetConfig('tiny', { variant }));
    // tiny: whole 8x8x8, patch 4x8x8, overlap 0.5: windows start at 0, 2, 4 along D
    const windows = variant === 'classification-only' ? 1 : windowStarts(8, 4, 0.5).length;
    expect(windows === 1 || windows === 3).toBe(true);
    expect(f.windows).toBe(windows);
    expect(f.perScan).toBe(f.perForward * windows);
    expect(f.perForward).toBe(Object.values(f.byOp).reduce((a, b) => a + b, 0));
    expect(f.byOp.conv3d).toBeGreaterThan(0);
  });

  it('orders the variants as their graphs: the joint network costs more than either part, the cross-stitch unit costs FLOPs', () => {
    const f = (variant: (typeof VARIANTS)[number]) =>
      forwardFlopsPerScan(presetConfig('cpu', { variant })).perForward;
    expect(f('joint-without-task-aware')).toBe(f('joint'));
    expect(f('joint')).toBeGreaterThan(f('segmentation-only') + f('classification-only'));
    expect(f('joint-without-cross-stitch')).toBeLessThan(f('joint'));
    expect(f('joint-without-cross-stitch')).toBeGreaterThan(
      f('segmentation-only') + f('classification-only'),
    );
  });

  it('refuses an overlap outside [0, 1)', () => {
    expect(() => forwardFlopsPerScan(presetConfig('tiny'), 1)).toThrow(/overlap 1 must be in \[0, 1\)/);
  });
});
