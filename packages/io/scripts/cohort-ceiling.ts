/**
 * The separability ceiling of the synthetic cohort: generates a cohort, measures per-scan
 * findings on the ground-truth masks (the paper's four findings), and reports the
 * cross-validated accuracy of a multinomial logistic regression on them, with the per-class
 * feature distributions for docs/data.md.
 *
 *   npx tsx --conditions=source packages/io/scripts/cohort-ceiling.ts [--n 240] [--seed 7] [--atypical 0.1] [--out DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  connectedComponents,
  generateCohort,
  readNifti,
  SCAN_LABELS,
  type ScanLabel,
  squaredDistanceToBackground,
  stratifiedKFold,
} from '@deepsc/io';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '240' },
    seed: { type: 'string', default: '7' },
    atypical: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);

const FEATURES = [
  'log lesion count',
  'log volume ratio',
  'consolidation fraction',
  'within 35 mm of edge',
  'bilateral',
  'lower-zone fraction',
] as const;

interface Findings {
  count: number;
  ratio: number;
  consolidation: number;
  peripheral: number;
  bilateral: number;
  lower: number;
}

async function findingsOf(
  dir: string,
  e: { image: string; lesion: string; lung: string },
): Promise<Findings> {
  const [img, les, lung] = await Promise.all([
    readNifti(join(dir, e.image)),
    readNifti(join(dir, e.lesion)),
    readNifti(join(dir, e.lung)),
  ]);
  const [ni, nj, nk] = les.dims;
  const cc = connectedComponents(les.data, les.dims, 26);
  const lungBin = new Uint8Array(lung.data.length);
  let lungVox = 0;
  let kLo = nk;
  let kHi = -1;
  for (let o = 0; o < lungBin.length; o++) {
    if (lung.data[o] !== 0) {
      lungBin[o] = 1;
      lungVox++;
      const k = Math.floor(o / (ni * nj));
      kLo = Math.min(kLo, k);
      kHi = Math.max(kHi, k);
    }
  }
  const d2 = squaredDistanceToBackground(lungBin, lung.dims, lung.spacing);
  // lower third of the lungs' extent along z (k grows superior in these files; checked by the sign of the affine)
  const up = lung.affine[2][2] > 0;
  const cut = up ? kLo + (kHi - kLo + 1) / 3 : kHi - (kHi - kLo + 1) / 3;
  let les0 = 0;
  let cons = 0;
  let peri = 0;
  let lower = 0;
  const side = [0, 0, 0];
  for (let o = 0; o < les.data.length; o++) {
    if (les.data[o] === 0) continue;
    les0++;
    if ((img.data[o] as number) > -300) cons++;
    if ((d2[o] as number) <= 35 * 35) peri++;
    const k = Math.floor(o / (ni * nj));
    if (up ? k < cut : k > cut) lower++;
    const s = lung.data[o] as number;
    side[s] = (side[s] as number) + 1;
  }
  const minor = Math.min(side[1] as number, side[2] as number);
  return {
    count: cc.sizes.length,
    ratio: lungVox > 0 ? les0 / lungVox : 0,
    consolidation: les0 > 0 ? cons / les0 : 0,
    peripheral: les0 > 0 ? peri / les0 : 0,
    bilateral: les0 > 0 && minor >= 0.05 * les0 ? 1 : 0,
    lower: les0 > 0 ? lower / les0 : 0,
  };
}

function vector(f: Findings): number[] {
  return [Math.log1p(f.count), Math.log(f.ratio + 1e-3), f.consolidation, f.peripheral, f.bilateral, f.lower];
}

/** Multinomial logistic regression by full-batch gradient descent on standardised features, L2 1e-3. */
function fitPredict(xTrain: number[][], yTrain: number[], xTest: number[][]): number[] {
  const d = (xTrain[0] as number[]).length;
  const mean = Array.from(
    { length: d },
    (_, j) => xTrain.reduce((s, x) => s + (x[j] as number), 0) / xTrain.length,
  );
  const sd = Array.from(
    { length: d },
    (_, j) =>
      Math.sqrt(
        xTrain.reduce((s, x) => s + ((x[j] as number) - (mean[j] as number)) ** 2, 0) / xTrain.length,
      ) || 1,
  );
  const z = (x: number[]) => [...x.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)), 1];
  const X = xTrain.map(z);
  const C = 3;
  const W = Array.from({ length: C }, () => new Array<number>(d + 1).fill(0));
  const probs = (x: number[]) => {
    const s = W.map((w) => w.reduce((a, wj, j) => a + wj * (x[j] as number), 0));
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const t = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / t);
  };
  for (let it = 0; it < 600; it++) {
    const G = W.map((w) => w.map(() => 0));
    X.forEach((x, i) => {
      const p = probs(x);
      for (let c = 0; c < C; c++) {
        const g = (p[c] as number) - (yTrain[i] === c ? 1 : 0);
        for (let j = 0; j <= d; j++)
          (G[c] as number[])[j] = ((G[c] as number[])[j] as number) + g * (x[j] as number);
      }
    });
    for (let c = 0; c < C; c++)
      for (let j = 0; j <= d; j++)
        (W[c] as number[])[j] =
          ((W[c] as number[])[j] as number) -
          0.5 * (((G[c] as number[])[j] as number) / X.length + 1e-3 * ((W[c] as number[])[j] as number));
  }
  return xTest.map((x) => {
    const p = probs(z(x));
    return p.indexOf(Math.max(...p));
  });
}

const dir = values.out ?? (await mkdtemp(join(tmpdir(), 'deepsc-ceiling-')));
const t0 = performance.now();
const cohort = await generateCohort({
  out: dir,
  n,
  seed,
  ...(values.atypical !== undefined ? { atypicalProbability: Number(values.atypical) } : {}),
});
const genS = (performance.now() - t0) / 1000;
const findings: Findings[] = [];
for (const e of cohort.entries) findings.push(await findingsOf(dir, e));
const labels = cohort.entries.map((e) => e.label);
const y = labels.map((l) => SCAN_LABELS.indexOf(l));
const X = findings.map(vector);

const accs: number[] = [];
const pairAccs: number[] = [];
const confusion = SCAN_LABELS.map(() => SCAN_LABELS.map(() => 0));
for (let rep = 0; rep < 5; rep++) {
  const fold = stratifiedKFold(labels, 5, `${seed}/rep-${rep}`);
  const pred = new Array<number>(n).fill(-1);
  for (let f = 0; f < 5; f++) {
    const tr = fold.flatMap((g, i) => (g !== f ? [i] : []));
    const te = fold.flatMap((g, i) => (g === f ? [i] : []));
    const p = fitPredict(
      tr.map((i) => X[i] as number[]),
      tr.map((i) => y[i] as number),
      te.map((i) => X[i] as number[]),
    );
    te.forEach((i, q) => {
      pred[i] = p[q] as number;
    });
  }
  let ok = 0;
  let pairOk = 0;
  let pairN = 0;
  pred.forEach((p, i) => {
    if (p === y[i]) ok++;
    if ((y[i] as number) < 2) {
      pairN++;
      if (p === y[i]) pairOk++;
    }
    (confusion[y[i] as number] as number[])[p] = ((confusion[y[i] as number] as number[])[p] as number) + 1;
  });
  accs.push(ok / n);
  pairAccs.push(pairOk / pairN);
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const sdv = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
const q = (a: number[], p: number) => {
  const s = [...a].sort((u, v) => u - v);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};
console.log(`cohort: ${n} scans, seed ${seed}, generated in ${genS.toFixed(1)} s (${dir})`);
console.log('\nper-class ground-truth findings (median [10th-90th percentile], or fraction of scans)');
const rows: [string, (f: Findings) => number, 'dist' | 'frac'][] = [
  ['lesion count (26-connected)', (f) => f.count, 'dist'],
  ['single lesion', (f) => (f.count === 1 ? 1 : 0), 'frac'],
  ['lesion/lung volume ratio (%)', (f) => 100 * f.ratio, 'dist'],
  ['ratio above 20%', (f) => (f.ratio > 0.2 ? 1 : 0), 'frac'],
  ['consolidation fraction (> -300 HU) (%)', (f) => 100 * f.consolidation, 'dist'],
  ['lesion volume within 35 mm of lung edge (%)', (f) => 100 * f.peripheral, 'dist'],
  ['bilateral', (f) => f.bilateral, 'frac'],
  ['lower-zone fraction (%)', (f) => 100 * f.lower, 'dist'],
];
console.log(`| finding | ${SCAN_LABELS.join(' | ')} |`);
console.log(`| --- | ${SCAN_LABELS.map(() => '---').join(' | ')} |`);
for (const [name, get, kind] of rows) {
  const cells = SCAN_LABELS.map((l: ScanLabel) => {
    const v = findings.filter((_, i) => labels[i] === l).map(get);
    if (v.length === 0) return '-';
    return kind === 'frac'
      ? `${(100 * mean(v)).toFixed(0)}%`
      : `${q(v, 0.5).toFixed(1)} [${q(v, 0.1).toFixed(1)}-${q(v, 0.9).toFixed(1)}]`;
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
// the paper's 80% / 34% are volume-weighted over all lesions of a class
for (const l of ['covid', 'cap'] as const) {
  let v = 0;
  let p = 0;
  findings.forEach((f, i) => {
    if (labels[i] !== l) return;
    v += f.ratio;
    p += f.ratio * f.peripheral;
  });
  console.log(
    `${l}: volume-weighted lesion volume within 35 mm of the lung edge: ${((100 * p) / Math.max(v, 1e-12)).toFixed(0)}%`,
  );
}
console.log(`\nfeatures: ${FEATURES.join(', ')}`);
console.log(
  `5-fold stratified CV x 5 repeats, multinomial logistic regression: accuracy ${mean(accs).toFixed(3)} +- ${sdv(accs).toFixed(3)}; COVID-19 vs CAP scans only ${mean(pairAccs).toFixed(3)}`,
);
console.log('confusion (rows truth, columns predicted, summed over repeats):');
console.log(`         ${SCAN_LABELS.map((l) => l.padStart(7)).join('')}`);
SCAN_LABELS.forEach((l, r) => {
  console.log(`${l.padEnd(9)}${(confusion[r] as number[]).map((c) => String(c).padStart(7)).join('')}`);
});
if (!values.out && !values.keep) await rm(dir, { recursive: true, force: true });
