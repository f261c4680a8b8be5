/**
 * What `deepsc train --nproc ...` refuses before any worker starts (exit 2, one line naming the
 * problem), the launcher's plan and the workers' environment, and the error for a missing
 * @deepsc/distributed. The jobs themselves: distributed-train.test.ts.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  gpuAssignment,
  launchPlan,
  parseRendezvous,
  workerEnv,
  workerPlace,
} from '../src/commands/launch-plan.js';
import { loadDistributed } from '../src/commands/launch-worker.js';
import { CliError, ExitCode } from '../src/errors.js';
import { runCli } from './support/run-cli.js';

let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-dist-refusals-'));
  config = join(dir, 't.json');
  // refused before the manifest is read: it need not exist
  await writeFile(
    config,
    JSON.stringify({
      out: 'run',
      model: { preset: 'tiny' },
      data: { manifest: 'missing.json' },
      training: { accumulate: 4 },
    }),
  );
  await writeFile(join(dir, 'a-file'), 'x');
});

describe('deepsc train refuses a bad data-parallel job before starting it (exit 2)', () => {
  it.each([
    { args: ['--nproc', '0'], message: "--nproc must be an integer from 1 to 256, got '0'" },
    { args: ['--nproc', '2.5'], message: "--nproc must be an integer from 1 to 256, got '2.5'" },
    {
      args: ['--nproc', '3'],
      message:
        'training.accumulate: got 4; it is the global batch (scans per optimizer step), shared by 3 processes, so it must be a multiple of 3: set training.accumulate to 3 (or run 1, 2, 4 processes)',
    },
    {
      args: ['--nproc', '3', '--nnodes', '2', '--node-rank', '0', '--rendezvous', 'x:1'],
      message: 'shared by 6 processes',
    },
    { args: ['--nproc', '2', '--set', 'training.accumulate=1'], message: 'training.accumulate: got 1' },
    {
      args: ['--nnodes', '2', '--rendezvous', 'x:1'],
      message: '--nnodes 2 needs --node-rank (0 to 1): which machine this is',
    },
    { args: ['--nnodes', '2', '--node-rank', '1'], message: '--nnodes 2 needs --rendezvous' },
    {
      args: ['--nnodes', '2', '--node-rank', '2', '--rendezvous', 'x:1'],
      message: "--node-rank must be an integer from 0 to 1, got '2'",
    },
    {
      args: ['--nproc', '2', '--rendezvous', 'node0:99999'],
      message: '--rendezvous node0:99999: the port must be 1 to 65535',
    },
    { args: ['--nproc', '2', '--rendezvous', ''], message: '--rendezvous is empty' },
    {
      args: ['--nproc', '2', '--threads-per-proc', '0'],
      message: "--threads-per-proc must be an integer from 1 to 1024, got '0'",
    },
    {
      args: ['--nproc', '2', '--dist-timeout', '-1'],
      message: "--dist-timeout must be seconds, more than 0 and at most 86400, got '-1'",
    },
    { args: ['--nproc', '2', '--dist-timeout', 'soon'], message: "got 'soon'" },
  ])('$args', async ({ args, message }) => {
    const r = await runCli('train', '--config', config, ...args);
    expect(r.code, r.err).toBe(ExitCode.usage);
    expect(r.err).toContain(message);
    expect(r.err.match(/deepsc:/g), r.err).toHaveLength(1); // one error (a config error lists its fields below)
  });

  it('inside a worker of another job (no launcher within a launcher)', async () => {
    vi.stubEnv('DEEPSC_WORLD_SIZE', '2');
    try {
      const r = await runCli('train', '--config', config, '--nproc', '2');
      expect(r.code, r.err).toBe(ExitCode.usage);
      expect(r.err).toContain('this process is already a worker of one (DEEPSC_WORLD_SIZE is set)');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a rendezvous path that is a file', async () => {
    const r = await runCli('train', '--config', config, '--nproc', '2', '--rendezvous', join(dir, 'a-file'));
    expect(r.code, r.err).toBe(ExitCode.usage);
    expect(r.err).toContain(`--rendezvous ${join(dir, 'a-file')} is not a folder`);
  });
});

describe('the missing package', () => {
  it('names what to install (exit 2)', async () => {
    const err = await loadDistributed('@deepsc/no-such-distributed').catch((e) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err.code).toBe(ExitCode.usage);
    expect(err.message).toMatch(
      /needs the optional package @deepsc\/no-such-distributed, which is not installed: npm i @deepsc\/no-such-distributed \(its addon needs gloo: apt install libgloo-dev/,
    );
  });
});

describe('the plan and the workers environment', () => {
  it('no launcher options: no plan (one process, as before)', () => {
    expect(launchPlan({})).toBeUndefined();
  });

  it.each([
    {
      o: { nproc: '2' },
      cores: 2,
      want: { nproc: 2, worldSize: 2, threadsPerProc: 1, timeoutMs: 300_000, host: '127.0.0.1' },
    },
    { o: { nproc: '3' }, cores: 2, want: { threadsPerProc: 1 } },
    { o: { nproc: '2' }, cores: 16, want: { threadsPerProc: 8 } },
    {
      o: { nproc: '2', threadsPerProc: '3', distTimeout: '2.5' },
      cores: 2,
      want: { threadsPerProc: 3, timeoutMs: 2500 },
    },
    {
      o: { nproc: '4', nnodes: '3', nodeRank: '2', rendezvous: '/shared/rdzv', host: '10.0.0.3' },
      cores: 8,
      want: {
        worldSize: 12,
        nodeRank: 2,
        rendezvous: { kind: 'file', path: '/shared/rdzv' },
        host: '10.0.0.3',
      },
    },
  ])('$o on $cores cores', ({ o, cores, want }) => {
    expect(launchPlan(o, cores)).toMatchObject(want);
  });

  it.each([
    ['node0:29500', { kind: 'tcp', host: 'node0', port: 29500 }],
    ['10.1.2.3:1', { kind: 'tcp', host: '10.1.2.3', port: 1 }],
    ['[::1]:29500', { kind: 'tcp', host: '::1', port: 29500 }],
    ['/shared/rdzv', { kind: 'file', path: '/shared/rdzv' }],
    ['rdzv', { kind: 'file', path: 'rdzv' }],
    ['./a:b', { kind: 'file', path: './a:b' }],
  ])('rendezvous %s', (text, want) => {
    expect(parseRendezvous(text)).toEqual(want);
  });

  it('global ranks run node by node; a worker reads its place back', () => {
    const plan = launchPlan({ nproc: '2', nnodes: '2', nodeRank: '1', rendezvous: 'node0:29500' }, 4);
    if (!plan) throw new Error('no plan');
    const env = workerEnv(plan, 1, { kind: 'tcp', host: 'node0', port: 29500 });
    expect(env).toMatchObject({
      DEEPSC_RANK: '3',
      DEEPSC_WORLD_SIZE: '4',
      DEEPSC_LOCAL_RANK: '1',
      DEEPSC_NUM_THREADS: '2',
    });
    expect(workerPlace(env)).toEqual({
      rank: 3,
      worldSize: 4,
      localRank: 1,
      rendezvous: { kind: 'tcp', host: 'node0', port: 29500 },
      timeoutMs: 300_000,
      host: plan.host,
    });
    expect(workerPlace({})).toBeUndefined();
  });

  it.each([
    { nproc: 2, visible: undefined, want: ['0', '1'] },
    { nproc: 2, visible: '3,5,7', want: ['3', '5'] },
    { nproc: 1, visible: 'GPU-8f1e', want: ['GPU-8f1e'] },
  ])('with cuda, local worker i gets one GPU (CUDA_VISIBLE_DEVICES $visible)', ({ nproc, visible, want }) => {
    expect(gpuAssignment(nproc, visible)).toEqual(want);
    const plan = launchPlan({ nproc: String(nproc) }, 2);
    if (!plan) throw new Error('no plan');
    expect(
      workerEnv({ ...plan, gpus: want }, nproc - 1, { kind: 'file', path: 'r' }).CUDA_VISIBLE_DEVICES,
    ).toBe(want[nproc - 1]);
    expect(workerEnv(plan, 0, { kind: 'file', path: 'r' })).not.toHaveProperty('CUDA_VISIBLE_DEVICES');
  });

  it.each([
    [
      '0',
      "--nproc 2 with training.device cuda takes one GPU per worker, but CUDA_VISIBLE_DEVICES='0' lists 1",
    ],
    ['', "CUDA_VISIBLE_DEVICES='' lists 0"],
  ])('too few GPUs for the workers (CUDA_VISIBLE_DEVICES %j)', (visible, message) => {
    expect(() => gpuAssignment(2, visible)).toThrow(message);
  });

  it.each([
    [{ DEEPSC_WORLD_SIZE: '2' }, 'DEEPSC_WORLD_SIZE is set, so this is a worker, but DEEPSC_RANK is not'],
    [
      { DEEPSC_WORLD_SIZE: '2', DEEPSC_RANK: '2', DEEPSC_RENDEZVOUS: 'r' },
      "DEEPSC_RANK must be an integer from 0 to 1, got '2'",
    ],
    [{ DEEPSC_WORLD_SIZE: '2', DEEPSC_RANK: '0' }, 'but DEEPSC_RENDEZVOUS is not'],
  ])('a worker environment missing a piece: %j', (env, message) => {
    expect(() => workerPlace(env)).toThrow(message);
  });
});
