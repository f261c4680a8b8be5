/**
 * The convolution layers of DeepSC-COVID (DESIGN section 2, as built by
 * `packages/deepsc-covid/src`), at the paper's sizes and at a small CPU preset, for the kernel
 * benchmark. Each layer says where it comes from.
 *
 * Sizes: the paper's whole scan is 48x256x256 and its patch 24x256x256; the CPU preset halves
 * the slices and quarters the rows and columns (24x64x64 and 12x64x64), with the paper's
 * channel widths. Strides follow the core's plan (`strides.ts`): at each of the stem and the
 * three downsampling levels an axis is halved where both the whole-scan and the patch sizes are
 * even and stay >= 2 (so the paper's patch keeps D = 3 at the last level).
 * @module
 */

/** `[D, H, W]`. */
export type Triple = [number, number, number];

/** One convolution as PyTorch's conv3d describes it. */
export interface ConvLayer {
  /** Unique name: `<preset>/<network part>`. */
  name: string;
  /** Where the layer comes from in the network. */
  source: string;
  N: number;
  /** Input channels. */
  C: number;
  /** Output channels. */
  K: number;
  /** Input size. */
  in: Triple;
  k: Triple;
  s: Triple;
  p: Triple;
  d: Triple;
  groups: number;
}

/** Which size set: `paper` (48x256x256 / 24x256x256) or `cpu` (24x64x64 / 12x64x64). */
export type Preset = 'paper' | 'cpu';

const SIZES: Record<Preset, { whole: Triple; patch: Triple }> = {
  paper: { whole: [48, 256, 256], patch: [24, 256, 256] },
  cpu: { whole: [24, 64, 64], patch: [12, 64, 64] },
};

const STEM_WIDTH = 32;
const UNET: [number, number, number, number] = [32, 64, 128, 256];
const CLS: [number, number, number] = [64, 128, 256];
/** Lesion-probability channels concatenated to the whole-scan features before the classifier. */
const LESION_WIDTH = 1;

/** The core's stride plan: four levels, stride 2 where both sizes stay even and >= 2. */
export function planStrides(whole: Triple, patch: Triple): Triple[] {
  const w = [...whole];
  const p = [...patch];
  const plan: Triple[] = [];
  for (let level = 0; level < 4; level++) {
    const s: Triple = [1, 1, 1];
    for (let a = 0; a < 3; a++) {
      const wa = w[a] as number;
      const pa = p[a] as number;
      if (wa % 2 === 0 && pa % 2 === 0 && wa / 2 >= 2 && pa / 2 >= 2) {
        s[a] = 2;
        w[a] = wa / 2;
        p[a] = pa / 2;
      }
    }
    plan.push(s);
  }
  return plan;
}

const div = (a: Triple, s: Triple): Triple => [a[0] / s[0], a[1] / s[1], a[2] / s[2]];
const all = (n: number): Triple => [n, n, n];

/** A 3x3x3 "same" conv (padding = dilation) or a 1x1x1 conv, with the given stride. */
function conv(
  name: string,
  source: string,
  C: number,
  K: number,
  size: Triple,
  opts: { k?: 1 | 3; s?: Triple; d?: number } = {},
): ConvLayer {
  const k = opts.k ?? 3;
  const d = opts.d ?? 1;
  return {
    name,
    source,
    N: 1,
    C,
    K,
    in: size,
    k: all(k),
    s: opts.s ?? all(1),
    p: all(k === 3 ? d : 0),
    d: all(d),
    groups: 1,
  };
}

/** Every conv layer of DeepSC-COVID for one size preset (transposed convs are listed apart). */
export function layers(preset: Preset): ConvLayer[] {
  const { whole, patch } = SIZES[preset];
  const st = planStrides(whole, patch) as [Triple, Triple, Triple, Triple];
  const out: ConvLayer[] = [];
  const q = STEM_WIDTH / 4;
  // Inception stem (inception-stem.ts): four strided branches of width/4 channels on the CT.
  for (const [stream, size] of [
    ['whole', whole],
    ['patch', patch],
  ] as const) {
    const src = `stem (${stream} scan ${size.join('x')}), inception-stem.ts`;
    out.push(
      conv(`${preset}/stem.${stream}.branch1`, `${src}: 1x1x1 branch`, 1, q, size, { k: 1, s: st[0] }),
    );
    out.push(conv(`${preset}/stem.${stream}.branch3`, `${src}: 3x3x3 branch`, 1, q, size, { s: st[0] }));
    out.push(
      conv(`${preset}/stem.${stream}.branch5`, `${src}: 3x3x3 dilation-2 branch`, 1, q, size, {
        s: st[0],
        d: 2,
      }),
    );
    out.push(
      conv(`${preset}/stem.${stream}.branch7`, `${src}: 3x3x3 dilation-3 branch`, 1, q, size, {
        s: st[0],
        d: 3,
      }),
    );
  }
  // Lesion U-Net on the patch stream (lesion-subnet.ts): encoder 32-64-128-256, decoder 128-64-32.
  const g = [div(patch, st[0])];
  for (let l = 1; l < 4; l++) g.push(div(g[l - 1] as Triple, st[l] as Triple));
  const [g0, g1, g2, g3] = g as [Triple, Triple, Triple, Triple];
  const [w1, w2, w3, w4] = UNET;
  const u = (n: string) => `${preset}/unet.${n}`;
  out.push(conv(u('enc1.conv1'), `U-Net encoder level 1 at ${g0.join('x')}`, STEM_WIDTH, w1, g0));
  out.push(conv(u('enc1.conv2'), `U-Net encoder level 1 at ${g0.join('x')}`, w1, w1, g0));
  out.push(
    conv(u('enc2.conv1'), `U-Net encoder level 2, strided ${st[1].join('x')}`, w1, w2, g0, { s: st[1] }),
  );
  out.push(conv(u('enc2.conv2'), `U-Net encoder level 2 at ${g1.join('x')}`, w2, w2, g1));
  out.push(
    conv(u('enc3.conv1'), `U-Net encoder level 3, strided ${st[2].join('x')}`, w2, w3, g1, { s: st[2] }),
  );
  out.push(conv(u('enc3.conv2'), `U-Net encoder level 3 at ${g2.join('x')}`, w3, w3, g2));
  out.push(
    conv(u('enc4.conv1'), `U-Net encoder level 4, strided ${st[3].join('x')}`, w3, w4, g2, { s: st[3] }),
  );
  out.push(conv(u('enc4.conv2'), `U-Net encoder level 4 at ${g3.join('x')}`, w4, w4, g3));
  out.push(
    conv(u('dec3.conv1'), `U-Net decoder level 3 (upsampled + skip) at ${g2.join('x')}`, 2 * w3, w3, g2),
  );
  out.push(conv(u('dec3.conv2'), `U-Net decoder level 3 at ${g2.join('x')}`, w3, w3, g2));
  out.push(
    conv(u('dec2.conv1'), `U-Net decoder level 2 (upsampled + skip) at ${g1.join('x')}`, 2 * w2, w2, g1),
  );
  out.push(conv(u('dec2.conv2'), `U-Net decoder level 2 at ${g1.join('x')}`, w2, w2, g1));
  out.push(
    conv(u('dec1.conv1'), `U-Net decoder level 1 (upsampled + skip) at ${g0.join('x')}`, 2 * w1, w1, g0),
  );
  out.push(conv(u('dec1.conv2'), `U-Net decoder level 1 at ${g0.join('x')}`, w1, w1, g0));
  out.push(conv(u('head1'), `U-Net 1x1x1 head (2 classes) at ${g0.join('x')}`, w1, 2, g0, { k: 1 }));
  // Classification residual blocks on the whole-scan features (classification-subnet.ts).
  const h = [div(whole, st[0])];
  for (let l = 1; l < 4; l++) h.push(div(h[l - 1] as Triple, st[l] as Triple));
  let c = STEM_WIDTH + LESION_WIDTH;
  CLS.forEach((width, i) => {
    const at = h[i] as Triple;
    const s = st[i + 1] as Triple;
    const next = h[i + 1] as Triple;
    const b = `${preset}/cls.block${i + 1}`;
    const where = `classifier residual block ${i + 1} (${width}), input ${at.join('x')}`;
    out.push(conv(`${b}.conv1`, `${where}: strided conv1`, c, width, at, { s }));
    out.push(conv(`${b}.conv2`, `${where}: conv2 at ${next.join('x')}`, width, width, next));
    out.push(conv(`${b}.down`, `${where}: 1x1x1 strided shortcut`, c, width, at, { k: 1, s }));
    c = width;
  });
  return out;
}

/** Multiply-adds x 2 of one forward pass (each backward pass does the same amount). */
export function flops(l: ConvLayer): number {
  const o = outSize(l);
  return 2 * l.N * l.K * o[0] * o[1] * o[2] * (l.C / l.groups) * l.k[0] * l.k[1] * l.k[2];
}

/** Output size, PyTorch's formula. */
export function outSize(l: ConvLayer): Triple {
  return [0, 1, 2].map(
    (a) => Math.floor((l.in[a]! + 2 * l.p[a]! - l.d[a]! * (l.k[a]! - 1) - 1) / l.s[a]!) + 1,
  ) as Triple;
}
