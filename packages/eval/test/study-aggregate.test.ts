import { describe, expect, it } from 'vitest';
import {
  aggregateCsv,
  aggregateStudy,
  comparisonsCsv,
  renderStudyReportHtml,
  runsCsv,
  type StudyRunRecord,
  type StudyScanResult,
} from '../src/index.js';

const classes = ['COVID-19', 'CAP', 'non-pneumonia'];

/** A run on `n` scans (labels cycling 0, 1, 2): `correct` scans classified right, every Dice `dice`. */
function run(
  arm: string,
  seed: number,
  n: number,
  correct: number,
  dice: number,
  extra: Partial<StudyRunRecord> = {},
): StudyRunRecord {
  const scans: StudyScanResult[] = Array.from({ length: n }, (_, i) => {
    const label = i % 3;
    const predicted = i < correct ? label : (label + 1) % 3;
    const probabilities = [0.1, 0.1, 0.1];
    probabilities[predicted] = 0.8;
    return { id: `s${i}`, label, probabilities, dice, hd95: label === 2 ? 0 : 2, hasLesion: label !== 2 };
  });
  return {
    arm,
    seed,
    runDir: `/runs/${arm}-seed${seed}`,
    variant: arm,
    classes,
    epochs: 2,
    steps: 10,
    parameters: 1000,
    forwardFlops: Number.NaN,
    trainSecondsPerEpoch: 3,
    inferSecondsPerScan: 0.5,
    trainSeconds: 6,
    scans,
    finishedAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('aggregateStudy: per-arm values over seeds and scans', () => {
  const runs = [
    run('a', 0, 30, 30, 0.8),
    run('a', 1, 30, 15, 0.6),
    run('b', 0, 30, 30, 0.8),
    run('b', 1, 30, 30, 0.8),
  ];
  const agg = aggregateStudy(runs, { name: 't', resamples: 300, ceiling: 0.9 });
  it.each([
    ['a', 'accuracy', [1, 0.5], 0.75],
    ['a', 'lesionDice', [0.8, 0.6], 0.7],
    ['a', 'diceAllScans', [0.8, 0.6], 0.7],
    ['b', 'accuracy', [1, 1], 1],
    ['b', 'hd95', [2, 2], 2], // over scans with lesions only: the non-pneumonia scans' 0 is left out
  ])('arm %s %s: per seed %j, mean %d', (arm, metric, perSeed, mean) => {
    const m = agg.arms.find((x) => x.arm === arm)?.metrics[metric];
    expect(m?.perSeed).toHaveLength(perSeed.length);
    for (const [i, v] of perSeed.entries()) expect(m?.perSeed[i]).toBeCloseTo(v, 12);
    expect(m?.mean).toBeCloseTo(mean, 12);
    expect(m?.ci.lower).toBeLessThanOrEqual(mean + 1e-12);
    expect(m?.ci.upper).toBeGreaterThanOrEqual(mean - 1e-12);
  });
  it('spread: SD over seeds, and a zero-width interval where every scan agrees', () => {
    const a = agg.arms[0]?.metrics.accuracy;
    expect(a?.sd).toBeCloseTo(Math.SQRT1_2 * 0.5, 12);
    expect(agg.arms[1]?.metrics.accuracy?.ci).toMatchObject({ lower: 1, upper: 1 });
    expect(agg.arms[1]?.metrics['sensitivity:CAP']?.mean).toBe(1);
    expect(agg.arms[1]?.metrics.macroAuc?.mean).toBe(1);
  });
  it('paired comparisons: a clear difference has a small p and an interval below 0; equal arms have p = 1', () => {
    const acc = agg.comparisons.find((c) => c.metric === 'accuracy');
    expect(acc).toMatchObject({ armA: 'a', armB: 'b', seeds: 2, scans: 30 });
    expect(acc?.difference.value).toBeCloseTo(-0.25, 12);
    expect(acc?.difference.upper).toBeLessThan(0);
    expect(acc?.p).toBeLessThan(0.01);
    const same = aggregateStudy([run('a', 0, 9, 9, 0.5), run('b', 0, 9, 9, 0.5)], {
      name: 't',
      resamples: 200,
    });
    for (const c of same.comparisons) {
      expect(c.difference.value).toBe(0);
      expect(c.p).toBe(1);
    }
  });
  it('two separate networks: the segmentation-only and classification-only arms summed', () => {
    const s = aggregateStudy(
      [
        run('seg', 0, 6, 6, 0.5, { variant: 'segmentation-only', parameters: 100, inferSecondsPerScan: 1 }),
        run('cls', 0, 6, 6, 0.5, { variant: 'classification-only', parameters: 50, inferSecondsPerScan: 2 }),
      ],
      { name: 't', resamples: 100 },
    );
    expect(s.separateNetworks).toMatchObject({
      arms: ['seg', 'cls'],
      parameters: 150,
      inferSecondsPerScan: 3,
    });
  });
  it('back-to-back timings: the timed columns from efficiency.json, in-run ones beside them, NaN for an arm not timed', () => {
    const timing = (arm: string, perStep: number[], perScan: number[]) => ({
      arm,
      seed: 0,
      stepsPerEpoch: 10,
      trainSecondsPerStepRepeats: perStep,
      inferSecondsPerScanRepeats: perScan,
      trainSecondsPerStep: [...perStep].sort((x, y) => x - y)[1] as number,
      trainSecondsPerEpoch: 10 * ([...perStep].sort((x, y) => x - y)[1] as number),
      inferSecondsPerScan: [...perScan].sort((x, y) => x - y)[1] as number,
    });
    const efficiency = {
      key: 'k',
      steps: 8,
      scans: 3,
      repeats: 3,
      threads: 2,
      loadAverage: { before: [1.5, 2, 2.5], after: [1.25, 2, 2.5] },
      trainScans: ['s1'],
      heldOutScans: ['s2'],
      measuredAt: '2026-01-01T00:00:00Z',
      arms: [
        timing('seg', [0.3, 0.1, 0.2], [0.04, 0.05, 0.06]),
        timing('cls', [0.05, 0.07, 0.06], [0.01, 0.03, 0.02]),
      ],
    };
    const s = aggregateStudy(
      [
        run('seg', 0, 6, 6, 0.5, { variant: 'segmentation-only' }),
        run('cls', 0, 6, 6, 0.5, { variant: 'classification-only' }),
        run('joint', 0, 6, 6, 0.5, { variant: 'joint' }),
      ],
      { name: 't', resamples: 100, efficiency },
    );
    expect(
      s.arms.map((a) => [
        a.arm,
        a.efficiency.timedTrainSecondsPerStep,
        a.efficiency.timedTrainSecondsPerEpoch,
        a.efficiency.timedInferSecondsPerScan,
      ]),
    ).toEqual([
      ['seg', 0.2, 2, 0.05],
      ['cls', 0.06, 0.6, 0.02],
      ['joint', Number.NaN, Number.NaN, Number.NaN],
    ]);
    // in-run times unchanged beside them
    expect(s.arms[0]?.efficiency.trainSecondsPerEpoch).toBe(3);
    expect(s.separateNetworks?.timedTrainSecondsPerEpoch).toBeCloseTo(2.6, 12);
    expect(s.separateNetworks?.timedInferSecondsPerScan).toBeCloseTo(0.07, 12);
    expect(s.timing).toEqual({
      steps: 8,
      scans: 3,
      repeats: 3,
      threads: 2,
      loadAverage: efficiency.loadAverage,
      trainScans: ['s1'],
      heldOutScans: ['s2'],
      measuredAt: efficiency.measuredAt,
    });
    const html = renderStudyReportHtml(s, []);
    expect(html).toContain(
      '<th>training s / epoch</th><th>inference ms / scan</th><th>in-run training s / epoch</th>',
    );
    expect(html).toContain('<tr><td>seg</td><td>1,000</td><td>not measured</td><td>2.0</td><td>50</td>');
    expect(html).toContain(
      '<tr><td>joint</td><td>1,000</td><td>not measured</td><td>not timed</td><td>not timed</td>',
    );
    expect(html).toContain(
      '2 engine thread(s); load average (1 / 5 / 15 min) 1.50 / 2.00 / 2.50 before, 1.25 / 2.00 / 2.50 after',
    );
    expect(aggregateCsv(s)).toContain('seg,segmentation-only,timedTrainSecondsPerEpoch,1,2,');
    // without the phase: "not timed" and a sentence that says so
    expect(
      renderStudyReportHtml(aggregateStudy([run('a', 0, 6, 6, 0.5)], { name: 't', resamples: 100 }), []),
    ).toContain('The back-to-back timing phase has not run for this study');
  });

  it('tables and report carry every arm', () => {
    expect(runsCsv(runs, agg).trim().split('\n')).toHaveLength(5);
    expect(aggregateCsv(agg)).toContain('a,a,accuracy,2,0.75,');
    expect(comparisonsCsv(agg).split('\n')[1]).toMatch(/^a,b,accuracy,2,30,-0\.25,/);
    const html = renderStudyReportHtml(agg, runs);
    expect(html).toContain('Cohort ceiling of the accuracy: <b>0.900</b>');
    expect(html.match(/<svg class="figure"/g)?.length).toBe(5);
  });
});

describe('aggregateStudy refusals', () => {
  it.each([
    ['no runs', [], /no finished runs/],
    [
      'runs on other scans',
      [run('a', 0, 6, 6, 1), run('b', 0, 7, 7, 1)],
      /run b-seed0 was evaluated on other scans than a-seed0/,
    ],
    [
      'runs with other classes',
      [run('a', 0, 6, 6, 1), run('b', 0, 6, 6, 1, { classes: ['x', 'y', 'z'] })],
      /run b-seed0 has other classes/,
    ],
  ] as const)('%s: RangeError naming the run', (_what, runs, message) => {
    expect(() => aggregateStudy(runs, { name: 't' })).toThrow(message);
  });
});
