/**
 * The DICOM decode benchmark: reads the uncompressed and the JPEG 2000 copy of the series that
 * make_dicom_bench_series.py writes, three times each, and prints the median wall and CPU
 * (user + system) times and that the volumes are identical (JPEG 2000 lossless). On a shared
 * machine the CPU time is the fairer number: the reader is single-threaded.
 *
 *     npx tsx packages/io/scripts/bench-dicom-decode.ts OUT_FOLDER
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomSeries } from '../src/index.js';

const folder = process.argv[2];
if (!folder) throw new Error('usage: bench-dicom-decode.ts OUT_FOLDER');
const bytes = (dir: string) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] as number;
const time = async (dir: string) => {
  const runs: number[] = [];
  const cpu: number[] = [];
  let volume: Awaited<ReturnType<typeof readDicomSeries>> | undefined;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    volume = await readDicomSeries(dir);
    const used = process.cpuUsage(c);
    runs.push((performance.now() - t) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
  return {
    seconds: median(runs),
    cpuSeconds: median(cpu),
    runs,
    volume: volume as NonNullable<typeof volume>,
  };
};
const raw = await time(join(folder, 'raw'));
const j2k = await time(join(folder, 'j2k'));
const same = raw.volume.data.every((v, i) => v === j2k.volume.data[i]);
console.log(
  JSON.stringify(
    {
      dims: raw.volume.dims,
      uncompressed: {
        seconds: raw.seconds,
        cpuSeconds: raw.cpuSeconds,
        runs: raw.runs,
        megabytes: bytes(join(folder, 'raw')) / 2 ** 20,
      },
      jpeg2000: {
        seconds: j2k.seconds,
        cpuSeconds: j2k.cpuSeconds,
        runs: j2k.runs,
        megabytes: bytes(join(folder, 'j2k')) / 2 ** 20,
      },
      ratio: j2k.seconds / raw.seconds,
      cpuRatio: j2k.cpuSeconds / raw.cpuSeconds,
      identical: same,
    },
    null,
    1,
  ),
);
