/**
 * The compile option `precision`: `fp32` (the default) compiles on the CPU; `tf32` and `bf16`
 * are refused on the CPU with a RangeError naming the option, the precision and the device,
 * and on CUDA unless the engine was built with DEEPSC_CUDA_LOWP; other names are refused
 * (RangeError), as are non-strings (TypeError). The checks are the engine's
 * (native/src/graph/precision.cpp, the binding's option parsing).
 */
import { loadBinding } from '@deepsc/native';
import { describe, expect, it } from 'vitest';
import { type CompileOptions, cudaAvailable, GraphBuilder } from '../src/index.js';

function compile(options: CompileOptions) {
  const g = new GraphBuilder();
  g.output('y', g.relu(g.input('x', [2, 3])));
  return g.compile(options);
}

describe('compile option precision', () => {
  it.each([
    { name: 'the default', options: {} },
    { name: "'fp32'", options: { precision: 'fp32' } as const },
  ])('$name compiles on the CPU and is reported by the model', ({ options }) => {
    const m = compile(options);
    try {
      expect(m.precision).toBe('fp32');
      expect(m.device).toBe('cpu');
    } finally {
      m.dispose();
    }
  });

  const refusals: { name: string; options: CompileOptions; error: typeof Error; message: RegExp }[] = [
    {
      name: 'tf32 on the CPU',
      options: { precision: 'tf32' },
      error: RangeError,
      message: /precision 'tf32' is not available on device 'cpu'.*use precision 'fp32'/,
    },
    {
      name: 'bf16 on the CPU',
      options: { precision: 'bf16' },
      error: RangeError,
      message: /precision 'bf16' is not available on device 'cpu'/,
    },
    {
      name: 'an unknown name',
      options: { precision: 'fp16' as never },
      error: RangeError,
      message: /precision is 'fp16', expected 'fp32', 'tf32' or 'bf16'/,
    },
    {
      name: 'a misspelt name',
      options: { precision: 'BF16' as never },
      error: RangeError,
      message: /precision is 'BF16'/,
    },
    {
      name: 'a non-string',
      options: { precision: 16 as never },
      error: TypeError,
      message: /precision must be a string/,
    },
  ];
  it.each(refusals)('refuses $name', ({ options, error, message }) => {
    expect(() => compile(options)).toThrow(error);
    expect(() => compile(options)).toThrow(message);
  });

  // What a CUDA engine accepts depends on its build (`info().cudaPrecisions`): a released
  // engine refuses tf32/bf16 naming the CMake option that enables them; an engine built with it
  // compiles them.
  const cudaPrecisions = cudaAvailable() ? loadBinding().info().cudaPrecisions : [];
  it.skipIf(!cudaAvailable() || cudaPrecisions.includes('bf16'))(
    cudaAvailable()
      ? "refuses bf16 on 'cuda' in a released engine, naming DEEPSC_CUDA_LOWP"
      : 'SKIPPED: no CUDA device',
    () => {
      expect(() => compile({ device: 'cuda', precision: 'bf16' })).toThrow(
        /precision 'bf16' is not available on device 'cuda'.*DEEPSC_CUDA_LOWP/,
      );
    },
  );
  it.skipIf(!cudaPrecisions.includes('bf16'))(
    cudaPrecisions.includes('bf16')
      ? "compiles bf16 on 'cuda' in an engine built with DEEPSC_CUDA_LOWP"
      : 'SKIPPED: no CUDA device with a DEEPSC_CUDA_LOWP engine',
    () => {
      const m = compile({ device: 'cuda', precision: 'bf16' });
      expect(m.precision).toBe('bf16');
      m.dispose();
    },
  );
});
