/**
 * Measures the classical lung mask against the synthetic cohort's ground-truth lung masks
 * (Dice, overall and per side, per class), and runs it on real CT files when a folder of them
 * is given, reporting what it finds there and every warning.
 *
 *   npx tsx --conditions=source packages/io/scripts/lung-mask-dice.ts [--n 30] [--seed 1] [--real ../shared/data/real-ct-lidc-crops/image]
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateScan, lungMask, maskDice, readNifti, SCAN_LABELS } from '@deepsc/io';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    real: { type: 'string' },
  },
});
const n = Number(values.n);
const rows: Record<string, { dice: number[]; right: number[]; left: number[]; ms: number[] }> = {};
for (let s = 0; s < n; s++) {
  const label = SCAN_LABELS[s % 3] as (typeof SCAN_LABELS)[number];
  const scan = generateScan(label, `${values.seed}/lung-${s}`);
  const t = performance.now();
  const r = lungMask(scan.image);
  rows[label] ??= { dice: [], right: [], left: [], ms: [] };
  const row = rows[label];
  row.ms.push(performance.now() - t);
  row.dice.push(maskDice(r.mask.data, scan.lung.data));
  row.right.push(maskDice(r.mask.data, scan.lung.data, 1));
  row.left.push(maskDice(r.mask.data, scan.lung.data, 2));
  if (r.warnings.length > 0) console.log(`${label} scan ${s}: ${r.warnings.join('; ')}`);
}
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const min = (a: number[]) => a.reduce((x, y) => Math.min(x, y), 1);
console.log(
  `synthetic scans (128 x 128 x 64-96), seed ${values.seed}: Dice against the ground-truth lung masks, mean (min)`,
);
console.log('| class | scans | lungs | right lung (label 1) | left lung (label 2) | ms per scan |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [label, r] of Object.entries(rows)) {
  console.log(
    `| ${label} | ${r.dice.length} | ${mean(r.dice).toFixed(3)} (${min(r.dice).toFixed(3)}) | ${mean(r.right).toFixed(3)} (${min(r.right).toFixed(3)}) | ${mean(r.left).toFixed(3)} (${min(r.left).toFixed(3)}) | ${mean(r.ms).toFixed(0)} |`,
  );
}
if (values.real) {
  console.log(`\nreal CT in ${values.real}:`);
  for (const f of (await readdir(values.real)).filter((x) => /\.nii(\.gz)?$/.test(x)).sort()) {
    const ct = await readNifti(join(values.real, f));
    for (const outsideAir of ['remove', 'keep'] as const) {
      const r = lungMask(ct, { outsideAir, minLungMl: 0 });
      const found = r.lungs.map((l) => `${l.side} ${l.volumeMl.toFixed(1)} mL`).join(', ') || 'none';
      const frac = r.mask.data.reduce((a, v) => a + (v ? 1 : 0), 0) / r.mask.data.length;
      console.log(
        `${f} ${ct.dims.join('x')} outsideAir=${outsideAir}: ${found}; ${(100 * frac).toFixed(0)}% of voxels; warnings: ${r.warnings.join(' | ') || 'none'}`,
      );
    }
  }
}
