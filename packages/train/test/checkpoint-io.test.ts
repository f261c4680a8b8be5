import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVolume } from '@deepsc/io';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  MetricsLog,
  progressText,
  RunWriteError,
  readCheckpointState,
  resampleToReference,
} from '../src/index.js';

describe('readCheckpointState errors', () => {
  const folder = async (files: Record<string, string>) => {
    const d = await mkdtemp(join(tmpdir(), 'deepsc-ck-'));
    await mkdir(d, { recursive: true });
    for (const [n, c] of Object.entries(files)) await writeFile(join(d, n), c);
    return d;
  };
  const state = (o: Record<string, unknown> = {}) =>
    JSON.stringify({
      format: 'deepsc-checkpoint',
      formatVersion: 1,
      files: { model: { bytes: 3, sha256: 'x' }, optimizer: { bytes: 3, sha256: 'y' } },
      ...o,
    });
  it.each([
    ['no state.json', {}, /no state\.json here/],
    [
      'truncated JSON',
      { 'state.json': '{"format": "deepsc-chec' },
      /state\.json is not valid JSON \(truncated\?\)/,
    ],
    [
      'a foreign JSON',
      { 'state.json': '{"format": "other"}' },
      /is not a deepsc checkpoint \(format "other"\)/,
    ],
    [
      'a newer format',
      { 'state.json': state({ formatVersion: 9 }) },
      /format version 9; this deepsc reads version 1/,
    ],
    ['a missing weight file', { 'state.json': state() }, /model\.safetensors is missing/],
    [
      'a weight file of another size',
      { 'state.json': state(), 'model.safetensors': 'abcd' },
      /model\.safetensors has 4 bytes, state\.json recorded 3/,
    ],
    [
      'a weight file with other bytes',
      { 'state.json': state(), 'model.safetensors': 'abc' },
      /model\.safetensors does not match its SHA-256/,
    ],
  ])('%s', async (_w, files, message) => {
    const d = await folder(files as Record<string, string>);
    const err = await readCheckpointState(d).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(String(err.message)).toMatch(message);
    expect(String(err.message)).toContain(d);
  });
});

describe('MetricsLog', () => {
  it('drops records after the resumed step and lines cut by an interrupt', async () => {
    const d = await mkdtemp(join(tmpdir(), 'deepsc-log-'));
    const log = new MetricsLog(join(d, 'metrics.jsonl'));
    await log.write({ epoch: 1, split: 'train', step: 3, loss: 1 });
    await log.write({ epoch: 2, split: 'train', step: 6, loss: Number.NaN });
    await writeFile(log.path, `${await readFile(log.path, 'utf8')}{"epoch": 3, "spl`);
    await log.truncateAfter(3);
    expect(
      (await readFile(log.path, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ epoch: 1, split: 'train', step: 3, loss: 1 }]);
  });
  it('a refused write is a RunWriteError naming the log, with the code (a full device: /dev/full)', async () => {
    const err = await new MetricsLog('/dev/full')
      .write({ epoch: 1, split: 'train', step: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RunWriteError);
    expect(err.path).toBe('/dev/full');
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/^cannot write \/dev\/full: ENOSPC/);
  });
  it('writes non-finite numbers as null', async () => {
    const d = await mkdtemp(join(tmpdir(), 'deepsc-log-'));
    const log = new MetricsLog(join(d, 'm.jsonl'));
    await log.write({ epoch: 1, split: 'val', step: 1, dice: Number.NaN });
    expect(JSON.parse(await readFile(log.path, 'utf8'))).toEqual({
      epoch: 1,
      split: 'val',
      step: 1,
      dice: null,
    });
  });
});

describe('resampleToReference', () => {
  const a = (sx: number, sy: number, sz: number, ox = 0, oy = 0, oz = 0) =>
    [
      [sx, 0, 0, ox],
      [0, sy, 0, oy],
      [0, 0, sz, oz],
      [0, 0, 0, 1],
    ] as const;
  const ramp = createVolume(
    Float32Array.from({ length: 4 * 3 * 2 }, (_, o) => o),
    [4, 3, 2],
    a(1, 1, 1),
  );
  it('is the identity on the same grid', () => {
    expect(Array.from(resampleToReference(ramp, ramp).data)).toEqual(Array.from(ramp.data));
  });
  it('follows a flipped axis through the affines', () => {
    // reference i runs the other way: its voxel i sits at x = 3 - i
    const flipped = resampleToReference(ramp, {
      dims: [4, 3, 2],
      affine: [
        [-1, 0, 0, 3],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    });
    expect(Array.from(flipped.data.slice(0, 4))).toEqual([3, 2, 1, 0]);
  });
  it('interpolates at half-voxel positions and pads outside', () => {
    const fine = resampleToReference(ramp, { dims: [3, 1, 1], affine: a(1, 1, 1, 0.5, 0, 0) });
    expect(Array.from(fine.data)).toEqual([0.5, 1.5, 2.5]);
    const outside = resampleToReference(ramp, { dims: [1, 1, 1], affine: a(1, 1, 1, 10, 0, 0) }, -1);
    expect(Array.from(outside.data)).toEqual([-1]);
  });
});

describe('progressText', () => {
  it('shows epoch, step, loss, throughput and ETA', () => {
    expect(
      progressText({
        epoch: 0,
        epochs: 2,
        step: 5,
        stepsPerEpoch: 10,
        loss: 1.23456,
        doneSteps: 5,
        elapsedMs: 2500,
        remainingSteps: 15,
      }),
    ).toBe('epoch 1/2 step 5/10 loss 1.2346 2.00 scans/s ETA 0:08');
  });
});
