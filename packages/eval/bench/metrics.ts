/**
 * Speed of the segmentation metrics on whole-CT-sized masks (512 x 512 x 300 voxels).
 * Run: cd packages/eval && npx tsx --conditions=source bench/metrics.ts
 * Prints one line per case: Dice alone, then every metric (Dice, IoU, HD95, ASSD, NSD).
 */
import { boundingBox, boxDims, overlapCounts, segmentationMetrics, type Triple } from '../src/index.js';

const dims: Triple = [512, 512, 300];
const spacing: Triple = [0.7, 0.7, 1.0];

/** Ellipsoids (centre and radii in voxels) rasterised into one mask. */
function ellipsoids(list: readonly { c: Triple; r: Triple }[]): Uint8Array {
  const [ni, nj, nk] = dims;
  const m = new Uint8Array(ni * nj * nk);
  for (const { c, r } of list) {
    for (let k = Math.max(0, Math.floor(c[2] - r[2])); k <= Math.min(nk - 1, Math.ceil(c[2] + r[2])); k++) {
      for (let j = Math.max(0, Math.floor(c[1] - r[1])); j <= Math.min(nj - 1, Math.ceil(c[1] + r[1])); j++) {
        for (
          let i = Math.max(0, Math.floor(c[0] - r[0]));
          i <= Math.min(ni - 1, Math.ceil(c[0] + r[0]));
          i++
        ) {
          const q = ((i - c[0]) / r[0]) ** 2 + ((j - c[1]) / r[1]) ** 2 + ((k - c[2]) / r[2]) ** 2;
          if (q <= 1) m[i + ni * (j + nj * k)] = 1;
        }
      }
    }
  }
  return m;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

const cases = [
  {
    name: 'multifocal lesions (5 blobs, both lungs)',
    truth: [
      { c: [150, 250, 120], r: [40, 50, 30] },
      { c: [360, 230, 150], r: [35, 45, 40] },
      { c: [170, 320, 220], r: [25, 25, 20] },
      { c: [330, 330, 80], r: [30, 20, 25] },
      { c: [380, 180, 230], r: [20, 30, 15] },
    ],
    shift: 3,
  },
  {
    name: 'lung-sized masks (two 150x200x130-voxel ellipsoids)',
    truth: [
      { c: [160, 256, 150], r: [75, 100, 130] },
      { c: [352, 256, 150], r: [75, 100, 130] },
    ],
    shift: 4,
  },
] as const;

for (const c of cases) {
  const truth = { data: ellipsoids(c.truth as never), dims, spacing };
  const pred = {
    data: ellipsoids(
      c.truth.map((e) => ({
        c: [e.c[0] + c.shift, e.c[1] - c.shift, e.c[2] + 1] as Triple,
        r: [e.r[0] * 1.05, e.r[1], e.r[2] * 0.95] as Triple,
      })),
    ),
    dims,
    spacing,
  };
  const [counts, tDice] = time(() => overlapCounts(pred.data, truth.data));
  const [m, tAll] = time(() => segmentationMetrics(pred, truth, { nsdToleranceMm: 1 }));
  const voxels = counts.tp + counts.fp + counts.fn;
  const box = boundingBox([pred.data, truth.data], dims);
  console.log(
    `${c.name}: ${voxels} foreground voxels in a ${box ? boxDims(box).join(' x ') : 'empty'} box; Dice ${m.dice.toFixed(4)} in ${tDice.toFixed(2)} s; ` +
      `all metrics (HD95 ${m.hd95.toFixed(2)} mm, ASSD ${m.assd.toFixed(2)} mm, NSD ${m.nsd.toFixed(3)}) in ${tAll.toFixed(2)} s`,
  );
}
