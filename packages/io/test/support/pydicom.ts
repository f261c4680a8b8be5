import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A Python with pydicom (Debian's python3-pydicom is in /usr/bin), or undefined. */
export const PYDICOM_PYTHON = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import pydicom, numpy'], { stdio: 'ignore' }).status === 0,
);

/** What test/support/check_seg.py (pydicom) reads from a SEG file. */
export interface PydicomSeg {
  sopClassUid: string;
  modality: string;
  segmentationType: string;
  numberOfFrames: number;
  rows: number;
  columns: number;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  referencedSeriesUid: string;
  segmentLabel: string;
  orientation: number[];
  pixelSpacing: number[];
  patientId: string;
  frames: { position: number[]; sourceSopInstanceUid: string; segment: number }[];
  pixels: number[];
}

/** Reads a SEG file with pydicom (requires {@link PYDICOM_PYTHON}). */
export function readSegWithPydicom(path: string): PydicomSeg {
  if (!PYDICOM_PYTHON) throw new Error('pydicom is not installed (apt-get install python3-pydicom)');
  const script = join(dirname(fileURLToPath(import.meta.url)), 'check_seg.py');
  return JSON.parse(execFileSync(PYDICOM_PYTHON, [script, path], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}
