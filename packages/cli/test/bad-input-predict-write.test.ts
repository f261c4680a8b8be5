/**
 * Predict outputs the system refuses to write (disk full, read-only file system, I/O error),
 * injected into `@deepsc/io`'s NIfTI writer after the first file of a prediction: exit code 4
 * naming the output folder, the earlier results untouched, no partial file left; and another
 * process's prediction landing in the folder meanwhile. The same for the HTML report.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExampleRun } from '@deepsc/eval';
import { generateScan, writeNifti } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BadInputRow, checkBadInputRow } from './support/bad-input.js';
import { writeTinyCheckpoint } from './support/predict-fixture.js';
import { runCli } from './support/run-cli.js';

/**
 * The errno code the next NIfTI writes fail with after `failAfter` successful ones (null: none),
 * and what else happens during a write (another process writing the same folder).
 */
const fault: {
  code: string | null;
  failAfter: number;
  writes: number;
  during?: (() => Promise<void>) | undefined;
  /** The errno code writes of an HTML report fail with (null: none). */
  htmlCode?: string | null;
} = { code: null, failAfter: 0, writes: 0 };

const refused = (code: string, path: string) => {
  const err = new Error(`${code}: injected, write '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.path = path;
  return err;
};

vi.mock('@deepsc/io', async (original) => {
  const io = await original<typeof import('@deepsc/io')>();
  return {
    ...io,
    writeNifti: async (...args: Parameters<typeof io.writeNifti>) => {
      await fault.during?.();
      if (fault.code !== null && fault.writes++ >= fault.failAfter) throw refused(fault.code, args[0]);
      return io.writeNifti(...args);
    },
    writeFileAtomic: async (...args: Parameters<typeof io.writeFileAtomic>) => {
      if (fault.htmlCode && args[0].endsWith('.html')) throw refused(fault.htmlCode, args[0]);
      return io.writeFileAtomic(...args);
    },
  };
});

const fx = join(tmpdir(), `deepsc-bad-input-predict-write-${process.pid}`);
const ck = join(fx, 'ck');
const ct = join(fx, 'ct.nii.gz');
const previous = join(fx, 'previous');

beforeAll(async () => {
  await mkdir(fx, { recursive: true });
  await writeTinyCheckpoint(ck);
  await writeNifti(ct, generateScan('cap', 'predict-write', { inPlane: 32, slices: [16, 16] }).image);
  await writeExampleRun(join(fx, 'run'));
  const made = await runCli('predict', '--model', ck, '--input', ct, '--out', previous);
  expect(made.code, made.err).toBe(0);
});

afterAll(async () => {
  await rm(fx, { recursive: true, force: true });
});

const failing = (code: string, reason: string, withPrevious: boolean): BadInputRow => ({
  name: `predict ${withPrevious ? '--overwrite over earlier results' : 'into a new folder'} when a write fails with ${code}`,
  setup: async (dir) => {
    if (withPrevious) await cp(previous, join(dir, 'pred'), { recursive: true });
    Object.assign(fault, { code, failAfter: 1, writes: 0 });
  },
  args: [
    'predict',
    '--model',
    ck,
    '--input',
    ct,
    '--out',
    '{dir}/pred',
    ...(withPrevious ? ['--overwrite'] : []),
  ],
  code: 4,
  message: `/pred: ${reason} (${code})`,
  // nothing may change: no new folder, the earlier one as it was, no temporary folder left
  outputs: [],
  after: async (_run, dir) => {
    expect(fault.writes).toBeGreaterThan(1); // the fault was reached, after a file was written
    if (withPrevious)
      expect(await readFile(join(dir, 'pred', 'prediction.json'), 'utf8')).toBe(
        await readFile(join(previous, 'prediction.json'), 'utf8'),
      );
  },
});

const rows: BadInputRow[] = [
  failing('ENOSPC', 'no space left on the device', true),
  failing('ENOSPC', 'no space left on the device', false),
  failing('EROFS', 'read-only file system', true),
  failing('EIO', 'input/output error', true),
  failing('EDQUOT', 'disk quota exceeded', false),
];

describe('predict outputs the system refuses to write', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    try {
      await checkBadInputRow(row);
    } finally {
      fault.code = null;
    }
  });

  it.each([
    ['ENOSPC', 'no space left on the device'],
    ['EROFS', 'read-only file system'],
  ])(
    'report --out when the write fails with %s: exit 4 naming the file, nothing left',
    async (code, reason) => {
      try {
        await checkBadInputRow({
          name: `report with ${code}`,
          setup: () => {
            fault.htmlCode = code;
          },
          args: ['report', join(fx, 'run'), '--out', '{dir}/r.html', '--resamples', '20', '--max-scans', '0'],
          code: 4,
          message: `/r.html: ${reason} (${code})`,
        });
      } finally {
        fault.htmlCode = null;
      }
    },
  );

  it('another prediction written into --out meanwhile is kept, and this one refused (exit 2)', async () => {
    try {
      await checkBadInputRow({
        name: 'a concurrent predict into the same folder',
        setup: (dir) => {
          fault.during = async () => {
            fault.during = undefined;
            await cp(previous, join(dir, 'pred'), { recursive: true });
          };
        },
        args: ['predict', '--model', ck, '--input', ct, '--out', '{dir}/pred'],
        code: 2,
        message:
          '/pred: another prediction was written into it meanwhile; it is kept and this one was not written',
        outputs: ['pred'],
        after: async (_run, dir) =>
          expect(await readFile(join(dir, 'pred', 'prediction.json'), 'utf8')).toBe(
            await readFile(join(previous, 'prediction.json'), 'utf8'),
          ),
      });
    } finally {
      fault.during = undefined;
    }
  });
});
