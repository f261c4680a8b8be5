/**
 * Training logs as JSON lines (`metrics.jsonl` of a run folder) and their chart series.
 * @module
 */
import type { TrainingRecord } from './report-data.js';

/**
 * Parses a JSON-lines training log: one object per non-empty line with a numeric `epoch`, an
 * optional string `split` (default `train`) and any numeric metric fields; `step` (the optimizer
 * step counter) and other non-metric fields (text, nested objects, null for non-finite values)
 * are ignored.
 * @param name how to name the file in errors.
 * @throws SyntaxError naming the file and line of bad JSON, a missing epoch or a non-object line.
 */
export function parseTrainingLog(text: string, name = 'metrics.jsonl'): TrainingRecord[] {
  const out: TrainingRecord[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new SyntaxError(`${name}:${n + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new SyntaxError(`${name}:${n + 1}: expected a JSON object per line`);
    }
    const rec = obj as Record<string, unknown>;
    if (typeof rec.epoch !== 'number' || !Number.isFinite(rec.epoch)) {
      throw new SyntaxError(`${name}:${n + 1}: "epoch" must be a number, got ${JSON.stringify(rec.epoch)}`);
    }
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'epoch' || k === 'split' || k === 'step') continue;
      if (typeof v === 'number') values[k] = v;
    }
    out.push({ epoch: rec.epoch, split: typeof rec.split === 'string' ? rec.split : 'train', values });
  });
  return out;
}

/** One chart's worth of a training log: a metric with one (epoch, value) series per split. */
export interface TrainingChart {
  readonly metric: string;
  readonly series: readonly { readonly split: string; readonly points: [number, number][] }[];
}

/** Groups records into one chart per metric (in order of first appearance), one series per split. */
export function trainingCharts(records: readonly TrainingRecord[]): TrainingChart[] {
  const metrics: string[] = [];
  for (const r of records) for (const k of Object.keys(r.values)) if (!metrics.includes(k)) metrics.push(k);
  return metrics.map((metric) => {
    const splits = new Map<string, [number, number][]>();
    for (const r of records) {
      const v = r.values[metric];
      if (v === undefined) continue;
      const pts = splits.get(r.split) ?? [];
      pts.push([r.epoch, v]);
      splits.set(r.split, pts);
    }
    return { metric, series: [...splits].map(([split, points]) => ({ split, points })) };
  });
}
