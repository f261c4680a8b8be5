/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, normal approximation with tie and
 * continuity correction: scipy's `mannwhitneyu(x, y, method='asymptotic')`.
 * @module
 */

/** Result of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting 1/2. */
  readonly u: number;
  /** Two-sided p-value; NaN when a sample is empty or all values are tied. */
  readonly p: number;
  /** U / (n1 n2) = P(X > Y) + P(X = Y) / 2: the probability that a value of x exceeds one of y (AUC). */
  readonly effect: number;
  readonly n1: number;
  readonly n2: number;
}

/**
 * Two-sided Mann-Whitney U test of x against y (non-finite values are left out).
 * z = (max(U1, U2) − n1 n2 / 2 − 1/2) / σ with σ² = n1 n2 / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1))),
 * p = 2 (1 − Φ(z)), capped at 1.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const a = x.filter(Number.isFinite);
  const b = y.filter(Number.isFinite);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, p: Number.NaN, effect: Number.NaN, n1, n2 };
  const all = [...a.map((v) => [v, 0] as const), ...b.map((v) => [v, 1] as const)].sort(
    (p, q) => p[0] - q[0],
  );
  const n = all.length;
  let r1 = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && (all[j] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0])
      j++;
    const rank = (i + 1 + j) / 2; // average of ranks i+1 .. j
    for (let k = i; k < j; k++) if ((all[k] as readonly [number, number])[1] === 0) r1 += rank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const effect = u1 / (n1 * n2);
  if (!(variance > 0)) return { u: u1, p: Number.NaN, effect, n1, n2 };
  const z = (u - mu - 0.5) / Math.sqrt(variance);
  return { u: u1, p: Math.min(1, erfc(z / Math.SQRT2)), effect, n1, n2 };
}

/**
 * Complementary error function, |relative error| < 1.2e-7 (Chebyshev fit of Numerical
 * Recipes, 3rd ed., `erfccheb`'s predecessor `erfcc`).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
