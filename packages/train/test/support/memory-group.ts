/**
 * N in-memory ranks of a `TrainingGroup` in one process, for testing the trainer's exchanges
 * (`distributed.ts`) without gloo: each collective completes once every rank has called it, in
 * call order. The model hooks (`broadcastModel`, `attachGradients`) are not simulated.
 */
import type { TrainingGroup } from '../../src/index.js';

interface Pending {
  arrays: Float32Array[][];
  arrived: number;
  done: Promise<void>;
  release: () => void;
}

/** `n` ranks sharing one in-memory transport. */
export function memoryGroups(n: number): TrainingGroup[] {
  const rounds: Pending[] = [];
  const calls = Array.from({ length: n }, () => 0);
  const join = async (
    rank: number,
    arrays: Float32Array[],
    finish: (all: Float32Array[][]) => void,
  ): Promise<void> => {
    const i = calls[rank] as number;
    calls[rank] = i + 1;
    let p = rounds[i];
    if (!p) {
      let release = () => {};
      const done = new Promise<void>((res) => {
        release = res;
      });
      p = { arrays: Array.from({ length: n }, () => []), arrived: 0, done, release };
      rounds[i] = p;
    }
    p.arrays[rank] = arrays;
    if (++p.arrived === n) {
      finish(p.arrays);
      p.release();
    }
    await p.done;
  };
  const unsupported = () => {
    throw new Error('memoryGroups: model hooks are not simulated');
  };
  return Array.from({ length: n }, (_, rank) => ({
    rank,
    worldSize: n,
    broadcast: (arrays, root = 0) =>
      join(rank, arrays, (all) => {
        for (const [r, own] of all.entries())
          if (r !== root)
            own.forEach((a, k) => {
              a.set((all[root] as Float32Array[])[k] as Float32Array);
            });
      }),
    allReduce: (arrays, op) =>
      join(rank, arrays, (all) => {
        const total = arrays.map((a) => new Float32Array(a.length));
        for (const own of all)
          own.forEach((a, k) => {
            const t = total[k] as Float32Array;
            for (let x = 0; x < a.length; x++) t[x] = (t[x] as number) + (a[x] as number);
          });
        if (op === 'mean')
          for (const t of total) for (let x = 0; x < t.length; x++) t[x] = (t[x] as number) / n;
        for (const own of all)
          own.forEach((a, k) => {
            a.set(total[k] as Float32Array);
          });
      }),
    barrier: () => join(rank, [], () => {}),
    broadcastModel: async () => unsupported(),
    attachGradients: unsupported,
    detachGradients: unsupported,
    failure: () => undefined,
  }));
}
