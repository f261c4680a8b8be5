/**
 * Fixtures of the prediction tests: a tiny initialised checkpoint written as `deepsc train`
 * writes one (no training: milliseconds), copies of it with chosen weights poisoned in the
 * safetensors file (its SHA-256 in state.json updated, as a trainer saving a diverged state
 * would have written it), and a small synthetic chest CT with its lung mask.
 * @module
 */
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Affine,
  createVolume,
  generateScan,
  type Volume,
  type VoxelArray,
  writeNifti,
} from '@deepsc/io';
import { resolveTrainConfig, resolveTrainingModel, runVersions, saveCheckpoint } from '@deepsc/train';

/**
 * Writes an initialised checkpoint (seeded, finite weights) to the folder `dir`: DeepSC-COVID's
 * `tiny` unless `model` (a training configuration's model section) says otherwise.
 */
export async function writeTinyCheckpoint(
  dir: string,
  model: Record<string, unknown> = { preset: 'tiny' },
): Promise<void> {
  const config = resolveTrainConfig({
    seed: 3,
    out: 'run',
    model,
    data: { manifest: 'manifest.json' },
    // a model without a classifier is ranked by Dice
    ...(model.variant === 'segmentation-only' || model.name === 'unet3d'
      ? { training: { bestMetric: 'dice' } }
      : {}),
  });
  // the model as the trainer builds it, through the registry
  const { spec, config: modelConfig } = await resolveTrainingModel(config);
  const net = spec.create(modelConfig, {
    seed: config.seed,
    mode: 'train',
    device: 'cpu',
    optimizer: spec.optimizer(modelConfig, config.optimizer).config,
  });
  try {
    const progress = { epoch: 1, stepInEpoch: 0, step: 1, best: null, sinceBest: 0 };
    await saveCheckpoint(dir, net.model, progress, config, 'final', runVersions(), {
      model: { name: spec.name, version: spec.version },
    });
  } finally {
    net.model.dispose();
  }
}

/**
 * Copies the checkpoint `src` to `dst` and rewrites the float32 tensors of its
 * `model.safetensors` with `poison(name, values)` (in place), then records the new SHA-256.
 */
export async function poisonCheckpoint(
  src: string,
  dst: string,
  poison: (name: string, values: Float32Array) => void,
): Promise<void> {
  await cp(src, dst, { recursive: true });
  const file = join(dst, 'model.safetensors');
  const bytes = new Uint8Array(await readFile(file));
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__' || t.dtype !== 'F32') continue;
    const [a, b] = t.data_offsets;
    const values = new Float32Array(bytes.slice(base + a, base + b).buffer);
    poison(name, values);
    bytes.set(new Uint8Array(values.buffer), base + a);
  }
  await writeFile(file, bytes);
  const statePath = join(dst, 'state.json');
  const state = JSON.parse(await readFile(statePath, 'utf8'));
  state.files.model = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  await writeFile(statePath, JSON.stringify(state, null, 1));
}

/** A small synthetic chest CT (int16 HU, 32x32x16, 1 mm-ish voxels) and its lung mask. */
export function smallScan(): { ct: Volume<Int16Array>; lung: Volume<Uint8Array> } {
  const s = generateScan('covid', 'predict-fixture', { inPlane: 32, slices: [16, 16] });
  return { ct: s.image, lung: s.lung };
}

/** `v` as float32 voxels with `edit` applied (for NaN and infinity cases). */
export function floatCopy(
  v: Volume<VoxelArray>,
  edit: (data: Float32Array) => void = () => {},
): Volume<Float32Array> {
  const data = Float32Array.from(v.data);
  edit(data);
  return createVolume(data, v.dims, v.affine);
}

/** Writes `data` as a NIfTI volume of `dims` with `affine` to `path` (shapes the test cases need). */
export async function writeVolume(
  path: string,
  data: VoxelArray,
  dims: readonly [number, number, number],
  affine: Affine,
): Promise<void> {
  await writeNifti(path, createVolume(data, dims, affine));
}

/** `deepsc predict` with checkpoint `model` on `input` into the row's sandbox (`{dir}/pred`), then `more`. */
export const predictArgs = (model: string, input: string, ...more: string[]): string[] => [
  'predict',
  '--model',
  model,
  '--input',
  input,
  '--out',
  '{dir}/pred',
  ...more,
];
