/**
 * Eager conv3d calls against engine-resident ones (issue 14's target: every benchmark layer's
 * eager call within 1.2x of `timeOp`), interleaved: each round times one short block of prepared
 * eager calls (`prepare`, caller-owned arrays reused, as `run.ts`'s eager series) and one block
 * of `timeOp` calls of the same pass on the same layer, back to back and in alternating order,
 * so both series see the same load. Blocks are short (about 20 ms, at least 3 calls) and rounds
 * many, so a slow drift in the machine's load hits both alike; each round's eager calls get
 * fresh arrays, as each `timeOp` call allocates fresh buffers. Per pass it reports the median
 * over rounds of the per-round ratio of block medians, the range of that ratio, and the ratio
 * of each series' fastest block.
 *
 *     npx tsx --conditions=source src/eager-vs-resident.ts [--preset cpu|paper|all]
 *         [--filter S] [--rounds N] [--out NAME.json]
 *
 * Writes benchmarks/results/NAME.json when --out is given.
 * @module
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { timeOp } from '@deepsc/native';
import { type ConvPass, NEED_GRAD, PASSES, preparedPasses } from './kernels/conv3d-deepsc.js';
import { type ConvLayer, layers, type Preset } from './layers.js';
import { writeResult } from './script-io.js';
import { median } from './stats.js';

/** Milliseconds of work per timed block. */
const BLOCK_MS = 20;

/** One pass of one layer. */
export interface PassResult {
  layer: string;
  pass: ConvPass;
  /** Median over rounds of the block medians (ms per call). */
  eagerMs: number;
  residentMs: number;
  /** Median over rounds of eager / resident (block medians of the same round). */
  ratio: number;
  ratioRange: [number, number];
  /** The fastest eager block's median over the fastest resident block's. */
  ratioOfFastest: number;
  callsPerBlock: number;
}

function measure(l: ConvLayer, rounds: number): PassResult[] {
  // Calls per block, from a first prepared op's calls.
  const first = preparedPasses(l);
  const calls = {} as Record<ConvPass, number>;
  try {
    for (const p of PASSES) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) first.run[p]();
      const one = (performance.now() - t0) / 5;
      calls[p] = Math.max(3, Math.min(2000, Math.round(BLOCK_MS / one)));
    }
  } finally {
    first.dispose();
  }
  const eager = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
  const resident = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
  const ratios = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
  for (let r = 0; r < rounds; r++) {
    // Fresh arrays every round, as timeOp allocates its buffers on every call: where an array
    // lies (its pages' cache sets) moves a memory-bound layer's time by up to a third, and
    // one placement kept for the whole run would weigh the eager series by its luck alone.
    const { run, tensors, dispose } = preparedPasses(l);
    const { x, w, b, attrs } = tensors;
    try {
      for (const p of PASSES) {
        const eagerBlock = () => {
          // two warm-up calls, as timeOp makes before its timed ones
          run[p]();
          run[p]();
          const times = new Array<number>(calls[p]);
          for (let i = 0; i < calls[p]; i++) {
            const s = performance.now();
            run[p]();
            times[i] = performance.now() - s;
          }
          return median(times);
        };
        const residentBlock = () => median(timeOp('conv3d', attrs, [x, w, b], NEED_GRAD[p], 2, calls[p]));
        // Which series goes first alternates by round: what ran just before (the other pass's
        // buffers in the caches, an arena just freed) moved a memory-bound pass by up to a
        // quarter, and always in favour of the same series.
        let e: number;
        let res: number;
        if (r % 2 === 0) {
          e = eagerBlock();
          res = residentBlock();
        } else {
          res = residentBlock();
          e = eagerBlock();
        }
        eager[p].push(e);
        resident[p].push(res);
        ratios[p].push(e / res);
      }
    } finally {
      dispose();
    }
  }
  return PASSES.map((p) => {
    const out: PassResult = {
      layer: l.name,
      pass: p,
      eagerMs: median(eager[p]),
      residentMs: median(resident[p]),
      ratio: median(ratios[p]),
      ratioRange: [Math.min(...ratios[p]), Math.max(...ratios[p])],
      ratioOfFastest: Math.min(...eager[p]) / Math.min(...resident[p]),
      callsPerBlock: calls[p],
    };
    const us = (ms: number) => (ms * 1e3).toFixed(1).padStart(9);
    console.log(
      `${l.name.padEnd(28)} ${p.padEnd(15)} eager ${us(out.eagerMs)} us  resident ${us(out.residentMs)} us` +
        `  ratio ${out.ratio.toFixed(3)} [${out.ratioRange.map((v) => v.toFixed(2)).join(', ')}]` +
        `  fastest ${out.ratioOfFastest.toFixed(3)}`,
    );
    return out;
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'cpu' },
      filter: { type: 'string', default: '' },
      rounds: { type: 'string', default: '41' },
      out: { type: 'string' },
    },
  });
  const presetArg = values.preset as string;
  if (!['cpu', 'paper', 'all'].includes(presetArg))
    throw new RangeError(`--preset must be cpu, paper or all, not ${presetArg}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10000)
    throw new RangeError(`--rounds must be an integer in [1, 10000], not ${values.rounds}`);
  const presets: Preset[] = presetArg === 'all' ? ['cpu', 'paper'] : [presetArg as Preset];
  const load = loadavg();
  const rows: PassResult[] = [];
  for (const preset of presets)
    for (const l of layers(preset))
      if (!values.filter || l.name.includes(values.filter)) rows.push(...measure(l, rounds));
  if (rows.length === 0) throw new RangeError(`no layer matches --filter ${values.filter}`);
  const over = rows.filter((r) => r.ratio > 1.2);
  const geo = Math.exp(rows.reduce((a, r) => a + Math.log(r.ratio), 0) / rows.length);
  console.log(`${rows.length} passes; geometric mean ${geo.toFixed(3)}; above 1.2x: ${over.length}`);
  for (const r of over) console.log(`  ${r.layer} ${r.pass} ${r.ratio.toFixed(3)}`);
  if (values.out)
    writeResult(values.out, {
      date: new Date().toISOString(),
      rounds,
      threads: process.env.DEEPSC_NUM_THREADS ?? null,
      poolSpinUs: process.env.DEEPSC_POOL_SPIN_US ?? null,
      loadAverageBefore: load,
      loadAverageAfter: loadavg(),
      geometricMean: geo,
      above12: over.map((r) => `${r.layer} ${r.pass}`),
      rows,
    });
}

main();
