/**
 * The benchmark's table and summary: GFLOP/s per pass, ratios to PyTorch (throughput, > 1 is
 * faster), and the totals the targets of issue 2 are stated in.
 * @module
 */
import { PASSES } from './kernels/conv3d-deepsc.js';
import type { LayerResult } from './run.js';
import { gflops } from './stats.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The per-layer table: ours and PyTorch's GFLOP/s per pass, onnxruntime's forward, ratios. */
export function formatTable(results: readonly LayerResult[]): string {
  const head = [
    'layer',
    'C>K',
    'out',
    'GFLOP',
    'fwd',
    'bwd-d',
    'bwd-w',
    'pt fwd',
    'pt bwd-d',
    'pt bwd-w',
    'ort fwd',
    'ratio',
  ];
  const width = [30, 8, 11, 6, 7, 7, 7, 7, 8, 8, 7, 6];
  const rows = results.map((r) => {
    const f = r.gflop * 1e9;
    const ours = PASSES.map((p) => gflops(f, r.deepsc[p]).toFixed(1));
    const theirs = PASSES.map((p) => (r.torch ? gflops(f, r.torch[p]).toFixed(1) : '-'));
    const ratio = r.torch ? (total(r.torch) / total(r.deepsc)).toFixed(2) : '-';
    return [
      r.layer.name,
      `${r.layer.C}>${r.layer.K}`,
      r.out.join('x'),
      r.gflop.toFixed(2),
      ...ours,
      ...theirs,
      r.onnxForward !== null ? gflops(f, r.onnxForward).toFixed(1) : '-',
      ratio,
    ];
  });
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? pad(c, width[i] as number) : lpad(c, width[i] as number))).join(' ');
  return [line(head), ...rows.map(line)].join('\n');
}

const total = (t: Record<string, number>) => PASSES.reduce((s, p) => s + (t[p] as number), 0);

/** Totals per preset: time ratio over the whole set, the worst layer, the stem. */
export function summarise(results: readonly LayerResult[]): {
  lines: string[];
  figures: Record<string, unknown>;
} {
  const lines: string[] = [];
  const figures: Record<string, unknown> = {};
  const presets = [...new Set(results.map((r) => r.layer.name.split('/')[0] as string))];
  for (const preset of presets) {
    const rs = results.filter((r) => r.layer.name.startsWith(`${preset}/`) && r.torch);
    if (rs.length === 0) continue;
    const ours = rs.reduce((s, r) => s + total(r.deepsc), 0);
    const theirs = rs.reduce((s, r) => s + total(r.torch as Record<string, number>), 0);
    const stem = rs.filter((r) => r.layer.name.includes('/stem.'));
    const stemOurs = stem.reduce((s, r) => s + total(r.deepsc), 0);
    const stemTheirs = stem.reduce((s, r) => s + total(r.torch as Record<string, number>), 0);
    const per = rs.map((r) => ({
      name: r.layer.name,
      ratio: total(r.torch as Record<string, number>) / total(r.deepsc),
    }));
    const worst = per.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const passRatio = Object.fromEntries(
      PASSES.map((p) => [
        p,
        rs.reduce((s, r) => s + ((r.torch as Record<string, number>)[p] as number), 0) /
          rs.reduce((s, r) => s + r.deepsc[p], 0),
      ]),
    );
    const flop = rs.reduce((s, r) => s + 3 * r.gflop, 0);
    lines.push(
      `${preset}: total conv time (fwd + both bwd) ours ${ours.toFixed(0)} ms, PyTorch ${theirs.toFixed(0)} ms: ratio ${(theirs / ours).toFixed(2)} ` +
        `(${((flop / ours) * 1e3).toFixed(0)} vs ${((flop / theirs) * 1e3).toFixed(0)} GFLOP/s); per pass ${PASSES.map((p) => `${p} ${(passRatio[p] as number).toFixed(2)}`).join(', ')}`,
    );
    lines.push(
      `${preset}: worst layer ${worst.name} at ${worst.ratio.toFixed(2)}; stem (${stem.length} layers) ratio ${stem.length ? (stemTheirs / stemOurs).toFixed(2) : '-'}`,
    );
    figures[preset] = {
      ratio: theirs / ours,
      oursMs: ours,
      torchMs: theirs,
      perPass: passRatio,
      worst,
      stemRatio: stemOurs ? stemTheirs / stemOurs : null,
      perLayer: per,
    };
  }
  return { lines, figures };
}
