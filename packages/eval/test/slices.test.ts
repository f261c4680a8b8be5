import { type Affine, createVolume, scaledAffine } from '@deepsc/io';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { heatColour, renderScanSlices, type SliceImage } from '../src/index.js';

const dims = [20, 16, 12] as const;
const [ni, nj, nk] = dims;

/** Grey value of the pixel at fractions (fx, fy) of the image's width and height. */
function pixel(im: SliceImage, fx: number, fy: number): [number, number, number] {
  const png = PNG.sync.read(Buffer.from(im.png, 'base64'));
  const x = Math.floor(fx * png.width);
  const y = Math.floor(fy * png.height);
  const o = 4 * (x + png.width * y);
  return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
}

/**
 * A CT at -1000 HU with a bright block (+150 HU) on the patient's right, anterior and superior
 * side, built in RAS storage or, with the same anatomy, in LPS storage (i and j flipped).
 */
function scan(storage: 'RAS' | 'LPS') {
  const ct = new Int16Array(ni * nj * nk).fill(-1000);
  const lesion = new Uint8Array(ni * nj * nk);
  for (let k = 8; k < 11; k++) {
    for (let j = 11; j < 15; j++) {
      for (let i = 14; i < 18; i++) {
        // RAS: i grows toward the right, j anterior, k superior
        const [si, sj] = storage === 'RAS' ? [i, j] : [ni - 1 - i, nj - 1 - j];
        const v = si + ni * (sj + nj * k);
        ct[v] = 150;
        lesion[v] = 1;
      }
    }
  }
  const affine: Affine =
    storage === 'RAS'
      ? scaledAffine([2, 2, 3])
      : [
          [-2, 0, 0, 38],
          [0, -2, 0, 30],
          [0, 0, 3, 0],
          [0, 0, 0, 1],
        ];
  return { ct: createVolume(ct, dims, affine), truth: createVolume(lesion, dims, affine) };
}

describe('slice views', () => {
  it.each(['RAS', 'LPS'] as const)(
    'show the patient right on the left, anterior and superior at the top (%s storage)',
    (storage) => {
      const s = scan(storage);
      const [axial, coronal] = renderScanSlices(s, { windowHu: [-1000, 150] });
      expect(axial!.plane).toBe('axial');
      expect(coronal!.plane).toBe('coronal');
      // the slices go through the block
      expect(axial!.index).toBeGreaterThanOrEqual(8);
      // block inside: white; its mirror image: black
      expect(pixel(axial!, 0.2, 0.2)).toEqual([255, 255, 255]);
      expect(pixel(axial!, 0.8, 0.2)).toEqual([0, 0, 0]);
      expect(pixel(axial!, 0.2, 0.8)).toEqual([0, 0, 0]);
      expect(pixel(coronal!, 0.2, 0.15)).toEqual([255, 255, 255]);
      expect(pixel(coronal!, 0.2, 0.85)).toEqual([0, 0, 0]);
      // square pixels in mm: 40 x 32 mm axial, 40 x 36 mm coronal, longest side 256
      expect([axial!.width, axial!.height]).toEqual([256, Math.round((32 * 256) / 40)]);
      expect([coronal!.width, coronal!.height]).toEqual([256, Math.round((36 * 256) / 40)]);
    },
  );

  it('draws the truth contour in green and the evidence as a heat overlay', () => {
    const s = scan('RAS');
    const ev = new Float32Array(ni * nj * nk);
    ev.fill(1, 0, ni * nj * nk);
    ev[0] = 0;
    const images = renderScanSlices(
      { ...s, evidence: createVolume(ev, dims, s.ct.affine) },
      { windowHu: [-1000, 150], maxSize: 40 },
    );
    expect(images.map((i) => `${i.plane}/${i.layer}`)).toEqual([
      'axial/contours',
      'axial/evidence',
      'coronal/contours',
      'coronal/evidence',
    ]);
    const png = PNG.sync.read(Buffer.from(images[0]!.png, 'base64'));
    let green = 0;
    for (let p = 0; p < png.width * png.height; p++)
      if (png.data[4 * p] === 0 && png.data[4 * p + 1] === 230) green++;
    expect(green).toBeGreaterThan(4);
    // background at -1000 HU is black; the saturated heat map turns it warm
    const [r, g, b] = pixel(images[1]!, 0.8, 0.8);
    expect(r).toBeGreaterThan(100);
    expect(r).toBeGreaterThan(b);
    expect(g).toBeGreaterThanOrEqual(b);
  });

  it.each([
    [0, [179, 0, 0]],
    [0.5, [255, 102, 0]],
    [1, [255, 255, 191]],
    [2, [255, 255, 191]],
    [-1, [179, 0, 0]],
  ] as const)('heat colour at %d stays in 0..255', (e, rgb) => {
    expect(heatColour(e)).toEqual(rgb);
  });

  it('rejects an evidence map on another grid', () => {
    const s = scan('RAS');
    const ev = createVolume(new Float32Array(10 * 10 * 10), [10, 10, 10], scaledAffine([1, 1, 1]));
    expect(() => renderScanSlices({ ...s, evidence: ev })).toThrow(
      /evidence .* and ct .* are not on the same voxel grid/,
    );
  });
});
