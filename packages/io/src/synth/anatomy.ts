/**
 * The synthetic patient: drawn body habitus and the analytic thorax it renders to (body
 * outline, subcutaneous fat, muscle, ribs, spine, sternum, mediastinum, heart, aorta, two lungs
 * with lobes, diaphragm domes, liver and spleen). Coordinates are RAS mm (x to the patient's
 * right, y anterior, z superior), centred on the patient.
 * @module
 */
import type { Rng } from '../random.js';
import type { SynthGrid } from './grid.js';

/** Lobe codes of the lobe map: 1 right upper, 2 right middle, 3 right lower, 4 left upper, 5 left lower. */
export const LOBES = ['RUL', 'RML', 'RLL', 'LUL', 'LLL'] as const;
/** A lobe name. */
export type Lobe = (typeof LOBES)[number];

/** The drawn habitus of one synthetic patient (all lengths in mm). */
export interface PatientParams {
  /** Overall size factor (1 = average adult). */
  readonly size: number;
  /** Body outline semi-axes along x and y. */
  readonly bodyA: number;
  readonly bodyB: number;
  /** Subcutaneous fat thickness. */
  readonly fat: number;
  /** Thoracic cavity semi-axes and centre y. */
  readonly cavA: number;
  readonly cavB: number;
  readonly cavY: number;
  /** z of the lung bases (costophrenic recesses) and apices. */
  readonly zBase: number;
  readonly zTop: number;
  /** Diaphragm dome heights above the bases, right and left. */
  readonly domeRight: number;
  readonly domeLeft: number;
  /** Parenchyma HU (non-dependent). */
  readonly lungHu: number;
  /** Half width of the mediastinum. */
  readonly mediastinumHalf: number;
  /** Heart ellipsoid: centre and semi-axes. */
  readonly heart: readonly [number, number, number, number, number, number];
  /** Gas in the stomach under the left dome (centre and radius; radius 0 = none): air that is not lung. */
  readonly stomachGas: readonly [number, number, number, number];
  /** The scanner table: its top surface (y, below the back) and thickness. */
  readonly table: { readonly y: number; readonly thickness: number };
}

/** Draws a patient habitus. */
export function drawPatient(rng: Rng): PatientParams {
  const size = rng.uniform(0.86, 1.14);
  const bodyA = rng.normal(166, 10) * size;
  const bodyB = rng.normal(120, 8) * size;
  const fat = rng.uniform(5, 20) * size;
  const cavA = bodyA - fat - rng.uniform(20, 26);
  const cavB = bodyB - fat - rng.uniform(22, 28);
  const cavY = -0.06 * bodyB;
  const height = rng.normal(240, 15) * size;
  const zBase = -height / 2;
  const zTop = height / 2;
  return {
    size,
    bodyA,
    bodyB,
    fat,
    cavA,
    cavB,
    cavY,
    zBase,
    zTop,
    domeRight: rng.uniform(0.26, 0.32) * height,
    domeLeft: rng.uniform(0.2, 0.26) * height,
    lungHu: rng.normal(-855, 15),
    mediastinumHalf: rng.uniform(14, 20) * size,
    heart: [-0.2 * cavA, cavY + 0.3 * cavB, zBase + 0.24 * height, 0.43 * cavA, 0.55 * cavB, 0.2 * height],
    // drawn last, so adding them left every earlier draw (and so every lesion) unchanged
    stomachGas: rng.bernoulli(0.6)
      ? [
          -0.45 * cavA,
          cavY + 0.15 * cavB,
          zBase + rng.uniform(0.02, 0.1) * height,
          Math.cbrt((3 * rng.uniform(20, 150) * 1000) / (4 * Math.PI)),
        ]
      : [0, 0, 0, 0],
    table: { y: -bodyB - rng.uniform(2, 15), thickness: rng.uniform(8, 14) },
  };
}

/** Taper of the cavity's cross-section towards the apex (1 below 60% of the lung height). */
export function apexTaper(p: PatientParams, z: number): number {
  const z6 = p.zBase + 0.6 * (p.zTop - p.zBase);
  if (z <= z6) return 1;
  const t = (z - z6) / (p.zTop - z6);
  return t >= 1 ? 0 : Math.sqrt(1 - t * t);
}

/** Diaphragm height under (x, y) on the given side (+1 right, -1 left). */
export function diaphragmZ(p: PatientParams, side: 1 | -1, x: number, y: number): number {
  const dx = (x - side * 0.5 * p.cavA) / (0.62 * p.cavA);
  const dy = (y - p.cavY) / (0.85 * p.cavB);
  const h = side === 1 ? p.domeRight : p.domeLeft;
  return p.zBase + h * Math.max(0, 1 - dx * dx - dy * dy);
}

/** Lung at (x, y, z): 1 right, 2 left, 0 none. */
export function lungAt(p: PatientParams, x: number, y: number, z: number): 0 | 1 | 2 {
  if (z < p.zBase || z > p.zTop) return 0;
  if (Math.abs(x) < p.mediastinumHalf) return 0;
  const t = apexTaper(p, z);
  if (t <= 0) return 0;
  const u = x / (p.cavA * t);
  const v = (y - p.cavY) / (p.cavB * t);
  if (u * u + v * v >= 1) return 0;
  const [hx, hy, hz, ha, hb, hc] = p.heart;
  const a = (x - hx) / (ha + 4);
  const b = (y - hy) / (hb + 4);
  const c = (z - hz) / (hc + 4);
  if (a * a + b * b + c * c < 1) return 0;
  const side = x > 0 ? 1 : -1;
  if (z < diaphragmZ(p, side, x, y)) return 0;
  return side === 1 ? 1 : 2;
}

/** Lobe code (see {@link LOBES}, 1-based) of a lung point on the given lung (1 right, 2 left). */
export function lobeAt(p: PatientParams, lung: 1 | 2, y: number, z: number): 1 | 2 | 3 | 4 | 5 {
  const h = p.zTop - p.zBase;
  const yn = (y - p.cavY) / p.cavB;
  // the oblique fissure runs from high posteriorly to the anterior base
  const oblique = p.zBase + h * (0.4 - 0.36 * yn);
  if (lung === 2) return z < oblique ? 5 : 4;
  if (z < oblique) return 3;
  return z < p.zBase + 0.56 * h ? 2 : 1;
}

/** What the base render produces. */
export interface AnatomyRender {
  /** HU, i fastest. */
  readonly hu: Float32Array;
  /** 1 right lung, 2 left lung, 0 elsewhere. */
  readonly lung: Uint8Array;
  /** Lobe code per lung voxel, 0 elsewhere. */
  readonly lobe: Uint8Array;
}

/** Renders the thorax on the grid (no vessels, airways, lesions, noise or blur yet). */
export function renderAnatomy(p: PatientParams, g: SynthGrid, rng: Rng): AnatomyRender {
  const [ni, nj, nk] = g.dims;
  const n = ni * nj * nk;
  const hu = new Float32Array(n);
  const lung = new Uint8Array(n);
  const lobe = new Uint8Array(n);
  const ribPitch = rng.uniform(30, 38) * p.size;
  const ribPhase = rng.uniform(0, 1);
  const spineY = p.cavY - 0.78 * p.cavB;
  const vertR = 17 * p.size;
  const aortaX = -0.17 * p.cavA;
  const aortaY = p.cavY - 0.55 * p.cavB;
  const discPitch = 28 * p.size;
  const cavMean = (p.cavA + p.cavB) / 2;
  const h = p.zTop - p.zBase;
  let o = 0;
  for (let k = 0; k < nk; k++) {
    const z = g.z[k] as number;
    const taper = Math.max(apexTaper(p, z), 0.35);
    const inDisc = ((z - p.zBase) / discPitch) % 1 < 0.18;
    for (let j = 0; j < nj; j++) {
      const y = g.y[j] as number;
      for (let i = 0; i < ni; i++, o++) {
        const x = g.x[i] as number;
        const bu = x / p.bodyA;
        const bv = y / p.bodyB;
        const rb = Math.sqrt(bu * bu + bv * bv);
        if (rb >= 1) {
          // the table: a dense shell around foam, wider than the patient
          const t = p.table.y - y;
          hu[o] =
            t >= 0 && t < p.table.thickness && Math.abs(x) < 1.3 * p.bodyA
              ? t < 2 || t > p.table.thickness - 2
                ? 250
                : -850
              : -1000;
          continue;
        }
        // distance inward from the skin, approximately, in mm
        const depth = (1 - rb) * (p.bodyA + p.bodyB) * 0.5;
        if (depth < 1.5) {
          hu[o] = 20; // skin
          continue;
        }
        if (depth < p.fat) {
          hu[o] = -100;
          continue;
        }
        const l = lungAt(p, x, y, z);
        if (l !== 0) {
          lung[o] = l;
          lobe[o] = lobeAt(p, l, y, z);
          // dependent (posterior) parenchyma is denser
          hu[o] = p.lungHu + 35 * Math.max(0, -(y - p.cavY) / p.cavB);
          continue;
        }
        let v = 45; // muscle / soft tissue
        const cu = x / (p.cavA * taper);
        const cv = (y - p.cavY) / (p.cavB * taper);
        const rc = Math.sqrt(cu * cu + cv * cv);
        const outside = (rc - 1) * cavMean * taper;
        if (outside > 2 && outside < 11) {
          // ribs: oblique bands, denser cortex
          const phase = ((z + 0.4 * (y - p.cavY) - p.zBase) / ribPitch + ribPhase) % 1;
          if (phase > 0 && phase < 0.32) v = outside < 4 || outside > 9 ? 750 : 350;
        }
        if (rc < 1) {
          v = 35; // mediastinal soft tissue
          if (z < p.zBase + 0.35 * h) {
            const side = x > 0 ? 1 : -1;
            if (z < diaphragmZ(p, side, x, y)) {
              v = side === 1 ? 58 : 48; // liver / spleen and stomach
              const [gx, gy, gz, gr] = p.stomachGas;
              // diaphragm and stomach wall (about 12 mm) separate the gas from the lung
              const below = diaphragmZ(p, side, x, y) - z > 12;
              if (gr > 0 && below && (x - gx) ** 2 + (y - gy) ** 2 + (z - gz) ** 2 < gr * gr) v = -1000;
            }
          }
          const [hx, hy, hz, ha, hb, hc] = p.heart;
          const a = (x - hx) / ha;
          const b = (y - hy) / hb;
          const c = (z - hz) / hc;
          const e = a * a + b * b + c * c;
          if (e < 1) v = e > 0.85 ? 55 : 40;
          else if (e < 1.2) v = -80; // pericardial fat
          const ax = x - aortaX;
          const ay = y - aortaY;
          if (ax * ax + ay * ay < 144 * p.size * p.size && z > p.zBase + 0.1 * h) v = 40;
        }
        // spine: vertebral body, canal, posterior elements
        const sx = x;
        const sy = y - spineY;
        const rs = Math.sqrt(sx * sx + sy * sy);
        if (rs < vertR) v = inDisc ? 80 : rs > vertR - 2.5 ? 650 : 230;
        else if (Math.abs(sx) < 7 * p.size && sy < -vertR && sy > -vertR - 14 * p.size) v = 15;
        else if (Math.abs(sx) < 22 * p.size && sy <= -vertR - 14 * p.size && sy > -vertR - 30 * p.size)
          v = 450;
        // sternum
        if (
          Math.abs(x) < 14 * p.size &&
          y > p.bodyB - p.fat - 14 &&
          y < p.bodyB - p.fat - 3 &&
          z > p.zBase + 0.25 * h
        )
          v = 400;
        hu[o] = v;
      }
    }
  }
  return { hu, lung, lobe };
}
