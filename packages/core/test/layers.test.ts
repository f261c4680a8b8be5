import { assertClose, numericGrad, randTensor, rng } from '@deepsc/native/testing';
import { describe, expect, it } from 'vitest';
import {
  classificationHead,
  convBlock,
  decoderStage,
  encoderStage,
  GraphBuilder,
  type GraphValue,
  residualBlock,
  segmentationHead,
  Tensor,
} from '../src/index.js';
import * as R from './support/layer-reference.js';

type Build = (g: GraphBuilder) => GraphValue;
const x5 = (g: GraphBuilder, shape: number[]) => g.input('x', shape);

// Shapes and parameters, counted by hand: conv weight K*C*k^3 (+K bias), norm 2K,
// transposed conv C*K*s^3 + K, linear K*C + K.
const layerCases: {
  name: string;
  build: Build;
  shape: number[];
  params: Record<string, number[]>;
  count: number;
}[] = [
  {
    name: 'conv block 2->4, instance norm, leaky relu',
    build: (g) => convBlock(g, 'b', x5(g, [1, 2, 4, 6, 6]), 4),
    shape: [1, 4, 4, 6, 6],
    params: { 'b.conv.weight': [4, 2, 3, 3, 3], 'b.norm.weight': [4], 'b.norm.bias': [4] },
    count: 4 * 2 * 27 + 8,
  },
  {
    name: 'conv block, stride [1, 2, 2], odd sizes round up',
    build: (g) => convBlock(g, 'b', x5(g, [2, 1, 3, 5, 6]), 2, { stride: [1, 2, 2] }),
    shape: [2, 2, 3, 3, 3],
    params: { 'b.conv.weight': [2, 1, 3, 3, 3], 'b.norm.weight': [2], 'b.norm.bias': [2] },
    count: 2 * 27 + 4,
  },
  {
    name: 'conv block, no norm: bias, kernel 1',
    build: (g) =>
      convBlock(g, 'b', x5(g, [1, 3, 2, 2, 2]), 5, { norm: 'none', kernel: 1, activation: 'relu' }),
    shape: [1, 5, 2, 2, 2],
    params: { 'b.conv.weight': [5, 3, 1, 1, 1], 'b.conv.bias': [5] },
    count: 15 + 5,
  },
  {
    name: 'conv block, group norm',
    build: (g) => convBlock(g, 'b', x5(g, [1, 1, 4, 4, 4]), 4, { norm: 'group', groups: 2 }),
    shape: [1, 4, 4, 4, 4],
    params: { 'b.conv.weight': [4, 1, 3, 3, 3], 'b.norm.weight': [4], 'b.norm.bias': [4] },
    count: 108 + 8,
  },
  {
    name: 'residual block, identity shortcut',
    build: (g) => residualBlock(g, 'r', x5(g, [1, 3, 4, 4, 4]), 3),
    shape: [1, 3, 4, 4, 4],
    params: {
      'r.conv1.conv.weight': [3, 3, 3, 3, 3],
      'r.conv1.norm.weight': [3],
      'r.conv1.norm.bias': [3],
      'r.conv2.conv.weight': [3, 3, 3, 3, 3],
      'r.conv2.norm.weight': [3],
      'r.conv2.norm.bias': [3],
    },
    count: 2 * (81 * 3 + 6),
  },
  {
    name: 'residual block, strided 1x1x1 projection',
    build: (g) => residualBlock(g, 'r', x5(g, [1, 2, 4, 4, 4]), 4, { stride: 2 }),
    shape: [1, 4, 2, 2, 2],
    params: {
      'r.conv1.conv.weight': [4, 2, 3, 3, 3],
      'r.conv1.norm.weight': [4],
      'r.conv1.norm.bias': [4],
      'r.conv2.conv.weight': [4, 4, 3, 3, 3],
      'r.conv2.norm.weight': [4],
      'r.conv2.norm.bias': [4],
      'r.shortcut.conv.weight': [4, 2, 1, 1, 1],
      'r.shortcut.norm.weight': [4],
      'r.shortcut.norm.bias': [4],
    },
    count: 216 + 8 + 432 + 8 + 8 + 8,
  },
  {
    name: 'encoder stage, 3 convs, stride 2',
    build: (g) => encoderStage(g, 'e', x5(g, [1, 2, 8, 8, 8]), 4, { convs: 3 }),
    shape: [1, 4, 4, 4, 4],
    params: {
      'e.conv1.conv.weight': [4, 2, 3, 3, 3],
      'e.conv1.norm.weight': [4],
      'e.conv1.norm.bias': [4],
      'e.conv2.conv.weight': [4, 4, 3, 3, 3],
      'e.conv2.norm.weight': [4],
      'e.conv2.norm.bias': [4],
      'e.conv3.conv.weight': [4, 4, 3, 3, 3],
      'e.conv3.norm.weight': [4],
      'e.conv3.norm.bias': [4],
    },
    count: 216 + 2 * 432 + 3 * 8,
  },
  {
    name: 'decoder stage, transposed [1, 2, 2]',
    build: (g) => decoderStage(g, 'd', g.input('x', [1, 8, 2, 2, 2]), g.input('skip', [1, 4, 2, 4, 4]), 4),
    shape: [1, 4, 2, 4, 4],
    params: {
      'd.up.weight': [8, 4, 1, 2, 2],
      'd.up.bias': [4],
      'd.conv1.conv.weight': [4, 8, 3, 3, 3],
      'd.conv1.norm.weight': [4],
      'd.conv1.norm.bias': [4],
      'd.conv2.conv.weight': [4, 4, 3, 3, 3],
      'd.conv2.norm.weight': [4],
      'd.conv2.norm.bias': [4],
    },
    count: 128 + 4 + 864 + 8 + 432 + 8,
  },
  {
    name: 'decoder stage, resize + 1x1x1, one conv, to an odd skip',
    build: (g) =>
      decoderStage(g, 'd', g.input('x', [1, 4, 2, 2, 2]), g.input('skip', [1, 2, 3, 5, 4]), 2, {
        upsample: 'resize',
        convs: 1,
      }),
    shape: [1, 2, 3, 5, 4],
    params: {
      'd.up.weight': [2, 4, 1, 1, 1],
      'd.up.bias': [2],
      'd.conv1.conv.weight': [2, 4, 3, 3, 3],
      'd.conv1.norm.weight': [2],
      'd.conv1.norm.bias': [2],
    },
    count: 8 + 2 + 216 + 4,
  },
  {
    name: 'segmentation head',
    build: (g) => segmentationHead(g, 'head', x5(g, [1, 6, 2, 3, 4]), 3),
    shape: [1, 3, 2, 3, 4],
    params: { 'head.weight': [3, 6, 1, 1, 1], 'head.bias': [3] },
    count: 18 + 3,
  },
  {
    name: 'classification head',
    build: (g) => classificationHead(g, 'cls', x5(g, [2, 6, 2, 3, 4]), 3),
    shape: [2, 3],
    params: { 'cls.weight': [3, 6], 'cls.bias': [3] },
    count: 18 + 3,
  },
];

describe('layers: shapes and parameters', () => {
  it.each(layerCases)('$name', ({ build, shape, params, count }) => {
    const g = new GraphBuilder({ seed: 1 });
    const y = build(g);
    expect([...y.shape]).toEqual(shape);
    const declared = Object.fromEntries(g.parameters.map((p) => [p.name, [...p.shape]]));
    expect(declared).toEqual(params);
    expect(g.parameters.reduce((a, p) => a + p.shape.reduce((x, v) => x * v, 1), 0)).toBe(count);
  });
});

const errorCases: {
  name: string;
  build: Build;
  error: RegExp;
  type: typeof TypeError | typeof RangeError;
}[] = [
  {
    name: 'conv block on a 4D input',
    build: (g) => convBlock(g, 'b', g.input('x', [1, 2, 4, 4]), 2),
    error: /convBlock 'b': input input 'x' must be \[N, C, D, H, W\], got rank 4/,
    type: TypeError,
  },
  {
    name: 'even kernel',
    build: (g) => convBlock(g, 'b', x5(g, [1, 1, 4, 4, 4]), 2, { kernel: [3, 2, 3] }),
    error: /kernel \[3, 2, 3\] must be odd/,
    type: TypeError,
  },
  {
    name: 'zero output channels',
    build: (g) => convBlock(g, 'b', x5(g, [1, 1, 4, 4, 4]), 0),
    error: /output channels must be a positive integer, got 0/,
    type: RangeError,
  },
  {
    name: 'group norm groups not dividing',
    build: (g) => convBlock(g.scoped('net'), 'b', x5(g, [1, 1, 4, 4, 4]), 6, { norm: 'group', groups: 4 }),
    error: /convBlock 'net.b': group norm needs groups dividing 6 channels, got 4/,
    type: TypeError,
  },
  {
    name: 'unknown activation',
    build: (g) => convBlock(g, 'b', x5(g, [1, 1, 4, 4, 4]), 2, { activation: 'gelu' as 'relu' }),
    error: /activation 'gelu' must be leaky_relu, relu or none/,
    type: TypeError,
  },
  {
    name: 'transposed upsampling to a skip that is no whole multiple',
    build: (g) => decoderStage(g, 'd', g.input('x', [1, 4, 2, 2, 2]), g.input('skip', [1, 2, 3, 4, 4]), 2),
    error:
      /decoderStage 'd': cannot upsample \[1, 4, 2, 2, 2\] to the skip \[1, 2, 3, 4, 4\] by a whole stride/,
    type: TypeError,
  },
  {
    name: 'resize upsampling to a smaller skip',
    build: (g) =>
      decoderStage(g, 'd', g.input('x', [1, 4, 2, 2, 2]), g.input('skip', [1, 2, 1, 4, 4]), 2, {
        upsample: 'resize',
      }),
    error: /cannot upsample .* by resize/,
    type: TypeError,
  },
  {
    name: 'encoder stage without convs',
    build: (g) => encoderStage(g, 'e', x5(g, [1, 1, 4, 4, 4]), 2, { convs: 0 }),
    error: /encoderStage 'e': convs must be a positive integer, got 0/,
    type: RangeError,
  },
  {
    name: 'classification head on [N, C]',
    build: (g) => classificationHead(g, 'c', g.input('x', [1, 4]), 2),
    error: /must be \[N, C, \.\.\.spatial\], got rank 2/,
    type: TypeError,
  },
  {
    name: 'segmentation head with no classes',
    build: (g) => segmentationHead(g, 'h', x5(g, [1, 4, 2, 2, 2]), 0),
    error: /classes must be a positive integer, got 0/,
    type: RangeError,
  },
];

describe('layers: errors name the layer and the problem', () => {
  it.each(errorCases)('$name', ({ build, error, type }) => {
    const g = new GraphBuilder();
    expect(() => build(g)).toThrow(type);
    expect(() => build(new GraphBuilder())).toThrow(error);
  });
});

// Gradient checks: the engine's float32 forward and backward against a float64 reference and
// central differences of it, on tiny cases. Each case names its inputs (graph inputs first, then
// parameters in reference order) and the reference over them.
interface GradCase {
  name: string;
  inputs: Record<string, number[]>;
  build: (g: GraphBuilder, x: GraphValue[]) => GraphValue;
  params: string[];
  reference: (v: R.Ref[]) => R.Ref;
}

const block = (x: R.Ref, w: R.Ref, gamma: R.Ref, beta: R.Ref, stride: [number, number, number] = [1, 1, 1]) =>
  R.leakyRelu(R.instanceNorm(R.conv3d(x, w, null, stride, [1, 1, 1]), gamma, beta));

const gradCases: GradCase[] = [
  {
    name: 'conv block (instance norm, leaky relu), stride [1, 2, 1]',
    inputs: { x: [1, 2, 3, 4, 3] },
    build: (g, [x]) => convBlock(g, 'b', x!, 3, { stride: [1, 2, 1] }),
    params: ['b.conv.weight', 'b.norm.weight', 'b.norm.bias'],
    reference: ([x, w, gm, bt]) => block(x!, w!, gm!, bt!, [1, 2, 1]),
  },
  {
    name: 'residual block with projection',
    inputs: { x: [1, 2, 2, 3, 3] },
    build: (g, [x]) => residualBlock(g, 'r', x!, 3),
    params: [
      'r.conv1.conv.weight',
      'r.conv1.norm.weight',
      'r.conv1.norm.bias',
      'r.conv2.conv.weight',
      'r.conv2.norm.weight',
      'r.conv2.norm.bias',
      'r.shortcut.conv.weight',
      'r.shortcut.norm.weight',
      'r.shortcut.norm.bias',
    ],
    reference: ([x, w1, g1, b1, w2, g2, b2, ws, gs, bs]) => {
      const y1 = block(x!, w1!, g1!, b1!);
      const y2 = R.instanceNorm(R.conv3d(y1, w2!, null, [1, 1, 1], [1, 1, 1]), g2!, b2!);
      const sc = R.instanceNorm(R.conv3d(x!, ws!, null, [1, 1, 1], [0, 0, 0]), gs!, bs!);
      return R.leakyRelu(R.add(y2, sc));
    },
  },
  {
    name: 'decoder stage (transposed [1, 2, 2], one conv)',
    inputs: { x: [1, 3, 2, 1, 2], skip: [1, 2, 2, 2, 4] },
    build: (g, [x, skip]) => decoderStage(g, 'd', x!, skip!, 2, { convs: 1 }),
    params: ['d.up.weight', 'd.up.bias', 'd.conv1.conv.weight', 'd.conv1.norm.weight', 'd.conv1.norm.bias'],
    reference: ([x, skip, wu, bu, w, gm, bt]) =>
      block(R.concat(R.convTranspose3d(x!, wu!, bu!), skip!), w!, gm!, bt!),
  },
  {
    name: 'decoder stage (trilinear resize to an odd skip + 1x1x1, one conv)',
    inputs: { x: [1, 2, 2, 2, 2], skip: [1, 1, 3, 4, 3] },
    build: (g, [x, skip]) => decoderStage(g, 'd', x!, skip!, 2, { convs: 1, upsample: 'resize' }),
    params: ['d.up.weight', 'd.up.bias', 'd.conv1.conv.weight', 'd.conv1.norm.weight', 'd.conv1.norm.bias'],
    reference: ([x, skip, wu, bu, w, gm, bt]) =>
      block(
        R.concat(R.conv3d(R.resizeTrilinear(x!, [3, 4, 3]), wu!, bu!, [1, 1, 1], [0, 0, 0]), skip!),
        w!,
        gm!,
        bt!,
      ),
  },
];

describe('layers: float64 gradient check by finite differences', () => {
  it.each(gradCases)('$name', async ({ inputs, build, params, reference }) => {
    const r = rng(7);
    const g = new GraphBuilder({ seed: 3 });
    const names = Object.keys(inputs);
    const xs = names.map((n) => g.input(n, inputs[n] as number[]));
    const y = build(g, xs);
    g.output('y', y);
    const m = g.compile({ mode: 'train', seedOutputs: ['y'], inputGradients: names });
    const feeds = Object.fromEntries(names.map((n) => [n, randTensor(inputs[n] as number[], r)]));
    const tensors = Object.fromEntries(names.map((n) => [n, Tensor.from(feeds[n]!.data, feeds[n]!.shape)]));
    // Norm affine parameters start at 1 / 0: perturb them so their gradients are generic.
    for (const p of params.filter((n) => n.includes('norm.')))
      m.setParameter(
        p,
        Tensor.from(randTensor([...m.parameter(p).shape], r, 0.5, 1.5).data, m.parameter(p).shape),
      );
    const refs = [
      ...names.map((n) => R.ref(feeds[n]!.data, feeds[n]!.shape)),
      ...params.map((p) => R.ref(m.parameter(p).data, m.parameter(p).shape)),
    ];
    const out = await m.forward(tensors);
    const yt = out.y as Tensor;
    assertClose(yt.data, reference(refs).data, { rtol: 1e-4, atol: 1e-4 }, 'forward');
    const seed = randTensor([...yt.shape], r);
    await m.backward({ y: Tensor.from(seed.data, seed.shape) });
    const gradOut = [R.ref(seed.data, seed.shape)];
    const all = [...names, ...params];
    for (const [i, n] of all.entries()) {
      const engine = m.gradient(n);
      const numeric = numericGrad((v) => [reference(v as R.Ref[])], refs, gradOut, i, 1e-6, 60);
      const probed = [...numeric.keys()].filter((k) => !Number.isNaN(numeric[k]));
      assertClose(
        probed.map((k) => engine.data[k] as number),
        probed.map((k) => numeric[k] as number),
        { rtol: 2e-3, atol: 2e-4 },
        `d/d ${n}`,
      );
      expect(probed.length).toBeGreaterThan(0);
    }
    m.dispose();
  });
});
