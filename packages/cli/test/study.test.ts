/// <reference lib="dom" />
/**
 * `deepsc study --quick` on the shipped DeepSC-COVID ablation: interrupted, resumed, the results
 * folder, a start that skips every finished run, the report in headless Chromium; and the
 * refusals (bad study files and arguments, a folder holding another study) with their exit codes.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { forwardFlopsPerScan, presetConfig } from '@deepsc/deepsc-covid';
import { STUDY_RECORD_VERSION } from '@deepsc/eval';
import { acquireRunLock, loadStudySpec, parseStudySpec, runStudy, shippedStudyPath } from '@deepsc/train';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const browser = '/usr/bin/chromium';
let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-study-'));
  out = join(dir, 'quick');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const csvRows = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('deepsc study --quick (2 arms x 2 seeds, tiny network)', () => {
  it('is interrupted, resumes the run in progress, writes the results folder, then skips every finished run', async () => {
    const study = await loadStudySpec(shippedStudyPath('deepsc-covid-ablation'));
    // the interrupt: the first run stops after 2 of its 3 steps, with a checkpoint
    const first = await runStudy(study, { out, quick: true, stopAfterSteps: 2 });
    expect(first.status).toBe('interrupted');
    expect(first.runs).toEqual([]);
    const state = JSON.parse(
      await readFile(
        join(out, 'runs', 'segmentation-only-seed0', 'checkpoints', 'last', 'state.json'),
        'utf8',
      ),
    );
    expect(state.step).toBe(2);
    expect(existsSync(join(out, 'report.html'))).toBe(false);

    const r = await runCli('study', '--config', 'deepsc-covid-ablation', '--quick', '--out', out);
    expect(r.err).toContain('resuming from');
    expect(r.err).toContain('step 2)');
    expect(r.err).toMatch(/study: 4\/4 runs done; about 0\.0 min left/);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('4 runs (0 finished before)');

    const runs = JSON.parse(await readFile(join(out, 'runs.json'), 'utf8'));
    expect(runs.map((x: { arm: string; seed: number }) => `${x.arm}-${x.seed}`)).toEqual([
      'segmentation-only-0',
      'segmentation-only-1',
      'joint-0',
      'joint-1',
    ]);
    for (const run of runs) {
      // the same budget for every run, the interrupted one included: 1 epoch of 3 steps
      expect(run.epochs).toBe(1);
      expect(run.steps).toBe(3);
      expect(run.parameters).toBeGreaterThan(1000);
      expect(run.trainSecondsPerEpoch).toBeGreaterThan(0);
      expect(run.inferSecondsPerScan).toBeGreaterThan(0);
      // every run on the same held-out scans
      expect(run.scans.map((s: { id: string }) => s.id)).toEqual(
        runs[0].scans.map((s: { id: string }) => s.id),
      );
    }
    expect(runs[0].scans[0].probabilities).toEqual([]); // segmentation-only: no classifier
    expect(runs[2].scans[0].probabilities).toHaveLength(3);
    // findings from predicted and true masks for the runs with a classifier and a lesion output
    expect(runs[0].findings).toBeUndefined();
    expect(Object.keys(runs[2].findings).sort()).toEqual(['prediction', 'truth']);

    const agg = JSON.parse(await readFile(join(out, 'aggregate.json'), 'utf8'));
    expect(agg.arms.map((a: { arm: string }) => a.arm)).toEqual(['segmentation-only', 'joint']);
    expect(agg.ceiling).toBe(0.914);
    const joint = agg.arms[1].metrics.accuracy;
    expect(joint.perSeed).toHaveLength(2);
    expect(joint.mean).toBeGreaterThanOrEqual(0);
    expect(joint.mean).toBeLessThanOrEqual(1);
    expect(joint.ci.lower).toBeLessThanOrEqual(joint.mean + 1e-12);
    expect(joint.ci.upper).toBeGreaterThanOrEqual(joint.mean - 1e-12);
    expect(agg.arms[0].metrics.accuracy.mean).toBeNull(); // NaN: no classifier
    // paired on the 2 shared seeds; no accuracy comparison: segmentation-only has no classifier
    const compared = agg.comparisons.map(
      (c: { armA: string; armB: string; metric: string; seeds: number }) => [
        c.armA,
        c.armB,
        c.metric,
        c.seeds,
      ],
    );
    expect(compared).toContainEqual(['segmentation-only', 'joint', 'lesionDice', 2]);
    expect(compared).toContainEqual(['segmentation-only', 'joint', 'diceAllScans', 2]);
    expect(compared.some((c: unknown[]) => c[2] === 'accuracy')).toBe(false);

    // the efficiency phase: both arms timed back to back from their seed-0 final checkpoints
    expect(r.err).toContain(
      'study: timing 2 arm(s) back to back: 1 training step(s) and 1 held-out scan(s) each, 1 repeat(s)',
    );
    const efficiency = JSON.parse(await readFile(join(out, 'efficiency.json'), 'utf8'));
    expect(efficiency).toMatchObject({ steps: 1, scans: 1, repeats: 1 });
    expect(efficiency.threads).toBeGreaterThanOrEqual(1);
    expect(efficiency.loadAverage.before).toHaveLength(3);
    expect(efficiency.trainScans).toHaveLength(1);
    expect(efficiency.heldOutScans).toEqual([runs[0].scans[1].id]);
    expect(efficiency.arms.map((a: { arm: string; seed: number }) => [a.arm, a.seed])).toEqual([
      ['segmentation-only', 0],
      ['joint', 0],
    ]);
    for (const [k, t] of efficiency.arms.entries()) {
      expect(t.trainSecondsPerStep).toBeGreaterThan(0);
      expect(t.stepsPerEpoch).toBe(3);
      expect(t.trainSecondsPerEpoch).toBeCloseTo(3 * t.trainSecondsPerStep, 12);
      expect(t.inferSecondsPerScan).toBeGreaterThan(0);
      // the aggregate's primary (timed) columns, the in-run ones beside them
      expect(agg.arms[k].efficiency.timedTrainSecondsPerEpoch).toBe(t.trainSecondsPerEpoch);
      expect(agg.arms[k].efficiency.timedInferSecondsPerScan).toBe(t.inferSecondsPerScan);
      expect(agg.arms[k].efficiency.trainSecondsPerEpoch).toBeGreaterThan(0);
    }
    expect(agg.timing).toMatchObject({ steps: 1, scans: 1, repeats: 1, threads: efficiency.threads });
    // the checkpoints were only read
    const stateAfter = JSON.parse(
      await readFile(join(out, 'runs', 'joint-seed0', 'checkpoints', 'last', 'state.json'), 'utf8'),
    );
    expect(stateAfter.step).toBe(3);

    const runsCsv = csvRows(await readFile(join(out, 'runs.csv'), 'utf8'));
    expect(runsCsv).toHaveLength(5);
    expect(runsCsv[0]?.slice(0, 5)).toEqual(['arm', 'seed', 'variant', 'accuracy', 'macroAuc']);
    const aggCsv = csvRows(await readFile(join(out, 'aggregate.csv'), 'utf8'));
    expect(aggCsv.filter((row) => row[2] === 'lesionDice').map((row) => row[0])).toEqual([
      'segmentation-only',
      'joint',
    ]);
    expect(existsSync(join(out, 'comparisons.csv'))).toBe(true);

    for (const run of runs) {
      expect(run.recordVersion).toBe(STUDY_RECORD_VERSION);
      // forward FLOPs per scan as predict runs the tiny network: one forward per window
      expect(run.forwardFlops).toBe(
        forwardFlopsPerScan(presetConfig('tiny', { variant: run.variant })).perScan,
      );
    }

    // killed during the last run's evaluation: no record; the next start re-evaluates it from its
    // final checkpoint without training again, keeping the training time of the session before
    await rm(join(out, 'records', 'joint-seed1.json'));
    // a record an older version wrote (no recordVersion, no FLOPs): evaluated again the same way
    const { recordVersion: _, ...old } = runs[2];
    await writeFile(join(out, 'records', 'joint-seed0.json'), JSON.stringify({ ...old, forwardFlops: null }));
    const reevaluated = await runCli(
      'study',
      '--config',
      'deepsc-covid-ablation',
      '--quick',
      '--out',
      out,
      '--json',
    );
    expect(reevaluated.code, reevaluated.err).toBe(0);
    expect(reevaluated.err).toContain('study: run 4/4: joint-seed1 (joint)');
    expect(reevaluated.err).toContain(
      'study: run 3/4: joint-seed0: record of version 1, evaluating it again from its final checkpoint (no training)',
    );
    expect(reevaluated.err).not.toContain('study: run 2/4');
    // the time left is per kind of work: nothing has been trained yet in this session
    expect(reevaluated.err).toContain(
      'study: 3/4 runs done; time left unknown until a run of each kind (trained, evaluated again) has finished',
    );
    expect(reevaluated.err).toContain('study: 4/4 runs done; about 0.0 min left');
    expect(reevaluated.err).toContain('step 3)');
    expect(JSON.parse(reevaluated.out)).toMatchObject({ runs: 4, skipped: 2 });
    for (const [name, before] of [
      ['joint-seed0', runs[2]],
      ['joint-seed1', runs[3]],
    ]) {
      const record = JSON.parse(await readFile(join(out, 'records', `${name}.json`), 'utf8'));
      expect(record.recordVersion).toBe(STUDY_RECORD_VERSION);
      expect(record.steps).toBe(3);
      // no training: the training time of the session that trained it, the same predictions
      expect(record.trainSeconds).toBe(before.trainSeconds);
      expect(record.scans).toEqual(before.scans);
      expect(record.forwardFlops).toBe(before.forwardFlops);
    }

    const again = await runCli(
      'study',
      '--config',
      'deepsc-covid-ablation',
      '--quick',
      '--out',
      out,
      '--json',
    );
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toContain('study: run');
    expect(JSON.parse(again.out)).toMatchObject({ runs: 4, skipped: 4 });
    // efficiency.json holds this study's timings: not timed again, unless --retime
    expect(again.err).not.toContain('study: timing');
    expect(JSON.parse(await readFile(join(out, 'efficiency.json'), 'utf8')).measuredAt).toBe(
      efficiency.measuredAt,
    );
    const retimed = await runCli(
      'study',
      '--config',
      'deepsc-covid-ablation',
      '--quick',
      '--out',
      out,
      '--retime',
    );
    expect(retimed.code, retimed.err).toBe(0);
    expect(retimed.err).toContain('study: timing 2 arm(s) back to back');
    expect(retimed.out).toMatch(/timed back to back: 2 arm\(s\), \d+ thread\(s\)/);
    expect(JSON.parse(await readFile(join(out, 'efficiency.json'), 'utf8')).measuredAt).not.toBe(
      efficiency.measuredAt,
    );
  }, 120_000);

  it('takes a study file that extends the finished one: trains only the new arm, keeps the rest', async () => {
    // on the quick study's cohort (written by the test above), one arm, then the same plus arm 5
    const tiny = ['model.preset="tiny"', 'training.epochs=1', 'training.stepsPerEpoch=1', 'data.workers=0'];
    const first = {
      name: 'extension',
      base: { preset: 'demo', data: { manifest: join(out, 'cohort', 'manifest.json') } },
      arms: [{ name: 'joint', set: ['model.variant="joint"', ...tiny] }],
      seeds: [0],
    };
    const second = {
      ...first,
      name: 'extension, with arm 5',
      arms: [
        ...first.arms,
        { name: 'no-cross-stitch', set: ['model.variant="joint-without-cross-stitch"', ...tiny] },
      ],
    };
    const ext = join(dir, 'extension');
    await mkdir(ext);
    await writeFile(join(ext, 'first.json'), JSON.stringify(first));
    await writeFile(join(ext, 'second.json'), JSON.stringify(second));
    const a = await runCli('study', '--config', join(ext, 'first.json'), '--out', join(ext, 'out'), '--json');
    expect(a.code, a.err).toBe(0);
    const before = await readFile(join(ext, 'out', 'records', 'joint-seed0.json'), 'utf8');
    const b = await runCli(
      'study',
      '--config',
      join(ext, 'second.json'),
      '--out',
      join(ext, 'out'),
      '--json',
    );
    expect(b.code, b.err).toBe(0);
    expect(b.err).toContain('extends the study in');
    expect(b.err).toContain('with arm(s) no-cross-stitch; its finished runs are kept');
    expect(b.err).toContain('study: run 2/2: no-cross-stitch-seed0 (joint-without-cross-stitch)');
    expect(b.err).not.toContain('study: run 1/2');
    expect(JSON.parse(b.out)).toMatchObject({ runs: 2, skipped: 1 });
    expect(await readFile(join(ext, 'out', 'records', 'joint-seed0.json'), 'utf8')).toBe(before);
    const pinned = JSON.parse(await readFile(join(ext, 'out', 'study.json'), 'utf8'));
    expect(pinned.spec.name).toBe('extension, with arm 5');
    // a changed study is timed again, every arm of it
    const timed = JSON.parse(await readFile(join(ext, 'out', 'efficiency.json'), 'utf8'));
    expect(timed.arms.map((t: { arm: string }) => t.arm)).toEqual(['joint', 'no-cross-stitch']);
    const agg = JSON.parse(b.out).aggregate;
    const [joint, noStitch] = agg.arms;
    // the arm without the unit lacks its two scalars, and costs fewer FLOPs
    expect(noStitch.efficiency.parameters).toBe(joint.efficiency.parameters - 2);
    expect(noStitch.efficiency.forwardFlops).toBeLessThan(joint.efficiency.forwardFlops);
    // Ctrl-C in the timing phase: the tables and the report are written first (untimed), no
    // efficiency.json; the next start times the arms
    await rm(join(ext, 'out', 'efficiency.json'));
    const stop = new AbortController();
    const cut = await runStudy(await loadStudySpec(join(ext, 'second.json')), {
      out: join(ext, 'out'),
      signal: stop.signal,
      log: (m) => {
        if (m.startsWith('study: timing ')) stop.abort();
      },
    });
    expect(cut.status).toBe('interrupted');
    expect(existsSync(join(ext, 'out', 'efficiency.json'))).toBe(false);
    const untimed = JSON.parse(await readFile(join(ext, 'out', 'aggregate.json'), 'utf8'));
    expect(untimed.timing).toBeUndefined();
    expect(untimed.arms[0].efficiency.timedTrainSecondsPerEpoch).toBeNull(); // NaN: not timed
    expect(await readFile(join(ext, 'out', 'report.html'), 'utf8')).toContain('not timed');
    // an arm whose first-seed checkpoint is gone is not timed; the others are
    await rm(join(ext, 'out', 'runs', 'no-cross-stitch-seed0', 'checkpoints'), { recursive: true });
    const notes: string[] = [];
    const partly = await runStudy(await loadStudySpec(join(ext, 'second.json')), {
      out: join(ext, 'out'),
      log: (m) => notes.push(m),
    });
    expect(partly.status).toBe('completed');
    expect(notes).toContain(
      'study: no-cross-stitch-seed0 has no final checkpoint; arm no-cross-stitch is not timed',
    );
    expect(partly.efficiency?.arms.map((t) => t.arm)).toEqual(['joint']);
    expect(partly.aggregate?.arms.map((a) => Number.isFinite(a.efficiency.timedInferSecondsPerScan))).toEqual(
      [true, false],
    );
    // a record of an older version whose checkpoint is gone is kept as it is (not trained again)
    const jointRecord = JSON.parse(await readFile(join(ext, 'out', 'records', 'joint-seed0.json'), 'utf8'));
    const { recordVersion: _v, ...older } = jointRecord;
    await writeFile(
      join(ext, 'out', 'records', 'joint-seed0.json'),
      JSON.stringify({ ...older, forwardFlops: null }),
    );
    await rm(join(ext, 'out', 'runs', 'joint-seed0', 'checkpoints'), { recursive: true });
    notes.length = 0;
    const kept = await runStudy(await loadStudySpec(join(ext, 'second.json')), {
      out: join(ext, 'out'),
      log: (m) => notes.push(m),
      retime: true,
    });
    expect(kept).toMatchObject({ status: 'completed', skipped: 2 });
    expect(notes).toContain(
      'study: joint-seed0: its record is of version 1 (now 3) but its final checkpoint is gone; keeping the old record (columns it lacks stay empty)',
    );
    expect(notes.some((m) => m.startsWith('study: run '))).toBe(false);
    expect(kept.runs[0]?.forwardFlops).toBeNaN();
    expect(kept.efficiency).toBeUndefined(); // no arm left to time
    // the first study file no longer holds every pinned arm
    const c = await runCli('study', '--config', join(ext, 'first.json'), '--out', join(ext, 'out'));
    expect(c.code).toBe(2);
    expect(c.err).toContain('its arm "no-cross-stitch" is not in this study file');
  }, 60_000);

  it('stops before the first run when interrupted while the cohort was generated', async () => {
    const study = await loadStudySpec(shippedStudyPath('deepsc-covid-ablation'));
    const early = join(dir, 'early');
    const r = await runStudy(study, { out: early, quick: true, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ status: 'interrupted', runs: [], total: 4 });
    expect(existsSync(join(early, 'cohort', 'manifest.json'))).toBe(true);
    expect(existsSync(join(early, 'runs'))).toBe(false);
  }, 60_000);

  it('writes a report that renders in headless Chromium: every figure sized, no errors, no requests', async (ctx) => {
    if (!existsSync(browser)) ctx.skip(`${browser} is missing (install Debian's chromium to run this test)`);
    const report = join(out, 'report.html');
    expect(existsSync(report)).toBe(true);
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: browser,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
      viewport: { width: 1400, height: 900 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        sections: Array.from(document.querySelectorAll('section')).map((s) => s.id),
        figures: Array.from(document.querySelectorAll('svg.figure')).map((el) => {
          const r = el.getBoundingClientRect();
          return { width: r.width, height: r.height, children: el.childElementCount };
        }),
        rows: document.querySelectorAll('#efficacy table tr').length,
      }));
      expect(seen.sections).toEqual(['summary', 'efficacy', 'comparisons', 'efficiency', 'findings']);
      expect(seen.figures.length).toBeGreaterThanOrEqual(2);
      for (const f of seen.figures) {
        expect(f.width).toBeGreaterThan(0);
        expect(f.height).toBeGreaterThan(0);
        expect(f.children).toBeGreaterThan(5);
      }
      expect(seen.rows).toBeGreaterThanOrEqual(3);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe('deepsc study refusals', () => {
  const ok = {
    name: 's',
    base: { data: { manifest: 'm.json' } },
    arms: [{ name: 'a' }],
    seeds: [0],
  };
  it.each([
    ['a study file that does not exist', undefined, /cannot read the file: ENOENT/],
    ['a file that is not JSON', '{ nope', /not valid JSON/],
    [
      'two arms of one name',
      { ...ok, arms: [{ name: 'a' }, { name: 'a' }] },
      /arms\[1\]\.name: "a" is used twice/,
    ],
    [
      'a quick arm that is not an arm',
      { ...ok, quick: { arms: ['b'], seeds: [0] } },
      /quick\.arms\[0\]: got "b"; allowed: "a"/,
    ],
    ['base.out set', { ...ok, base: { ...ok.base, out: 'x' } }, /base\.out: set by the study for each run/],
    ['no manifest and no synthetic cohort', { ...ok, base: {} }, /base\.data\.manifest: required/],
    ['an arm name with spaces', { ...ok, arms: [{ name: 'a b' }] }, /arms\[0\]\.name/],
    ['no seeds', { ...ok, seeds: [] }, /seeds/],
    [
      'an override the config refuses',
      { ...ok, arms: [{ name: 'a', set: ['model.variant="x"'] }] },
      /arm a\).*model\.variant: got "x"/s,
    ],
    ['--quick without a quick section', ok, /quick: --quick needs a "quick" section/, ['--quick']],
  ] as const)(
    '%s: exit 2 naming the problem',
    async (_what, content, message, extra: readonly string[] = []) => {
      const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
      if (content !== undefined)
        await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
      const r = await runCli('study', '--config', path, '--out', join(dir, 'never'), ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(existsSync(join(dir, 'never'))).toBe(false);
    },
  );

  it.each([
    [['--progress', 'loud'], /--progress must be auto, bar, lines or off/],
    [['--device', 'tpu'], /--device must be cpu or cuda/],
  ])('%j: exit 2', async (args, message) => {
    const r = await runCli(
      'study',
      '--config',
      'deepsc-covid-ablation',
      '--out',
      join(dir, 'never'),
      ...args,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('refuses a folder another command holds (exit 2)', async () => {
    const held = join(dir, 'held');
    const lock = await acquireRunLock(held, 'another deepsc study');
    try {
      const r = await runCli('study', '--config', 'deepsc-covid-ablation', '--quick', '--out', held);
      expect(r.code).toBe(2);
      expect(r.err).toContain('another deepsc study');
      expect(existsSync(join(held, 'study.json'))).toBe(false);
    } finally {
      await lock.release();
    }
  });

  it('refuses to continue a study whose manifest changed since it started (exit 2)', async () => {
    const folder = join(dir, 'changed');
    await mkdir(folder);
    const content = {
      name: 'mine',
      base: { data: { manifest: 'manifest.json' } },
      arms: [{ name: 'a' }],
      seeds: [0],
    };
    await writeFile(join(folder, 'manifest.json'), '{"scans": []}');
    await writeFile(join(folder, 'study-file.json'), JSON.stringify(content));
    // the folder as the study left it: the same study, the manifest's earlier hash
    const spec = parseStudySpec(content);
    await mkdir(join(folder, 'out'));
    await writeFile(
      join(folder, 'out', 'study.json'),
      JSON.stringify({ spec, quick: false, overrides: [], manifestSha256: 'of an older version' }),
    );
    const r = await runCli(
      'study',
      '--config',
      join(folder, 'study-file.json'),
      '--out',
      join(folder, 'out'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`its runs used another version of ${join(folder, 'manifest.json')}`);
  });

  it('refuses a folder that holds another study (exit 2), before generating anything', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(
      join(other, 'study.json'),
      JSON.stringify({ spec: { name: 'another study' }, quick: false, overrides: ['data.workers=2'] }),
    );
    const r = await runCli('study', '--config', 'deepsc-covid-ablation', '--quick', '--out', other);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds study "another study" with --set data.workers=2, not this one');
    expect(existsSync(join(other, 'cohort'))).toBe(false);
  });
});
