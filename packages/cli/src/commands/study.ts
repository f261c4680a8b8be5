import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StudyAggregate } from '@deepsc/eval';
import { loadStudySpec, runStudy, SHIPPED_STUDIES, shippedStudyPath } from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asTrainError, checkDeviceOption, checkProgressStyle, interruptSignal } from '../train-errors.js';

interface StudyCliOptions {
  config: string;
  out: string;
  quick?: boolean;
  set: string[];
  plugin: string[];
  device?: string;
  progress: string;
  json?: boolean;
  retime?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const fmt = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** A study file path, or the name of a shipped study. */
function studyPath(config: string): string {
  if (existsSync(config) || !(SHIPPED_STUDIES as readonly string[]).includes(config)) return config;
  return shippedStudyPath(config as (typeof SHIPPED_STUDIES)[number]);
}

function headline(a: StudyAggregate): string[] {
  const lines = [`${a.name}: ${a.heldOutScans} held-out scans, mean ± SD over seeds [95% CI over scans]`];
  const cell = (m: StudyAggregate['arms'][number]['metrics'][string] | undefined) =>
    m && Number.isFinite(m.mean)
      ? `${fmt(m.mean)} ± ${fmt(m.sd)} [${fmt(m.ci.lower)}, ${fmt(m.ci.upper)}]`
      : 'n/a';
  for (const arm of a.arms)
    lines.push(
      `  ${arm.arm.padEnd(24)} accuracy ${cell(arm.metrics.accuracy)}  lesion Dice ${cell(arm.metrics.lesionDice)}`,
    );
  if (a.ceiling !== undefined) lines.push(`  cohort ceiling of the accuracy: ${fmt(a.ceiling)}`);
  return lines;
}

/**
 * `deepsc study`: trains and evaluates every arm x seed of a study file, resuming where a
 * previous start stopped, times every arm back to back (efficiency.json), and writes the results
 * folder (runs.json/csv, aggregate.json/csv, comparisons.csv, report.html).
 */
export function registerStudy(program: Command): void {
  program
    .command('study')
    .description(
      'train and evaluate a grid of configurations (arms x seeds) and write the comparison tables and an HTML study report',
    )
    .requiredOption(
      '-c, --config <file>',
      `study file (JSON), or a shipped study: ${SHIPPED_STUDIES.join(', ')}`,
    )
    .option(
      '-o, --out <dir>',
      'results folder (started again, it skips finished runs and resumes the one in progress)',
      'deepsc-study',
    )
    .option('--quick', 'the study\'s quick form (its "quick" section: fewer arms, seeds, scans and steps)')
    .option(
      '--set <field=value>',
      "override a training field in every run, after the arms' own, e.g. --set data.workers=2 (repeatable)",
      collect,
      [],
    )
    .option('--device <device>', 'cpu or cuda: where the networks train (same as --set training.device=...)')
    .option(
      '--plugin <lib>',
      "an op plugin library every run loads (recorded in the runs' configs; repeatable)",
      collect,
      [],
    )
    .option('--progress <style>', "each run's training progress: auto, bar, lines or off", 'off')
    .option(
      '--retime',
      "time every arm back to back again (the efficiency phase), even when efficiency.json holds this study's timings",
    )
    .option('--json', 'print the aggregate as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad study file or arguments (or the folder in use, or holding another study), 3 bad data or a run that diverged, 4 a write refused by the system (disk full, read-only), 130 interrupted (the run in progress saved a checkpoint; start again to resume).',
    )
    .action(async (opts: StudyCliOptions) => {
      checkProgressStyle(opts.progress);
      checkDeviceOption(opts.device);
      const { signal, release } = interruptSignal();
      try {
        const study = await loadStudySpec(studyPath(opts.config));
        const r = await runStudy(study, {
          out: opts.out,
          ...(opts.quick ? { quick: true } : {}),
          ...(opts.retime ? { retime: true } : {}),
          overrides: [
            ...(opts.device ? [`training.device=${opts.device}`] : []),
            ...(opts.plugin.length > 0
              ? [`plugins=${JSON.stringify(opts.plugin.map((p) => resolve(p)))}`]
              : []),
            ...opts.set,
          ],
          signal,
          progress: { style: opts.progress as 'auto' },
          log: (m) => process.stderr.write(`${m}\n`),
        });
        if (r.status === 'interrupted')
          throw new CliError(
            `interrupted after ${r.runs.length - r.skipped} new run(s) of ${r.total}; start the same command again to resume`,
            ExitCode.interrupted,
          );
        const a = r.aggregate as StudyAggregate;
        if (opts.json) {
          printJson({
            out: r.out,
            report: r.report,
            runs: r.total,
            skipped: r.skipped,
            seconds: r.seconds,
            aggregate: a,
          });
          return;
        }
        console.log('');
        for (const l of headline(a)) console.log(l);
        console.log(`  ${r.total} runs (${r.skipped} finished before), ${(r.seconds / 60).toFixed(1)} min`);
        if (r.efficiency)
          console.log(
            `  timed back to back: ${r.efficiency.arms.length} arm(s), ${r.efficiency.threads} thread(s), load average ${r.efficiency.loadAverage.before[0]?.toFixed(2)} before, ${r.efficiency.loadAverage.after[0]?.toFixed(2)} after (${r.out}/efficiency.json)`,
          );
        console.log(`  tables: ${r.out}/{runs,aggregate,comparisons}.csv`);
        console.log(`  report: ${r.report}`);
      } catch (err) {
        throw asTrainError(err);
      } finally {
        release();
      }
    });
}
