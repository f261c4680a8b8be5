/**
 * Branching tubes (the pulmonary vessel tree and the airways) as capsule segments, and their
 * rasterisation with an approximate partial-volume effect so that vessels thinner than a voxel
 * still show, fainter, as on real CT.
 * @module
 */
import type { Rng } from '../random.js';
import { type SynthGrid, worldToIndex } from './grid.js';

type Vec3 = [number, number, number];

/** A straight tube piece from `a` to `b` (RAS mm) of radius `r` mm. */
export interface Segment {
  readonly a: Vec3;
  readonly b: Vec3;
  readonly r: number;
}

/** Options of {@link growTree}. */
export interface TreeOptions {
  /** Trunk radius in mm. */
  readonly radius: number;
  /** Trunk length in mm. */
  readonly length: number;
  /** Branches stop below this radius (mm). */
  readonly minRadius: number;
  /** Radius and length ratio from parent to child. */
  readonly radiusRatio: number;
  readonly lengthRatio: number;
  /** Whether a point lies where branches may grow (inside the lung). */
  readonly inside: (p: Vec3) => boolean;
}

/** Grows a binary tree from `root` along `dir`, appending its segments to `out`. */
export function growTree(rng: Rng, root: Vec3, dir: Vec3, o: TreeOptions, out: Segment[]): void {
  const stack: { p: Vec3; d: Vec3; r: number; l: number }[] = [
    { p: root, d: normalize(dir), r: o.radius, l: o.length },
  ];
  while (stack.length > 0) {
    const s = stack.pop() as { p: Vec3; d: Vec3; r: number; l: number };
    let len = s.l;
    let end = add(s.p, scale(s.d, len));
    let tries = 0;
    while (!o.inside(end) && tries < 2) {
      len /= 2;
      end = add(s.p, scale(s.d, len));
      tries++;
    }
    if (!o.inside(end) && out.length > 0) continue;
    out.push({ a: s.p, b: end, r: s.r });
    const r = s.r * o.radiusRatio;
    if (r < o.minRadius) continue;
    const axis = normalize(cross(s.d, randomUnit(rng)));
    const angle = rng.uniform(0.35, 0.7);
    for (const sign of [1, -1]) {
      const d = rotate(s.d, axis, sign * angle + rng.normal(0, 0.12));
      stack.push({
        p: end,
        d,
        r: r * rng.uniform(0.9, 1.1),
        l: s.l * o.lengthRatio * rng.uniform(0.85, 1.15),
      });
    }
  }
}

/**
 * Paints segments into `hu`: each voxel moves towards `value` by the tube's partial-volume
 * weight at that voxel (`grow` mm added to every radius, for walls).
 */
export function paintSegments(
  hu: Float32Array,
  g: SynthGrid,
  segments: readonly Segment[],
  value: number,
  grow = 0,
): void {
  const [ni, nj, nk] = g.dims;
  const vox = (g.spacing[0] + g.spacing[1]) / 2;
  for (const s of segments) {
    const r = s.r + grow;
    const pad = r + vox;
    const lo = worldToIndex(g, [
      Math.min(s.a[0], s.b[0]) - pad,
      Math.min(s.a[1], s.b[1]) - pad,
      Math.min(s.a[2], s.b[2]) - pad,
    ]);
    const hi = worldToIndex(g, [
      Math.max(s.a[0], s.b[0]) + pad,
      Math.max(s.a[1], s.b[1]) + pad,
      Math.max(s.a[2], s.b[2]) + pad,
    ]);
    const i0 = Math.max(0, Math.floor(Math.min(lo[0], hi[0])));
    const i1 = Math.min(ni - 1, Math.ceil(Math.max(lo[0], hi[0])));
    const j0 = Math.max(0, Math.floor(Math.min(lo[1], hi[1])));
    const j1 = Math.min(nj - 1, Math.ceil(Math.max(lo[1], hi[1])));
    const k0 = Math.max(0, Math.floor(Math.min(lo[2], hi[2])));
    const k1 = Math.min(nk - 1, Math.ceil(Math.max(lo[2], hi[2])));
    const ab = sub(s.b, s.a);
    const ab2 = Math.max(1e-9, dot(ab, ab));
    const thin = Math.min(1, (2 * r) / vox);
    for (let k = k0; k <= k1; k++) {
      const z = g.z[k] as number;
      for (let j = j0; j <= j1; j++) {
        const y = g.y[j] as number;
        for (let i = i0; i <= i1; i++) {
          const x = g.x[i] as number;
          const px = x - s.a[0];
          const py = y - s.a[1];
          const pz = z - s.a[2];
          let t = (px * ab[0] + py * ab[1] + pz * ab[2]) / ab2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const dx = px - t * ab[0];
          const dy = py - t * ab[1];
          const dz = pz - t * ab[2];
          const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
          let w = 0.5 + (r - d) / vox;
          if (w <= 0) continue;
          if (w > 1) w = 1;
          w *= thin;
          const o = i + ni * (j + nj * k);
          const cur = hu[o] as number;
          const next = cur + w * (value - cur);
          // a tube only ever pushes voxels towards its own value: overlapping tubes do not undo each other
          if (Math.abs(value - next) < Math.abs(value - cur)) hu[o] = next;
        }
      }
    }
  }
}

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}
function randomUnit(rng: Rng): Vec3 {
  return normalize([rng.normal(), rng.normal(), rng.normal()]);
}
/** Rodrigues' rotation of `v` about unit `k` by `angle`. */
function rotate(v: Vec3, k: Vec3, angle: number): Vec3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const kv = cross(k, v);
  const kd = dot(k, v) * (1 - c);
  return normalize([
    v[0] * c + kv[0] * s + k[0] * kd,
    v[1] * c + kv[1] * s + k[1] * kd,
    v[2] * c + kv[2] * s + k[2] * kd,
  ]);
}
