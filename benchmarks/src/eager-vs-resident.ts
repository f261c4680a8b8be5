/**
 * Eager conv3d calls against engine-resident ones (issue 14's target: every benchmark layer's
 * eager call within 1.2x of `timeOp`), interleaved: each round times one short block of prepared
 * eager calls (`prepare`, caller-owned arrays reused, as `run.ts`'s eager series) and one block
 * of `timeOp` calls of the same pass on the same layer, back to back, so both series see the
 * same load. Blocks are short (about 3 ms) and rounds many, so a slow drift in the machine's
 * load hits both alike. Per pass it reports the median over rounds of the per-round ratio of
 * block medians, the range of that ratio, and the ratio of each series' fastest block.
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
const BLOCK_MS = 3;

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
  const { run, tensors, dispose } = preparedPasses(l);
  const { x, w, b, attrs } = tensors;
  try {
    return PASSES.map((p) => {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) run[p]();
      const one = (performance.now() - t0) / 5;
      const calls = Math.max(3, Math.min(2000, Math.round(BLOCK_MS / one)));
      const eager: number[] = [];
      const resident: number[] = [];
      const ratios: number[] = [];
      const times = new Array<number>(calls);
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < calls; i++) {
          const s = performance.now();
          run[p]();
          times[i] = performance.now() - s;
        }
        const e = median(times);
        const res = median(timeOp('conv3d', attrs, [x, w, b], NEED_GRAD[p], 2, calls));
        eager.push(e);
        resident.push(res);
        ratios.push(e / res);
      }
      const out: PassResult = {
        layer: l.name,
        pass: p,
        eagerMs: median(eager),
        residentMs: median(resident),
        ratio: median(ratios),
        ratioRange: [Math.min(...ratios), Math.max(...ratios)],
        ratioOfFastest: Math.min(...eager) / Math.min(...resident),
        callsPerBlock: calls,
      };
      const us = (ms: number) => (ms * 1e3).toFixed(1).padStart(9);
      console.log(
        `${l.name.padEnd(28)} ${p.padEnd(15)} eager ${us(out.eagerMs)} us  resident ${us(out.residentMs)} us` +
          `  ratio ${out.ratio.toFixed(3)} [${out.ratioRange.map((v) => v.toFixed(2)).join(', ')}]` +
          `  fastest ${out.ratioOfFastest.toFixed(3)}`,
      );
      return out;
    });
  } finally {
    dispose();
  }
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
