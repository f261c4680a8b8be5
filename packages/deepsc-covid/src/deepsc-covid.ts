/**
 * DeepSC-COVID (Wang et al., IEEE TMI 40(9):2463-2476, 2021) on the graph builder: the
 * two-stream cross-task feature subnet (inception stems + cross-stitch), the 3D lesion subnet
 * (run on both streams with shared weights, gap (a)), the classification subnet and the
 * evidence maps.
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import { classificationSubnet } from './classification-subnet.js';
import type { ResolvedConfig } from './config.js';
import { crossStitch, type StitchMatrices } from './cross-stitch.js';
import { evidenceMaps } from './evidence-maps.js';
import { inceptionStem } from './inception-stem.js';
import { alongAxis, channels, resizeTrilinear } from './layers.js';
import { lesionSubnet } from './lesion-subnet.js';
import type { Size3 } from './strides.js';
import { hasClassifier, hasCrossStitch, hasSegmentation } from './variant.js';

const AXES = ['d', 'h', 'w'] as const;
const dim = (s: Size3 | undefined, a: number): number => (s as Size3)[a] as number;

/**
 * The network's graph values. Inputs: `whole` `[N, 1, ...wholeSize]` (not in
 * `segmentation-only`), `patch` `[N, 1, ...patchSize]` (not in `classification-only`) and, in
 * the joint variants, the region matrices of `region.ts` (one patch region per batch; the level-0
 * ones only where the variant has the cross-stitch unit).
 */
export interface DeepScCovidValues {
  /** Two-class segmentation logits at the patch's input size, `[N, 2, ...patchSize]`. */
  segLogits?: GraphValue;
  /** Lesion probabilities of the patch's side outputs at levels 1..3, `[N, 1, ...patchGrids[k]]`. */
  sides?: [GraphValue, GraphValue, GraphValue];
  /** Class logits `[N, numClasses]`. */
  logits?: GraphValue;
  /** Evidence maps at levels 1..3 over the whole scan, `[N, 1, ...wholeGrids[k]]`, in (0, 1). */
  evidence?: [GraphValue, GraphValue, GraphValue];
  /** Evidence maps cropped to the patch's region and resampled to the side outputs' grids (joint only). */
  evidenceInPatch?: [GraphValue, GraphValue, GraphValue];
  /** Coarse whole-scan lesion probability `[N, 1, ...wholeGrids[0]]` (joint only). */
  wholeLesion?: GraphValue;
}

/** Output names the network declares, by value. */
export const OUTPUT_NAMES = {
  segLogits: 'seg_logits',
  sides: ['side1', 'side2', 'side3'],
  logits: 'logits',
  evidence: ['evidence1', 'evidence2', 'evidence3'],
  evidenceInPatch: ['evidence1_patch', 'evidence2_patch', 'evidence3_patch'],
  wholeLesion: 'whole_lesion',
} as const;

const lesionProbability = (g: GraphBuilder, logits: GraphValue) => channels(g, g.softmax(logits), 1, 1);

/**
 * Declares the network on `g` (parameters under `stem_whole.`, `stem_patch.`, `cross_stitch.`,
 * `lesion.`, `classifier.`; no `cross_stitch.` in `joint-without-cross-stitch`) and names its outputs (see {@link OUTPUT_NAMES}).
 */
export function buildDeepScCovid(g: GraphBuilder, c: ResolvedConfig): DeepScCovidValues {
  const hasCls = hasClassifier(c.variant);
  const hasSeg = hasSegmentation(c.variant);
  const joint = hasCls && hasSeg;
  const stitched = hasCrossStitch(c.variant);
  const n = c.batch;
  let fw = hasCls
    ? inceptionStem(
        g,
        'stem_whole',
        g.input('whole', [n, 1, ...c.wholeSize]),
        c.stemWidth,
        c.groups,
        c.strides[0],
      )
    : null;
  let fp = hasSeg
    ? inceptionStem(
        g,
        'stem_patch',
        g.input('patch', [n, 1, ...c.patchSize]),
        c.stemWidth,
        c.groups,
        c.strides[0],
      )
    : null;
  const camCrops: { axis: number; m: GraphValue[] }[] = [];
  if (joint && fw && fp) {
    const stitch: StitchMatrices[] = [];
    for (const a of c.regionAxes) {
      const w = dim(c.wholeGrids[0], a);
      const p = dim(c.patchGrids[0], a);
      const ax = AXES[a];
      if (stitched)
        stitch.push({
          axis: a,
          crop: g.input(`region.crop_${ax}`, [p, w]),
          paste: g.input(`region.paste_${ax}`, [w, p]),
          inside: g.input(`region.inside_${ax}`, [w, w]),
        });
      camCrops.push({
        axis: a,
        m: [1, 2, 3].map((k) =>
          g.input(`region.cam${k}_${ax}`, [dim(c.patchGrids[k], a), dim(c.wholeGrids[k], a)]),
        ),
      });
    }
    // without the unit each stem's features pass straight to its own stream
    if (stitched) [fw, fp] = crossStitch(g, fw, fp, stitch);
  }
  const out: DeepScCovidValues = {};
  if (fp) {
    const seg = lesionSubnet(g, fp, c.unetWidths, c.groups, c.strides);
    out.segLogits = resizeTrilinear(g, seg.fused, c.patchSize);
    out.sides = seg.sides.map((s) => lesionProbability(g, s)) as [GraphValue, GraphValue, GraphValue];
  }
  let lesionProb: GraphValue | null = null;
  if (joint && fw) {
    lesionProb = lesionProbability(g, lesionSubnet(g, fw, c.unetWidths, c.groups, c.strides).fused);
    out.wholeLesion = lesionProb;
  }
  if (fw) {
    const cls = classificationSubnet(g, c, fw, lesionProb);
    out.logits = cls.logits;
    out.evidence = evidenceMaps(g, c, cls.levels);
    if (joint) {
      out.evidenceInPatch = out.evidence.map((v, k) => {
        let y = v;
        for (const crop of camCrops) y = alongAxis(g, y, crop.m[k] as GraphValue, crop.axis);
        return y;
      }) as [GraphValue, GraphValue, GraphValue];
    }
  }
  if (out.segLogits) g.output(OUTPUT_NAMES.segLogits, out.segLogits);
  if (out.logits) g.output(OUTPUT_NAMES.logits, out.logits);
  if (out.wholeLesion) g.output(OUTPUT_NAMES.wholeLesion, out.wholeLesion);
  for (let k = 0; k < 3; k++) {
    if (out.sides) g.output(OUTPUT_NAMES.sides[k] as string, out.sides[k] as GraphValue);
    if (out.evidence) g.output(OUTPUT_NAMES.evidence[k] as string, out.evidence[k] as GraphValue);
    if (out.evidenceInPatch)
      g.output(OUTPUT_NAMES.evidenceInPatch[k] as string, out.evidenceInPatch[k] as GraphValue);
  }
  return out;
}
