/**
 * Op plugins (include/deepsc/plugin.h): loading, refusals, attribute and arity checks, errors
 * and exceptions from plugin code, and the exported checker on plugin ops. The libraries are
 * built once per source content by fixtures/plugins/build.ts. Graph-level behaviour (training,
 * liveness, in-place) is in packages/core/test/plugin-graph.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  backwardReads,
  forward,
  inferShapes,
  loadBinding,
  loadOpLibrary,
  opLibraries,
  pluginAbiVersion,
  prepare,
  type RawTensor,
} from '../lib/index.js';
import { checkOp, OpCheckError, type Ref, randTensor, rng } from '../lib/testing/index.js';
import { buildTestPlugins, type TestPlugin } from './fixtures/plugins/build.js';
import { expectThrows } from './support/testing.js';

let libs: Record<TestPlugin, string>;

beforeAll(() => {
  libs = buildTestPlugins();
  loadOpLibrary(libs.good);
  loadOpLibrary(libs.throwing);
}, 120_000);

const t = (data: number[], shape = [data.length]): RawTensor => ({ data: Float32Array.from(data), shape });

/** The engine still works: a built-in op and a plugin op run after every refusal. */
function stillWorks(): void {
  expect(forward('relu', {}, [t([-1, 2])])[0]?.data).toEqual(Float32Array.from([0, 2]));
  expect(forward('t_axpb', { a: 2 }, [t([1, 2]), null])[0]?.data).toEqual(Float32Array.from([2, 4]));
}

describe('loading', () => {
  it('describes the library and its ops', () => {
    const lib = loadOpLibrary(libs.good);
    expect(lib.name).toBe('test_ops');
    expect(lib.abiVersion).toBe(pluginAbiVersion());
    expect(lib.ops.map((o) => o.name)).toEqual([
      't_axpb',
      't_pair',
      't_fail',
      't_noback',
      't_shift',
      't_threads',
      't_badinfer',
      't_liar',
    ]);
    const axpb = lib.ops[0];
    expect(axpb?.inputs).toEqual([
      { name: 'x', optional: false, differentiable: true },
      { name: 'b', optional: true, differentiable: true },
    ]);
    expect(axpb?.attributes).toEqual([
      { name: 'a', type: 'float', required: true },
      { name: 'mode', type: 'string', required: false, default: 'plain' },
      { name: 'k', type: 'int', required: false, default: 2 },
      { name: 'flag', type: 'bool', required: false, default: false },
      { name: 'dims', type: 'int[]', required: false, default: [] },
      { name: 'weights', type: 'float[]', required: false, default: [0.5, 0.25] },
    ]);
    expect(axpb).toMatchObject({ outputs: 1, deterministic: true, backward: true, cuda: false });
    expect(lib.ops[3]).toMatchObject({ name: 't_noback', backward: false });
    expect(lib.ops[3]?.inputs[0]?.differentiable).toBe(false);
  });

  it('loading the same file again is a no-op', () => {
    const before = opLibraries().length;
    const again = loadOpLibrary(libs.good);
    expect(again.path).toBe(loadOpLibrary(libs.good).path);
    expect(opLibraries().length).toBe(before);
  });

  it('a second library with other names loads beside the first', () => {
    loadOpLibrary(libs.other);
    expect(forward('u_axpb', { a: 3 }, [t([1]), null])[0]?.data).toEqual(Float32Array.from([3]));
  });

  const refusals: {
    name: string;
    lib: TestPlugin | string;
    type: new (...args: never[]) => Error;
    fragments: string[];
  }[] = [
    {
      name: 'a plugin built for another ABI version, naming both versions and the file',
      lib: 'badAbi',
      type: Error,
      fragments: ['libbadAbi.so', `plugin ABI version ${2}`, 'this engine', 'ABI version 1', 'rebuild it'],
    },
    {
      name: 'an op with the name of a built-in op',
      lib: 'shadow',
      type: TypeError,
      fragments: ['libshadow.so', "op 'relu' has the name of a built-in op"],
    },
    {
      name: 'an op another library already registered',
      lib: 'clash',
      type: TypeError,
      fragments: ['libclash.so', "op 't_axpb' is already registered by plugin", 'libgood.so'],
    },
    {
      name: 'an entry point that reports an error',
      lib: 'entryFails',
      type: Error,
      fragments: ['libentryFails.so', 'lacks the widget'],
    },
    {
      name: 'no entry point',
      lib: 'noEntry',
      type: Error,
      fragments: ['libnoEntry.so', "exports no 'deepsc_plugin_entry'"],
    },
    {
      name: 'an invalid definition (CUDA forward without CUDA backward)',
      lib: 'badDef',
      type: TypeError,
      fragments: ['libbadDef.so', "op 't_bad'", 'no cuda_backward'],
    },
    {
      name: 'a missing file',
      lib: '/nonexistent/libnone.so',
      type: Error,
      fragments: ["no plugin library at '/nonexistent/libnone.so'"],
    },
    {
      name: 'a file that is not a library',
      lib: '/etc/hostname',
      type: Error,
      fragments: ['/etc/hostname', 'cannot be loaded'],
    },
  ];
  it.each(refusals)(
    'refuses $name, registers nothing of it, and the engine goes on',
    ({ lib, type, fragments }) => {
      const path = lib in libs ? libs[lib as TestPlugin] : lib;
      const before = opLibraries().length;
      expectThrows(() => loadOpLibrary(path), type, ...fragments);
      expect(opLibraries().length).toBe(before);
      stillWorks();
    },
  );

  it('the ops of a refused library stay unknown', () => {
    // shadow's and badAbi's other ops (w_*, v_*) were not registered.
    expectThrows(
      () => forward('w_axpb', { a: 1 }, [t([1]), null]),
      TypeError,
      "unknown op 'w_axpb'",
      'from plugins: t_axpb',
    );
    expectThrows(() => forward('v_axpb', { a: 1 }, [t([1]), null]), TypeError, "unknown op 'v_axpb'");
  });

  it('refuses an empty path', () => {
    expectThrows(() => loadOpLibrary(''), TypeError, 'expected a path');
  });
});

describe('calls', () => {
  const x = t([1, -2, 3]);
  const errors: {
    name: string;
    call: () => unknown;
    type: new (...args: never[]) => Error;
    fragments: string[];
  }[] = [
    {
      name: 'an unknown attribute',
      call: () => forward('t_axpb', { a: 1, alpha: 2 }, [x, null]),
      type: TypeError,
      fragments: ['t_axpb', "unknown attribute 'alpha'", 'known: a, mode, k, flag, dims, weights'],
    },
    {
      name: 'a missing required attribute',
      call: () => forward('t_axpb', {}, [x, null]),
      type: TypeError,
      fragments: ['t_axpb', "attribute 'a' (a number) is required"],
    },
    {
      name: 'a number for a string',
      call: () => forward('t_axpb', { a: 1, mode: 3 }, [x, null]),
      type: TypeError,
      fragments: ["attribute 'mode' must be a string"],
    },
    {
      name: 'a fraction for an integer',
      call: () => forward('t_axpb', { a: 1, k: 1.5 }, [x, null]),
      type: TypeError,
      fragments: ["attribute 'k' must be an integer"],
    },
    {
      name: 'a number for an integer list',
      call: () => forward('t_axpb', { a: 1, dims: 3 }, [x, null]),
      type: TypeError,
      fragments: ["attribute 'dims' must be an array of integers"],
    },
    {
      name: 'a string for a boolean',
      call: () => forward('t_axpb', { a: 1, flag: 'yes' }, [x, null]),
      type: TypeError,
      fragments: ["attribute 'flag' must be a boolean"],
    },
    {
      name: 'a non-finite number',
      call: () => forward('t_axpb', { a: Number.NaN }, [x, null]),
      type: RangeError,
      fragments: ["attribute 'a' must be finite"],
    },
    {
      name: "the plugin's check_attrs (a range)",
      call: () => forward('t_axpb', { a: 1, mode: 'triple' }, [x, null]),
      type: RangeError,
      fragments: ['t_axpb', "attribute 'mode' is 'triple', expected 'plain' or 'double'"],
    },
    {
      name: 'too many inputs',
      call: () => forward('t_axpb', { a: 1 }, [x, null, x]),
      type: TypeError,
      fragments: ['t_axpb', 'expected 2 inputs (x, b?), got 3'],
    },
    {
      name: 'too few inputs',
      call: () => forward('t_axpb', { a: 1 }, [x]),
      type: TypeError,
      fragments: ['t_axpb', 'expected 2 inputs'],
    },
    {
      name: 'a missing required input',
      call: () => forward('t_axpb', { a: 1 }, [null, x]),
      type: TypeError,
      fragments: ["input 'x' is required"],
    },
    {
      name: "the plugin's infer (a type)",
      call: () => inferShapes('t_axpb', { a: 1 }, [[3], [2]]),
      type: TypeError,
      fragments: ['t_axpb', 'b must have shape [1], got rank 1'],
    },
    {
      name: 'a rank the ABI cannot carry',
      call: () => inferShapes('t_pair', {}, [[1, 1, 1, 1, 1, 1]]),
      type: TypeError,
      fragments: ['t_pair', 'x must have rank <= 5, got 6'],
    },
    {
      name: 'a kernel error (range)',
      call: () => forward('t_fail', {}, [t([0, 5])]),
      type: RangeError,
      fragments: ['t_fail', 'x[1] = 5 exceeds the limit 1'],
    },
    {
      name: 'a kernel error (type)',
      call: () => forward('t_fail', { kind: 1 }, [t([5])]),
      type: TypeError,
      fragments: ['t_fail', 'x[0] = 5'],
    },
    {
      name: 'a kernel error (runtime)',
      call: () => forward('t_fail', { kind: 3 }, [t([5])]),
      type: Error,
      fragments: ['t_fail', 'x[0] = 5'],
    },
    {
      name: 'a kernel error with an unknown code',
      call: () => forward('t_fail', { kind: 7 }, [t([5])]),
      type: Error,
      fragments: ['t_fail', 'x[0] = 5', 'unknown error code 7'],
    },
    {
      name: 'a kernel error without a message',
      call: () => forward('t_fail', { kind: 0 }, [t([5])]),
      type: Error,
      fragments: ['t_fail', 'cpu_forward failed with code 3 and no message'],
    },
    {
      name: 'a backward kernel error',
      call: () => backward('t_fail', {}, [t([5])], [t([5])], [t([1])], [true]),
      type: RangeError,
      fragments: ['t_fail', 'exceeds the limit'],
    },
    {
      name: 'a kernel that throws a std::exception',
      call: () => forward('t_throw', {}, [x]),
      type: Error,
      fragments: [
        't_throw',
        'cpu_forward threw a C++ exception',
        'boom',
        'libthrowing.so',
        'must return an error code',
      ],
    },
    {
      name: 'a backward that throws a non-exception',
      call: () => backward('t_throw', {}, [x], [x], [x], [true]),
      type: Error,
      fragments: ['t_throw', 'cpu_backward threw a C++ exception', 'libthrowing.so'],
    },
    {
      name: 'a check_attrs that throws',
      call: () => forward('t_throw', { n: 13 }, [x]),
      type: Error,
      fragments: ['t_throw', 'check_attrs threw', 'thirteen is unlucky'],
    },
    {
      name: 'a gradient of an op without a backward',
      call: () => backward('t_noback', {}, [x], [x], [x], [true]),
      type: TypeError,
      fragments: ['t_noback', "input 'x' has no gradient"],
    },
    {
      name: 'an infer that leaves an output unset',
      call: () => forward('t_badinfer', { how: 0 }, [x]),
      type: Error,
      fragments: ['t_badinfer', 'infer: output 0 was not set', 'libgood.so'],
    },
    {
      name: 'an infer giving rank 9',
      call: () => forward('t_badinfer', { how: 1 }, [x]),
      type: Error,
      fragments: ['t_badinfer', 'infer: output 0 has rank 9 (must be in [1, 8]'],
    },
    {
      name: 'an infer giving a negative dimension',
      call: () => forward('t_badinfer', { how: 2 }, [x]),
      type: Error,
      fragments: ['t_badinfer', 'infer: output 0 has a negative dimension'],
    },
    {
      name: 'an infer giving rank 0',
      call: () => forward('t_badinfer', { how: 3 }, [x]),
      type: Error,
      fragments: ['t_badinfer', 'has rank 0', 'a scalar has shape [1]'],
    },
    {
      name: 'a negative workspace',
      call: () => forward('t_badinfer', { how: 4 }, [x]),
      type: Error,
      fragments: ['t_badinfer', 'workspace_floats returned -5'],
    },
  ];
  it.each(errors)('$name is a clear error and the process goes on', ({ call, type, fragments }) => {
    expectThrows(call, type, ...fragments);
    stillWorks();
  });

  it('passes attributes of every type, defaults and the workspace', () => {
    expect(
      forward('t_axpb', { a: 0.5, mode: 'double', k: 4, flag: true, dims: [1, 2], weights: [] }, [
        t([2]),
        t([1]),
      ])[0]?.data,
    ).toEqual(Float32Array.from([3]));
    expect(inferShapes('t_pair', {}, [[2, 3]])).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });

  it('prepare() binds a plugin op: bitwise the eager calls, its errors as theirs', () => {
    const attrs = { a: 0.5, mode: 'double', k: 3 };
    const b = t([0.25]);
    const p = prepare('t_axpb', attrs, [[3], [1]]);
    expect(p.outputShapes).toEqual([[3]]);
    const y = new Float32Array(3);
    p.forward([x.data, b.data], [y]);
    const [ey] = forward('t_axpb', attrs, [x, b]) as [RawTensor];
    expect(y).toEqual(ey.data);
    const g = t([1, -0.5, 2]);
    const [gx, gb] = [new Float32Array(3), new Float32Array(1)];
    p.backward([x.data, b.data], [y], [g.data], [gx, gb]);
    const [egx, egb] = backward('t_axpb', attrs, [x, b], [ey], [g], [true, true]) as [RawTensor, RawTensor];
    expect(gx).toEqual(egx.data);
    expect(gb).toEqual(egb.data);
    p.dispose();
    // An absent optional input, as the eager call.
    const q = prepare('t_axpb', { a: 2 }, [[3], null]);
    q.forward([x.data, null], [y]);
    expect(y).toEqual(Float32Array.from([2, -4, 6]));
    q.dispose();
    // A kernel error, and a gradient asked of an op without a backward: named, and the process goes on.
    const f = prepare('t_fail', {}, [[2]]);
    expectThrows(
      () => f.forward([Float32Array.from([0, 5])], [new Float32Array(2)]),
      RangeError,
      't_fail',
      'exceeds',
    );
    f.forward([Float32Array.from([0, 0.5])], [y.subarray(0, 2)]);
    f.dispose();
    const n = prepare('t_noback', {}, [[3]]);
    expectThrows(
      () => n.backward([x.data], [y], [g.data], [gx]),
      TypeError,
      't_noback',
      "input 'x' has no gradient",
    );
    n.dispose();
    // Its attributes and shapes are checked at prepare, as the eager call's.
    expectThrows(
      () => prepare('t_axpb', { a: 1, alpha: 2 }, [[3], null]),
      TypeError,
      "unknown attribute 'alpha'",
    );
    expectThrows(() => prepare('t_axpb', { a: 1 }, [[3], [2]]), TypeError, 'b must have shape [1]');
    stillWorks();
  });

  it('declares its backward reads', () => {
    expect(backwardReads('t_pair', [true], 1, 2)).toEqual({ inputs: [true], outputs: [false, false] });
    expect(backwardReads('t_axpb', [true, true], 2, 1)).toEqual({ inputs: [false, false], outputs: [false] });
  });
});

describe('the exported checker on plugin ops', () => {
  const r = rng(3);
  const axpb =
    (f: number) =>
    ([x, b]: (Ref | null)[]): Ref[] => {
      const xx = x as Ref;
      const bias = b ? (b.data[0] as number) : 0;
      return [{ data: xx.data.map((v) => f * v + bias), shape: xx.shape }];
    };
  const pair = ([x]: (Ref | null)[]): Ref[] => {
    const xx = x as Ref;
    return [
      { data: xx.data.map((v) => v * v), shape: xx.shape },
      { data: xx.data.map((v) => v + 1), shape: xx.shape },
    ];
  };
  const cases = [
    {
      name: 't_axpb [2, 3] with b',
      op: 't_axpb',
      attrs: { a: 1.5 },
      inputs: [randTensor([2, 3], r), randTensor([1], r)],
      ref: axpb(1.5),
    },
    {
      name: 't_axpb double, no b',
      op: 't_axpb',
      attrs: { a: -2, mode: 'double' },
      inputs: [randTensor([7], r), null],
      ref: axpb(-4),
    },
    {
      name: 't_pair, two outputs over several tasks [3, 1001]',
      op: 't_pair',
      attrs: {},
      inputs: [randTensor([3, 1001], r)],
      ref: pair,
    },
  ];
  it.each(cases)('$name', (c) => checkOp(c.op, c, c.ref, { probes: 48, threads: [1, 3] }));

  it('fails a wrong reference with the worst element named', () => {
    const c = cases[0] as (typeof cases)[0];
    expectThrows(
      () => checkOp('t_axpb', c, axpb(1.4)),
      OpCheckError,
      't_axpb t_axpb [2, 3] with b: output 0: worst at',
    );
  });

  it('fails an op flagged deterministic whose results depend on the thread count', () => {
    const threads = loadBinding().info().threads;
    const c = { name: 'x [4]', attrs: {}, inputs: [randTensor([4], r)] };
    const plus = ([x]: (Ref | null)[]): Ref[] => [
      { data: (x as Ref).data.map((v) => v + threads), shape: [4] },
    ];
    expectThrows(
      () => checkOp('t_threads', c, plus),
      OpCheckError,
      't_threads x [4]: output 0 differs between 1 and 3 threads',
    );
    expect(loadBinding().info().threads).toBe(threads); // the pool's size is restored
    checkOp('t_threads', c, plus, { threads: [] }); // the values at this thread count are right
  });

  it('fails a backward that reads what it does not declare', () => {
    const c = { name: 'x [5]', attrs: {}, inputs: [randTensor([5], r)] };
    const square = ([x]: (Ref | null)[]): Ref[] => [{ data: (x as Ref).data.map((v) => v * v), shape: [5] }];
    expectThrows(
      () => checkOp('t_liar', c, square),
      OpCheckError,
      't_liar x [5]: grad 0 changes when the tensors its backward does not declare as read (input 0, output 0) are NaN',
    );
    checkOp('t_liar', c, square, { reads: false }); // the values themselves are right
  });
});
