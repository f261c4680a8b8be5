import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  GraphBuilder,
  loadSafetensors,
  ones,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  saveSafetensors,
  Tensor,
  zeros,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'deepsc-core-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('safetensors encoding', () => {
  it('round-trips bit-identically, with a padded header, sorted names and metadata', () => {
    const a = {
      data: new Float32Array([1.5, -0, Number.MIN_VALUE, 3.4e38, Number.NaN, -Infinity]),
      shape: [2, 3],
    };
    const b = { data: new Float32Array([7]), shape: [] };
    const bytes = encodeSafetensors({ 'z.w': a, 'a.b': b }, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString());
    expect(header['a.b']).toEqual({ dtype: 'F32', shape: [], data_offsets: [0, 4] });
    expect(header['z.w']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [4, 28] });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    const za = tensors['z.w'] as Tensor;
    expect(new Uint32Array(za.data.buffer, za.data.byteOffset, 6)).toEqual(new Uint32Array(a.data.buffer));
    expect([...za.shape]).toEqual([2, 3]);
    expect(tensors['a.b']?.toArray()).toEqual([7]);
    for (const t of Object.values(tensors)) t.dispose();
  });

  const good = encodeSafetensors({ w: { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] } });
  const header = (obj: unknown, data = new Uint8Array(0)) => {
    const h = Buffer.from(JSON.stringify(obj));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const corrupt: { name: string; bytes: Uint8Array; message: RegExp }[] = [
    { name: 'shorter than the length field', bytes: good.subarray(0, 5), message: /truncated: 5 bytes/ },
    { name: 'header cut short', bytes: good.subarray(0, 20), message: /truncated: the header needs/ },
    {
      name: 'data cut short',
      bytes: good.subarray(0, good.length - 3),
      message: /truncated: 'w' ends at data byte 16/,
    },
    {
      name: 'absurd header length',
      bytes: new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255]),
      message: /exceeds/,
    },
    {
      name: 'header not JSON',
      bytes: header('x')
        .subarray(0, 8 + 3)
        .map((v, i) => (i === 8 ? 123 : v)),
      message: /not valid JSON/,
    },
    {
      name: 'unsupported dtype',
      bytes: header({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      message: /dtype C64/,
    },
    {
      name: 'offsets not matching the shape',
      bytes: header({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      message: /do not hold 3 F32/,
    },
    {
      name: 'gap between tensors',
      bytes: header(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        },
        new Uint8Array(12),
      ),
      message: /'b' starts at data byte 8, expected 4/,
    },
    {
      name: 'trailing bytes',
      bytes: header({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)),
      message: /2 bytes after the last tensor/,
    },
  ];
  it.each(corrupt)('rejects $name', ({ bytes, message }) => {
    expect(() => decodeSafetensors(bytes, 'model.safetensors')).toThrow(message);
    expect(() => decodeSafetensors(bytes, 'model.safetensors')).toThrow(/^model\.safetensors: /);
  });

  it('reads a PyTorch state dict (F32 and the I64 batch-norm counter)', async () => {
    const want = JSON.parse(readFileSync(fixture('pytorch_state.json'), 'utf8')) as Record<
      string,
      { shape: number[]; values: number[] }
    >;
    const { tensors, metadata } = await loadSafetensors(fixture('pytorch_state.safetensors').pathname);
    expect(metadata.format).toBe('pt');
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want).sort());
    for (const [name, w] of Object.entries(want)) {
      const t = tensors[name] as Tensor;
      expect([...t.shape], name).toEqual(w.shape);
      expect(t.toArray(), name).toEqual(Array.from(Float32Array.from(w.values)));
      t.dispose();
    }
  });

  it('writes atomically: no temporary file is left, and a failed write leaves the old file', async () => {
    const path = join(dir, 'atomic.safetensors');
    await saveSafetensors(path, { w: { data: new Float32Array([1]), shape: [1] } });
    await expect(saveSafetensors(join(dir, 'missing-dir', 'x.safetensors'), {})).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const { tensors } = await loadSafetensors(path);
    expect(tensors.w?.toArray()).toEqual([1]);
    tensors.w?.dispose();
  });
});

/** A layer set in PyTorch's names and layouts: conv, group norm, batch norm buffers, linear. */
function pytorchLike(seed: number) {
  const g = new GraphBuilder({ seed });
  const x = g.input('x', [1, 2, 4]);
  const conv = g.scoped('conv');
  const w = conv.parameter('weight', [2, 1, 3, 3, 3], pytorchDefaultWeight());
  conv.parameter('bias', [2], pytorchDefaultBias([2, 1, 3, 3, 3]));
  const norm = g.scoped('norm');
  const gamma = norm.parameter('weight', [2], ones());
  const beta = norm.parameter('bias', [2], zeros());
  const bn = g.scoped('bn');
  bn.parameter('weight', [2], ones());
  bn.parameter('bias', [2], zeros());
  bn.state('running_mean', [2], zeros());
  bn.state('running_var', [2], ones());
  const fc = g.scoped('fc');
  fc.parameter('weight', [3, 4], pytorchDefaultWeight());
  fc.parameter('bias', [3], pytorchDefaultBias([3, 4]));
  g.output('y', g.sigmoid(g.groupNorm(x, gamma, beta, { groups: 1 })));
  g.output('w', g.relu(w));
  return g.compile();
}

describe('model save and load', () => {
  it('gives bit-identical parameters and outputs after a round trip', async () => {
    const a = pytorchLike(1);
    const b = pytorchLike(2); // other seed: other initial values
    const path = join(dir, 'model.safetensors');
    const x = Tensor.from([0.3, -1, 2, 0.5, 1, -0.25, 4, 0], [1, 2, 4]);
    const g1 = Tensor.from([0.7, 1.3], [2]);
    a.setParameter('norm.weight', g1);
    await a.save(path);
    const before = await b.forward({ x });
    await b.load(path);
    const outA = await a.forward({ x });
    const outB = await b.forward({ x });
    expect(outB.y?.toArray()).not.toEqual(before.y?.toArray());
    for (const k of ['y', 'w']) {
      expect(new Uint32Array((outB[k] as Tensor).data.buffer)).toEqual(
        new Uint32Array((outA[k] as Tensor).data.buffer),
      );
    }
    const sa = a.stateDict();
    const sb = b.stateDict();
    expect(Object.keys(sb)).toEqual(Object.keys(sa));
    for (const k of Object.keys(sa))
      expect((sb[k] as Tensor).toArray(), k).toEqual((sa[k] as Tensor).toArray());
    for (const t of [
      x,
      g1,
      ...Object.values(before),
      ...Object.values(outA),
      ...Object.values(outB),
      ...Object.values(sa),
      ...Object.values(sb),
    ]) {
      t.dispose();
    }
    a.dispose();
    b.dispose();
  });

  it("loads PyTorch's state dict (names and layouts unchanged)", async () => {
    const m = pytorchLike(3);
    await m.load(fixture('pytorch_state.safetensors').pathname);
    const want = JSON.parse(readFileSync(fixture('pytorch_state.json'), 'utf8')) as Record<
      string,
      { values: number[] }
    >;
    for (const name of [...m.parameterNames, ...m.stateNames]) {
      const t = m.parameter(name);
      expect(t.toArray(), name).toEqual(Array.from(Float32Array.from(want[name]?.values ?? [])));
      t.dispose();
    }
    m.dispose();
  });

  it('rejects truncated files and mismatched entries, naming them', async () => {
    const m = pytorchLike(4);
    const path = join(dir, 'cut.safetensors');
    const bytes = readFileSync(fixture('pytorch_state.safetensors'));
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    await expect(m.load(path)).rejects.toThrow(/cut\.safetensors: truncated/);
    const small = join(dir, 'small.safetensors');
    await saveSafetensors(small, {
      'conv.weight': { data: new Float32Array(2), shape: [2] },
      extra: { data: new Float32Array(1), shape: [1] },
    });
    const err = (await m.load(small).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/'conv\.weight' is \[2\], the model has \[2, 1, 3, 3, 3\]/);
    expect(err.message).toMatch(/missing: conv\.bias/);
    expect(err.message).toMatch(/unexpected: extra/);
    await expect(m.load(join(dir, 'nope.safetensors'))).rejects.toThrow(/ENOENT/);
    // partial: only matching names, but shapes must still match
    await saveSafetensors(small, { 'fc.bias': { data: new Float32Array([1, 2, 3]), shape: [3] } });
    await m.load(small, { match: 'partial' });
    const fb = m.parameter('fc.bias');
    expect(fb.toArray()).toEqual([1, 2, 3]);
    fb.dispose();
    m.dispose();
  });
});
