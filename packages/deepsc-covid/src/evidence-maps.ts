/**
 * Evidence maps ("multi-layer visualization"): class-activation maps of the three residual
 * levels from the classifier's linear weights, averaged over the COVID-19 and CAP classes
 * (rows 0 and 1 of `classifier.fc.weight`), then a sigmoid (gap (c): raw class-activation maps
 * are unbounded while lesion probabilities lie in [0, 1]; a sigmoid keeps the map differentiable
 * everywhere and needs no per-scan statistics, unlike min-max scaling, which would also let a
 * single outlier voxel rescale the whole map).
 *
 *   v_k = sigmoid( sum_c 0.5 (W[0, o_k + c] + W[1, o_k + c]) f_k[c] ),  o_k = channel offset of level k
 * @module
 */
import { type GraphBuilder, type GraphValue, pytorchDefaultWeight } from '@deepsc/core';
import type { ResolvedConfig } from './config.js';
import { param, reshape } from './layers.js';

/**
 * Adds the three evidence maps `[N, 1, ...wholeGrids[k]]`, k = 1..3, from the classifier's
 * levels; gradients flow into both the levels and `classifier.fc.weight`.
 */
export function evidenceMaps(
  g: GraphBuilder,
  c: ResolvedConfig,
  levels: readonly [GraphValue, GraphValue, GraphValue],
): [GraphValue, GraphValue, GraphValue] {
  const total = c.clsWidths[0] + c.clsWidths[1] + c.clsWidths[2];
  const fc = param(
    g.scoped('classifier').scoped('fc'),
    'weight',
    [c.numClasses, total],
    pytorchDefaultWeight(),
  );
  const rows = g.op('slice', { axis: 0, start: 0, length: 2 }, [fc])[0] as GraphValue;
  const half = g.constant(`evidence_mean_${g.values.length}`, [0.5, 0.5], [1, 2, 1, 1, 1]);
  let offset = 0;
  return levels.map((f) => {
    const width = f.shape[1] as number;
    const w = g.op('slice', { axis: 1, start: offset, length: width }, [rows])[0] as GraphValue;
    offset += width;
    const cams = g.op('conv3d', {}, [f, reshape(g, w, [2, width, 1, 1, 1]), null])[0] as GraphValue;
    const mean = g.op('conv3d', {}, [cams, half, null])[0] as GraphValue;
    return g.sigmoid(mean);
  }) as [GraphValue, GraphValue, GraphValue];
}
