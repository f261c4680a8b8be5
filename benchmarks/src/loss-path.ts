/**
 * The task-aware loss on the host (the float64 TypeScript reference on the copied-out outputs,
 * its gradients seeding the backward pass: the CPU's production path until issue 13, now
 * packages/deepsc-covid/test/support/reference-step.ts) against the loss in the graph (the
 * engine's loss ops: the production step, `trainingStep`), per training step, at the CPU preset
 * and with the demo preset's loss options (segmentation background weight 1), on the CPU. Two
 * networks from one seed, the same random batch; their steps interleaved, the order alternating
 * per pair (host, graph, graph, host, ...), so a loaded machine weighs on both alike; each
 * figure the median of the timed steps, beside each step's process CPU time. Before timing, one
 * step without the optimizer on each gives the loss and gradient difference of the two paths.
 *
 *   npx tsx --conditions=source benchmarks/src/loss-path.ts [--steps 9]
 * @module
 */
import {
  createDeepScCovid,
  type DeepScCovidConfig,
  type DeepScCovidNetwork,
  presetConfig,
  type TaskAwareLossOptions,
  type TrainingBatch,
  trainingStep,
} from '@deepsc/deepsc-covid';
import { randomStepInputs } from './random-step-inputs.js';
import { runScript, writeResult } from './script-io.js';
import { median } from './stats.js';

/**
 * What this script uses of the test's reference step (reference-step.ts there). It is imported
 * by URL at run time: the reference lives in the package's tests, outside this project's
 * sources (and its type-check), and is no part of the package.
 */
interface ReferenceStep {
  createReferenceNetwork(config: DeepScCovidConfig, options?: { seed?: number }): DeepScCovidNetwork;
  referenceStep(
    net: DeepScCovidNetwork,
    batch: TrainingBatch,
    loss?: TaskAwareLossOptions,
    options?: { step?: boolean },
  ): Promise<{ loss: { total: number } }>;
}
const REFERENCE = new URL('../../packages/deepsc-covid/test/support/reference-step.ts', import.meta.url).href;

interface Case {
  name: string;
  loss: TaskAwareLossOptions;
}

const CASES: Case[] = [
  { name: 'cpu preset, paper loss options', loss: {} },
  { name: 'demo preset (cpu network, segmentation background weight 1)', loss: { segClassWeights: [1, 1] } },
];

async function measure(c: Case, steps: number) {
  const { createReferenceNetwork, referenceStep } = (await import(REFERENCE)) as ReferenceStep;
  const config = presetConfig('cpu');
  const host = createReferenceNetwork(config, { seed: 0 });
  const graph = createDeepScCovid(config, { seed: 0, lossOptions: c.loss });
  const batch = randomStepInputs(host.config);
  try {
    // the difference: one step without the optimizer on identical parameters
    const h = await referenceStep(host, batch, c.loss, { step: false });
    const g = await trainingStep(graph, batch, { step: false });
    let gradDiff = 0;
    let gradScale = 0;
    let worstRel = 0;
    let worstName = '';
    for (const name of host.model.trainableNames) {
      if (host.model.parametersWithoutGradient.includes(name)) continue;
      const a = host.model.gradient(name);
      const b = graph.model.gradient(name);
      let d = 0;
      let s = 0;
      for (let i = 0; i < a.data.length; i++) {
        d = Math.max(d, Math.abs((a.data[i] as number) - (b.data[i] as number)));
        s = Math.max(s, Math.abs(a.data[i] as number));
      }
      a.dispose();
      b.dispose();
      gradDiff = Math.max(gradDiff, d);
      gradScale = Math.max(gradScale, s);
      if (s > 0 && d / s > worstRel) {
        worstRel = d / s;
        worstName = name;
      }
    }
    const timesMs = { host: [] as number[], graph: [] as number[] };
    const cpuMs = { host: [] as number[], graph: [] as number[] };
    // 2 warm-up steps each, then interleaved timed steps (the order alternates per pair)
    for (let i = 0; i < 2 + steps; i++) {
      const order = [
        ['host', host],
        ['graph', graph],
      ] as const;
      for (const [path, net] of i % 2 ? [...order].reverse() : order) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        if (path === 'host') await referenceStep(net, batch, c.loss);
        else await trainingStep(net, batch);
        const t1 = performance.now();
        const cu = process.cpuUsage(c0);
        if (i >= 2) {
          timesMs[path].push(t1 - t0);
          cpuMs[path].push((cu.user + cu.system) / 1000);
        }
      }
    }
    const pairRatios = timesMs.graph.map((t, i) => t / (timesMs.host[i] as number));
    const result = {
      case: c.name,
      loss: {
        host: h.loss.total,
        graph: g.loss.total,
        relative: Math.abs(g.loss.total - h.loss.total) / h.loss.total,
      },
      gradient: {
        max_abs_difference: gradDiff,
        largest_gradient: gradScale,
        worst_tensor: worstName,
        worst_tensor_relative: worstRel,
      },
      median_ms: { host: median(timesMs.host), graph: median(timesMs.graph) },
      graph_over_host: median(timesMs.graph) / median(timesMs.host),
      /** median over the interleaved pairs of graph / host (each pair ran back to back) */
      median_pair_ratio: median(pairRatios),
      /** process CPU time (user + system, every thread) per step: less sensitive to load */
      median_cpu_ms: { host: median(cpuMs.host), graph: median(cpuMs.graph) },
      times_ms: timesMs,
      cpu_ms: cpuMs,
    };
    console.log(
      `${c.name}: host ${result.median_ms.host.toFixed(1)} ms, graph ${result.median_ms.graph.toFixed(1)} ms ` +
        `(graph / host ${result.graph_over_host.toFixed(3)}, median pair ratio ${result.median_pair_ratio.toFixed(3)}; ` +
        `CPU time host ${result.median_cpu_ms.host.toFixed(1)} ms, graph ${result.median_cpu_ms.graph.toFixed(1)} ms); loss ${h.loss.total} vs ${g.loss.total} ` +
        `(rel ${result.loss.relative.toExponential(2)}); gradients max |diff| ${gradDiff.toExponential(2)} ` +
        `of largest ${gradScale.toExponential(2)}; worst tensor ${worstName} ${worstRel.toExponential(2)} of itself`,
    );
    return result;
  } finally {
    for (const t of [batch.whole, batch.patch, batch.lesionMask]) t?.dispose();
    host.model.dispose();
    graph.model.dispose();
  }
}

async function main() {
  const s = process.argv.indexOf('--steps');
  const steps = s >= 0 ? Number(process.argv[s + 1]) : 9;
  const results = [];
  for (const c of CASES) results.push(await measure(c, steps));
  writeResult('loss-path.json', { date: new Date().toISOString(), steps, results });
}

runScript(import.meta.url, main, async () => undefined);
