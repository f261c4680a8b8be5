/**
 * The process group in one process: option checks, the unavailable addon, a group of one, a
 * rendezvous folder that holds an earlier run's keys, and what the engine accepts as a hook.
 * (Several processes: collectives.test.ts and gradient-hook.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, ones } from '@deepsc/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addonPathVariable,
  DistributedError,
  DistributedUnavailableError,
  initProcessGroup,
  type ProcessGroupOptions,
} from '../src/index.js';
import { title, unavailable } from './support/available.js';
import { freePort } from './support/ranks.js';

const folders: string[] = [];
const fresh = (): string => {
  const f = mkdtempSync(join(tmpdir(), 'deepsc-pg-'));
  folders.push(f);
  return f;
};
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

const base = (): ProcessGroupOptions => ({
  rank: 0,
  worldSize: 1,
  rendezvous: { kind: 'file', path: fresh() },
  timeoutMs: 2000,
});

describe('initProcessGroup', () => {
  it('throws DistributedUnavailableError naming the missing addon and what to install', async () => {
    const saved = process.env[addonPathVariable];
    process.env[addonPathVariable] = '/nonexistent/deepsc_distributed.node';
    try {
      await expect(initProcessGroup(base())).rejects.toThrow(DistributedUnavailableError);
      await expect(initProcessGroup(base())).rejects.toThrow(
        /DEEPSC_DISTRIBUTED_PATH=\/nonexistent.*no such file/,
      );
    } finally {
      if (saved === undefined) delete process.env[addonPathVariable];
      else process.env[addonPathVariable] = saved;
    }
  });

  const bad: {
    name: string;
    patch: Partial<ProcessGroupOptions>;
    error: new (...args: never[]) => Error;
    message: RegExp;
  }[] = [
    {
      name: 'a rank outside the group',
      patch: { rank: 2, worldSize: 2 },
      error: RangeError,
      message: /rank must be an integer in \[0, 2\), got 2/,
    },
    {
      name: 'a fractional rank',
      patch: { rank: 0.5 },
      error: RangeError,
      message: /rank must be an integer/,
    },
    {
      name: 'an empty group',
      patch: { worldSize: 0 },
      error: RangeError,
      message: /worldSize must be an integer >= 1/,
    },
    {
      name: 'a zero timeout',
      patch: { timeoutMs: 0 },
      error: RangeError,
      message: /timeoutMs must be an integer/,
    },
    {
      name: 'a tcp rendezvous without a port',
      patch: { rendezvous: { kind: 'tcp', host: '127.0.0.1', port: 0 } },
      error: RangeError,
      message: /the tcp rendezvous port must be an integer in \[1, 65535\], got 0/,
    },
    {
      name: 'a tcp rendezvous without a host',
      patch: { rendezvous: { kind: 'tcp', host: '', port: 29500 } },
      error: TypeError,
      message: /a tcp rendezvous needs a host/,
    },
    {
      name: 'an unknown rendezvous',
      patch: { rendezvous: { kind: 'etcd' } as never },
      error: TypeError,
      message: /rendezvous must be \{ kind: 'file', path \} or \{ kind: 'tcp', host, port \}/,
    },
    {
      name: 'a job id with a slash',
      patch: { rendezvous: { kind: 'file', path: '/tmp', jobId: 'a/b' } },
      error: TypeError,
      message: /jobId must be 1-128 letters/,
    },
  ];
  it.each(bad)('rejects $name', async ({ patch, error, message }) => {
    const p = initProcessGroup({ ...base(), ...patch });
    await expect(p).rejects.toThrow(error);
    await expect(p).rejects.toThrow(message);
  });

  it.skipIf(unavailable)('a group of one: collectives are the identity, a barrier returns', async () => {
    const pg = await initProcessGroup(base());
    const a = Float32Array.from([1.5, -2, 3e-8]);
    await pg.allReduce([a], 'sum');
    await pg.allReduce([a], 'mean');
    await pg.broadcast([a], 0);
    await pg.barrier();
    expect([...a]).toEqual([1.5, -2, Math.fround(3e-8)]);
    await expect(pg.broadcast([a], 1)).rejects.toThrow(/root must be a rank in \[0, 1\), got 1/);
    await expect(pg.allReduce([a], 'max' as never)).rejects.toThrow(/op must be 'sum' or 'mean', got 'max'/);
    await expect(pg.allReduce([new Int32Array(2) as never], 'sum')).rejects.toThrow(
      /element 0 is not a Float32Array/,
    );
    pg.destroy();
    pg.destroy();
    await expect(pg.barrier()).rejects.toThrow(/barrier: the process group was destroyed/);
  });

  it.skipIf(unavailable)(
    "refuses a folder holding an earlier run's keys of the same job, not of another job",
    async () => {
      const path = fresh();
      const first = await initProcessGroup({ ...base(), rendezvous: { kind: 'file', path } });
      first.destroy();
      const again = initProcessGroup({ ...base(), rendezvous: { kind: 'file', path } });
      await expect(again).rejects.toThrow(DistributedError);
      await expect(again).rejects.toThrow(
        /rank 0 already joined job 'deepsc' in .* \(an earlier run's keys, or two processes given one rank\): use an empty folder or another job id/,
      );
      const other = await initProcessGroup({ ...base(), rendezvous: { kind: 'file', path, jobId: 'run-2' } });
      other.destroy();
    },
  );
});

describe.skipIf(unavailable)(title('a TCP rendezvous'), () => {
  it('a group of one serves and uses its own store; a port in use is refused naming it', async () => {
    const port = await freePort();
    const pg = await initProcessGroup({ ...base(), rendezvous: { kind: 'tcp', host: '127.0.0.1', port } });
    const a = Float32Array.from([2, 3]);
    await pg.allReduce([a], 'sum');
    expect([...a]).toEqual([2, 3]);
    const busy = initProcessGroup({ ...base(), rendezvous: { kind: 'tcp', host: '127.0.0.1', port } });
    await expect(busy).rejects.toThrow(DistributedError);
    await expect(busy).rejects.toThrow(
      new RegExp(
        `^rank 0 cannot serve the rendezvous store at 127\\.0\\.0\\.1:${port}: Address already in use`,
      ),
    );
    pg.destroy();
  });
});

describe.skipIf(unavailable)(title('attachGradients and the engine'), () => {
  function tiny() {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 2]);
    const w = g.parameter('w', [2], ones());
    const b = g.parameter('b', [2], ones());
    g.output('y', g.groupNorm(x, w, b, { groups: 1 }));
    return g.compile({ seedOutputs: ['y'], optimizer: { kind: 'sgd', lr: 0.1 } });
  }

  it('the engine takes only a tagged hook; attach and detach round-trip; bucketBytes is checked', async () => {
    const m = tiny();
    const pg = await initProcessGroup(base());
    try {
      expect(() => m.setGradientHook({})).toThrow(TypeError);
      expect(() => m.setGradientHook({})).toThrow(/expected a gradient hook from @deepsc\/distributed/);
      expect(() => pg.attachGradients(m, { bucketBytes: 2 })).toThrow(
        /bucketBytes must be an integer >= 4, got 2/,
      );
      pg.attachGradients(m);
      pg.detachGradients(m);
      pg.attachGradients(m, { bucketBytes: 8 });
    } finally {
      pg.destroy(); // detaches the model
      m.dispose();
    }
  });
});
