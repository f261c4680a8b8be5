/**
 * The benchmark's table and summary: GFLOP/s per pass, ratios to PyTorch (throughput, > 1 is
 * faster), and the totals the targets of issue 2 are stated in. Ours comes in two series: eager
 * (`forward` / `backward` calls, with their per-call JS conversion and fresh output arrays) and
 * engine-resident (`timeOp`: the kernel on buffers allocated once, as the graph executor runs it
 * in a training step). PyTorch's side is its eager call, which is what it pays per layer in training.
 * @module
 */
import { type ConvPass, PASSES } from './kernels/conv3d-deepsc.js';
import type { LayerResult } from './run.js';
import { gflops } from './stats.js';

/** Issue 2's per-layer target: no conv3d layer below this ratio to PyTorch. */
export const MIN_LAYER_RATIO = 0.7;

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

type Times = Record<ConvPass, number>;
type Series = 'eager' | 'resident';
const SERIES: readonly Series[] = ['eager', 'resident'];
const oursOf = (r: LayerResult, s: Series): Times => (s === 'eager' ? r.deepsc : r.deepscResident);

/**
 * The per-layer table: ours eager and engine-resident, PyTorch's GFLOP/s per pass,
 * onnxruntime's forward, and both ratios (PyTorch time / ours, fwd + both bwd).
 */
export function formatTable(results: readonly LayerResult[]): string {
  const head = [
    'layer',
    'C>K',
    'out',
    'GFLOP',
    'fwd',
    'bwd-d',
    'bwd-w',
    'res fwd',
    'res bwd-d',
    'res bwd-w',
    'pt fwd',
    'pt bwd-d',
    'pt bwd-w',
    'ort fwd',
    'ratio',
    'ratio res',
  ];
  const width = [30, 8, 11, 6, 7, 7, 7, 7, 9, 9, 7, 8, 8, 7, 6, 9];
  const rows = results.map((r) => {
    const f = r.gflop * 1e9;
    const ours = (s: Series) => PASSES.map((p) => gflops(f, oursOf(r, s)[p]).toFixed(1));
    const theirs = PASSES.map((p) => (r.torch ? gflops(f, r.torch[p]).toFixed(1) : '-'));
    const ratio = (s: Series) => (r.torch ? (total(r.torch) / total(oursOf(r, s))).toFixed(2) : '-');
    return [
      r.layer.name,
      `${r.layer.C}>${r.layer.K}`,
      r.out.join('x'),
      r.gflop.toFixed(2),
      ...ours('eager'),
      ...ours('resident'),
      ...theirs,
      r.onnxForward !== null ? gflops(f, r.onnxForward).toFixed(1) : '-',
      ratio('eager'),
      ratio('resident'),
    ];
  });
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? pad(c, width[i] as number) : lpad(c, width[i] as number))).join(' ');
  const legend =
    'fwd/bwd-d/bwd-w: ours through the eager calls; res: ours engine-resident (timeOp, as in training); ' +
    'pt: PyTorch; GFLOP/s. ratio / ratio res: PyTorch time / ours (fwd + both bwd), > 1 is faster.';
  return [line(head), ...rows.map(line), legend].join('\n');
}

const total = (t: Record<string, number>) => PASSES.reduce((s, p) => s + (t[p] as number), 0);

/** One series' totals over a preset's layers. */
interface SeriesFigures {
  ratio: number;
  oursMs: number;
  torchMs: number;
  perPass: Record<string, number>;
  worst: { name: string; ratio: number };
  stemRatio: number | null;
  perLayer: { name: string; ratio: number }[];
  /** Whether every layer is at {@link MIN_LAYER_RATIO} or better. */
  targetMet: boolean;
}

function seriesFigures(rs: readonly LayerResult[], s: Series): SeriesFigures {
  const torchOf = (r: LayerResult) => r.torch as Times;
  const ours = rs.reduce((a, r) => a + total(oursOf(r, s)), 0);
  const theirs = rs.reduce((a, r) => a + total(torchOf(r)), 0);
  const stem = rs.filter((r) => r.layer.name.includes('/stem.'));
  const stemOurs = stem.reduce((a, r) => a + total(oursOf(r, s)), 0);
  const stemTheirs = stem.reduce((a, r) => a + total(torchOf(r)), 0);
  const perLayer = rs.map((r) => ({ name: r.layer.name, ratio: total(torchOf(r)) / total(oursOf(r, s)) }));
  const worst = perLayer.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const perPass = Object.fromEntries(
    PASSES.map((p) => [
      p,
      rs.reduce((a, r) => a + torchOf(r)[p], 0) / rs.reduce((a, r) => a + oursOf(r, s)[p], 0),
    ]),
  );
  return {
    ratio: theirs / ours,
    oursMs: ours,
    torchMs: theirs,
    perPass,
    worst,
    stemRatio: stemOurs ? stemTheirs / stemOurs : null,
    perLayer,
    targetMet: worst.ratio >= MIN_LAYER_RATIO,
  };
}

/**
 * Totals per preset, for both series: time ratio over the whole set, per pass, the worst layer,
 * the stem, and the per-layer target. In the JSON the eager series keeps the field names of
 * older result files (`ratio`, `oursMs`, `worst`, ...) and adds `targetMet`; the
 * engine-resident series is under `resident` with the same fields.
 */
export function summarise(results: readonly LayerResult[]): {
  lines: string[];
  figures: Record<string, unknown>;
} {
  const lines: string[] = [];
  const figures: Record<string, unknown> = {};
  const presets = [...new Set(results.map((r) => r.layer.name.split('/')[0] as string))];
  const label: Record<Series, string> = { eager: 'ours eager', resident: 'ours engine-resident' };
  for (const preset of presets) {
    const rs = results.filter((r) => r.layer.name.startsWith(`${preset}/`) && r.torch);
    if (rs.length === 0) continue;
    const stemCount = rs.filter((r) => r.layer.name.includes('/stem.')).length;
    const flop = rs.reduce((a, r) => a + 3 * r.gflop, 0);
    const by = Object.fromEntries(SERIES.map((s) => [s, seriesFigures(rs, s)])) as Record<
      Series,
      SeriesFigures
    >;
    for (const s of SERIES) {
      const f = by[s];
      lines.push(
        `${preset}, ${label[s]}: total conv time (fwd + both bwd) ours ${f.oursMs.toFixed(1)} ms, PyTorch ${f.torchMs.toFixed(1)} ms: ratio ${f.ratio.toFixed(2)} ` +
          `(${((flop / f.oursMs) * 1e3).toFixed(0)} vs ${((flop / f.torchMs) * 1e3).toFixed(0)} GFLOP/s); per pass ${PASSES.map((p) => `${p} ${(f.perPass[p] as number).toFixed(2)}`).join(', ')}`,
      );
      lines.push(
        `${preset}, ${label[s]}: worst layer ${f.worst.name} at ${f.worst.ratio.toFixed(2)}; stem (${stemCount} layers) ratio ${f.stemRatio !== null ? f.stemRatio.toFixed(2) : '-'}; ` +
          `target no layer below ${MIN_LAYER_RATIO}x PyTorch: ${f.targetMet ? 'met' : `NOT met (${f.perLayer.filter((l) => l.ratio < MIN_LAYER_RATIO).length} layers below)`}`,
      );
    }
    const { resident, eager } = by;
    figures[preset] = { ...eager, resident };
  }
  return { lines, figures };
}
