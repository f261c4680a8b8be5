/**
 * One rank of a test scenario (run by ranks.ts in its own process): joins the group from the
 * DEEPSC_TEST_* environment, runs the scenario, prints `RESULT <json>` and exits 0; an
 * unexpected error exits 1 with its stack on stderr.
 */
import { createHash } from 'node:crypto';
import {
  type CompiledModel,
  GraphBuilder,
  mulberry32,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  Tensor,
} from '@deepsc/core';
import { DistributedError, initProcessGroup, type ProcessGroup } from '../../src/index.js';

const rank = Number(process.env.DEEPSC_TEST_RANK);
const worldSize = Number(process.env.DEEPSC_TEST_WORLD);
const store = process.env.DEEPSC_TEST_STORE as string;
const timeoutMs = Number(process.env.DEEPSC_TEST_TIMEOUT);
const args = JSON.parse(process.env.DEEPSC_TEST_ARGS ?? '{}') as Record<string, unknown>;
const scenario = process.argv[2];

/** float32 unit roundoff. */
const u = 2 ** -24;

const port = Number(process.env.DEEPSC_TEST_PORT ?? 0);

/** Joins through the folder, or through rank 0's TCP store when the runner chose a port. */
const join = (): Promise<ProcessGroup> =>
  initProcessGroup({
    rank,
    worldSize,
    rendezvous: port > 0 ? { kind: 'tcp', host: '127.0.0.1', port } : { kind: 'file', path: store },
    timeoutMs,
  });

/** Rank r's k-th test array: values of mixed sign and magnitudes 1e-3..1e2 (sums cancel). */
function testArray(r: number, k: number, n: number): Float32Array {
  const rnd = mulberry32(1000 + 17 * r + k);
  return Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 10 ** (Math.floor(rnd() * 6) - 3));
}

/**
 * The largest |got - exact| / bound over the elements, where exact is the float64 sum (or mean)
 * of the ranks' values and bound the float32 summation bound of a sum of W terms in any order,
 * (W - 1) u sum|x_i| (divided by W for a mean, plus one rounding of the division, u |exact|).
 * Below 1 means within the bound; a zero bound demands equality.
 */
function boundRatio(got: Float32Array, parts: Float32Array[], mean: boolean): number {
  const W = parts.length;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    let exact = 0;
    let abs = 0;
    for (const p of parts) {
      exact += p[i] as number;
      abs += Math.abs(p[i] as number);
    }
    let bound = (W - 1) * u * abs;
    if (mean) {
      exact /= W;
      bound = bound / W + u * Math.abs(exact);
    }
    const err = Math.abs((got[i] as number) - exact);
    const ratio = bound === 0 ? (err === 0 ? 0 : Number.POSITIVE_INFINITY) : err / bound;
    if (ratio > worst) worst = ratio;
  }
  return worst;
}

const hash = (arrays: Float32Array[]): string => {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
};

function errorResult(err: unknown, t0: number): Record<string, unknown> {
  if (!(err instanceof DistributedError)) throw err;
  return {
    name: err.name,
    message: err.message,
    rank: err.rank ?? null,
    timedOut: err.timedOut,
    ms: performance.now() - t0,
  };
}

async function collectives(): Promise<Record<string, unknown>> {
  const pg = await join();
  const lengths = [1, 1000, 70001];
  const of = (r: number) => lengths.map((n, k) => testArray(r, k, n));
  const everyone = Array.from({ length: worldSize }, (_, r) => of(r));
  const column = (k: number) => everyone.map((d) => d[k] as Float32Array);

  const sum = of(rank); // several arrays: one collective over their concatenation
  await pg.allReduce(sum, 'sum');
  const mean = [of(rank)[2] as Float32Array]; // one array: reduced in place
  await pg.allReduce(mean, 'mean');
  const hd = [of(rank)[2] as Float32Array];
  await pg.allReduce(hd, 'sum', { algorithm: 'halving-doubling' });
  const root = worldSize - 1;
  const bc = of(rank);
  await pg.broadcast(bc, root);
  await pg.barrier();
  pg.destroy();
  return {
    sumRatio: Math.max(...sum.map((a, k) => boundRatio(a, column(k), false))),
    meanRatio: boundRatio(mean[0] as Float32Array, column(2), true),
    hdRatio: boundRatio(hd[0] as Float32Array, column(2), false),
    broadcastExact: hash(bc) === hash(of(root)),
    hash: hash([...sum, ...mean, ...hd]),
  };
}

async function neverJoined(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  try {
    await join();
    return { joined: true };
  } catch (err) {
    return errorResult(err, t0);
  }
}

/** `args.victim` sends itself `args.signal` (SIGKILL: it dies; SIGSTOP: it hangs) during its third all-reduce. */
async function lostMidCollective(): Promise<Record<string, unknown>> {
  const pg = await join();
  await pg.barrier();
  const victim = Number(args.victim);
  const signal = String(args.signal) as NodeJS.Signals;
  const big = new Float32Array(1 << 20).fill(1);
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const pending = pg.allReduce([big], 'sum');
    if (rank === victim && i === 2) setTimeout(() => process.kill(process.pid, signal), 2);
    try {
      await pending;
    } catch (err) {
      const result = errorResult(err, t0);
      const t1 = performance.now();
      const later = await pg.barrier().then(
        () => 'resolved',
        (e: unknown) => (e instanceof DistributedError ? e.message : String(e)),
      );
      return {
        ...result,
        failure: pg.failure()?.message ?? null,
        later,
        laterMs: performance.now() - t1,
      };
    }
  }
  return { survived: true };
}

/** A two-layer perceptron with seeded outputs (the same initial values on every rank). */
function perceptron(): CompiledModel {
  const g = new GraphBuilder({ seed: 7 });
  const x = g.input('x', [4, 6]);
  const w1 = g.parameter('fc1.weight', [16, 6], pytorchDefaultWeight());
  const b1 = g.parameter('fc1.bias', [16], pytorchDefaultBias([16, 6]));
  const w2 = g.parameter('fc2.weight', [3, 16], pytorchDefaultWeight());
  const b2 = g.parameter('fc2.bias', [3], pytorchDefaultBias([3, 16]));
  g.output('y', g.linear(g.leakyRelu(g.linear(x, w1, b1), { slope: 0.1 }), w2, b2));
  return g.compile({ seedOutputs: ['y'], optimizer: { kind: 'sgd', lr: 0.5 } });
}

/** This rank's micro-batch `k`: an input and the seed gradient of y. */
function microBatch(k: number): { x: Tensor; seed: Tensor } {
  const r = mulberry32(500 + 31 * rank + k);
  const x = Tensor.from(
    Float32Array.from({ length: 24 }, () => r() * 2 - 1),
    [4, 6],
  );
  const seed = Tensor.from(
    Float32Array.from({ length: 12 }, () => r() * 2 - 1),
    [4, 3],
  );
  return { x, seed };
}

async function gradientHook(): Promise<Record<string, unknown>> {
  const pg = await join();
  const micro = Number(args.microBatches ?? 1);
  const names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
  const batches = Array.from({ length: micro }, (_, k) => microBatch(k));

  // The reference: this rank's own (mean) gradient, averaged over the ranks by allReduce; the
  // summation bound needs the sum of the ranks' |g| too.
  const ref = perceptron();
  for (const b of batches) {
    (await ref.forward({ x: b.x })).y?.dispose();
    await ref.backward({ y: b.seed }, micro > 1 ? { gradients: 'accumulate' } : {});
  }
  const own = names.map((n) => {
    const t = ref.gradient(n, micro > 1 ? 'accumulated' : 'current');
    const d = t.data.slice();
    t.dispose();
    return d;
  });
  const expected = own.map((a) => a.slice());
  await pg.allReduce(expected, 'mean');
  const absSum = own.map((a) => a.map(Math.abs));
  await pg.allReduce(absSum, 'sum');

  // The model under test: rank 1 starts from other values, broadcastModel makes them rank 0's.
  const m = perceptron();
  if (rank === 1) {
    const w = Tensor.from(new Float32Array(96).fill(0.25), [16, 6]);
    m.setParameter('fc1.weight', w);
    w.dispose();
  }
  await pg.broadcastModel(m);
  const before = names.map((n) => {
    const t = m.parameter(n);
    const d = t.data.slice();
    t.dispose();
    return d;
  });
  pg.attachGradients(m, { bucketBytes: Number(args.bucketBytes) });
  for (const [k, b] of batches.entries()) {
    (await m.forward({ x: b.x })).y?.dispose();
    await m.backward(
      { y: b.seed },
      micro > 1 ? { gradients: 'accumulate', syncGradients: k === micro - 1 } : {},
    );
  }
  const reduced = names.map((n) => {
    const t = m.gradient(n, micro > 1 ? 'accumulated' : 'current');
    const d = t.data.slice();
    t.dispose();
    return d;
  });
  const report = await m.step();
  const after = names.map((n) => {
    const t = m.parameter(n);
    const d = t.data.slice();
    t.dispose();
    return d;
  });

  // |reduced - expected| within twice the bound (both are float32 sums of the same terms in
  // possibly different orders); the step is p - lr * reduced within one rounding of each.
  let gradRatio = 0;
  let gradBitwise = true;
  let stepRatio = 0;
  for (let p = 0; p < names.length; p++) {
    const [e, r, s, b0, b1] = [expected[p], reduced[p], absSum[p], before[p], after[p]] as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    for (let i = 0; i < e.length; i++) {
      const bound = 2 * (((worldSize - 1) * u * (s[i] as number)) / worldSize + u * Math.abs(e[i] as number));
      const err = Math.abs((r[i] as number) - (e[i] as number));
      if (err !== 0) gradBitwise = false;
      gradRatio = Math.max(gradRatio, bound === 0 ? (err === 0 ? 0 : Infinity) : err / bound);
      const want = (b0[i] as number) - 0.5 * (r[i] as number);
      const stepBound = 2 * u * (Math.abs(b0[i] as number) + Math.abs(0.5 * (r[i] as number))) + 1e-45;
      stepRatio = Math.max(stepRatio, Math.abs((b1[i] as number) - want) / stepBound);
    }
  }

  // With the hook attached, a step after a backward that did not sync is refused.
  (await m.forward({ x: (batches[0] as { x: Tensor }).x })).y?.dispose();
  await m.backward({ y: (batches[0] as { seed: Tensor }).seed }, { syncGradients: false });
  const unsynced = await m.step().then(
    () => 'stepped',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  pg.detachGradients(m);
  pg.destroy();
  for (const b of batches) {
    b.x.dispose();
    b.seed.dispose();
  }
  ref.dispose();
  m.dispose();
  return {
    gradRatio,
    gradBitwise,
    stepRatio,
    microBatches: report.microBatches,
    startHash: hash(before),
    afterHash: hash(after),
    unsynced,
  };
}

const scenarios: Record<string, () => Promise<Record<string, unknown>>> = {
  collectives,
  neverJoined,
  lostMidCollective,
  gradientHook,
};

const run = scenario ? scenarios[scenario] : undefined;
if (!run) {
  console.error(`unknown scenario '${scenario}' (one of ${Object.keys(scenarios).join(', ')})`);
  process.exit(2);
}
run().then(
  (r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
