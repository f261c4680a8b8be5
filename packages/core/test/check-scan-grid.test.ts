import { describe, expect, it } from 'vitest';
import { checkScanGrid, type GridVolume, type ModelScan } from '../src/index.js';

const grid = [4, 3, 2] as const;
const vol = (dims: readonly number[], n = dims.reduce((a, b) => a * b, 1)): GridVolume<Float32Array> => ({
  dims: dims as unknown as readonly [number, number, number],
  data: new Float32Array(n),
});
const scan = (parts: Partial<Pick<ModelScan, 'image' | 'lesion' | 'lung'>>): ModelScan => ({
  id: 's1',
  label: 'covid',
  image: vol(grid),
  ...parts,
});

describe("checkScanGrid: a scan's volumes on the model's grid, before a batch is cut", () => {
  it.each([
    ['every volume on the grid', scan({ lesion: vol(grid), lung: vol(grid) }), ['image', 'lesion', 'lung']],
    ['absent masks skipped', scan({}), ['image', 'lesion', 'lung']],
    ['a volume the model does not read is not checked', scan({ lung: vol([1, 1, 1]) }), ['image', 'lesion']],
  ] as const)('accepts %s', (_what, s, volumes) => {
    expect(() => checkScanGrid(s, grid, volumes, 'the network')).not.toThrow();
  });

  it.each([
    [
      'an image off the grid',
      scan({ image: vol([4, 3, 1]) }),
      '',
      'scan s1: image prepared to [4, 3, 1] (i, j, k), the network needs [4, 3, 2]',
    ],
    [
      'a lesion mask off the grid, with the hint',
      scan({ lesion: vol([3, 4, 2]) }),
      ' (model.scanSize reversed)',
      'scan s1: lesion mask prepared to [3, 4, 2] (i, j, k), the network needs [4, 3, 2] (model.scanSize reversed)',
    ],
    [
      'a volume that is not 3D',
      scan({ lung: vol([4, 3, 2, 1]) }),
      '',
      'scan s1: lung mask prepared to [4, 3, 2, 1] (i, j, k), the network needs [4, 3, 2]',
    ],
    [
      'a volume whose voxels do not fill its grid',
      scan({ lung: vol(grid, 23) }),
      '',
      'scan s1: lung mask holds 23 voxels, its grid [4, 3, 2] needs 24',
    ],
  ] as const)('refuses %s, naming the scan and the volume', (_what, s, hint, message) => {
    expect(() => checkScanGrid(s, grid, ['image', 'lesion', 'lung'], 'the network', hint)).toThrow(
      new RangeError(message),
    );
  });
});
