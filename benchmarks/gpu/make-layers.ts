/**
 * Writes benchmarks/gpu/layers.json, the conv3d layers of the GPU benchmark, from
 * `src/layers.ts` (the GPU machines run the benchmark without Node, so the list is committed).
 * Rerun after changing the layer set:  npx tsx benchmarks/gpu/make-layers.ts
 * @module
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layers } from '../src/layers.js';

/** Paper-size layers: the stem, U-Net levels 1-3 (plain, strided, decoder) and the classifier. */
const CHOSEN = [
  'paper/stem.whole.branch3',
  'paper/unet.enc1.conv2',
  'paper/unet.enc2.conv1',
  'paper/unet.enc3.conv2',
  'paper/unet.dec1.conv1',
  'paper/cls.block1.conv1',
  'paper/cls.block3.conv2',
];

const chosen = layers('paper').filter((l) => CHOSEN.includes(l.name));
const missing = CHOSEN.filter((n) => !chosen.some((l) => l.name === n));
if (missing.length > 0) throw new Error(`make-layers: not in layers('paper'): ${missing.join(', ')}`);
const out = join(dirname(fileURLToPath(import.meta.url)), 'layers.json');
writeFileSync(`${out}.tmp`, `${JSON.stringify(chosen, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${chosen.length} layers to ${out}`);
