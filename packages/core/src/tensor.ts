/**
 * Tensors: float32, row-major, with the shape (and so the rank) in the type where it is known.
 * Data lives in native memory (zero-copy: `data` is a Float32Array over it) and is freed by
 * {@link Tensor.dispose}, or by the garbage collector as a fallback. `Tensor.wrap` views
 * JS-owned memory instead.
 * @module
 */
import { loadBinding, type RawTensor } from '@deepsc/native';
import { type Device, requireTensorDevice } from './device.js';

/** Element types. Only float32 so far. */
export type DType = 'float32';

/** A shape: dimensions, outermost first. */
export type Shape = readonly number[];
/** NCDHW: batch, channels, depth, height, width. */
export type Shape5 = readonly [number, number, number, number, number];
/** NC: batch, features. */
export type Shape2 = readonly [number, number];

/** Options for creating a tensor. */
export interface TensorOptions {
  /** Default `cpu`; `cuda` throws (see {@link requireTensorDevice}). */
  device?: Device;
}

const numelOf = (shape: Shape, what: string): number => {
  let n = 1;
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `${what}: shape[${i}] = ${d} is not a non-negative integer (shape [${shape.join(', ')}])`,
      );
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n) || n > 2 ** 48)
    throw new RangeError(`${what}: shape [${shape.join(', ')}] is too large`);
  return n;
};

/** A float32 tensor. `S` is its shape type: a tuple when the rank is known. */
export class Tensor<S extends Shape = Shape> {
  /** Element type. */
  readonly dtype: DType = 'float32';
  /** Where the data lives; always `cpu` in this version. */
  readonly device: Device = 'cpu';
  /** Dimensions, outermost first. */
  readonly shape: S;
  /** Element count. */
  readonly size: number;
  #data: Float32Array | undefined;
  readonly #native: boolean;

  private constructor(data: Float32Array, shape: S, native: boolean) {
    this.#data = data;
    this.shape = Object.freeze([...shape]) as unknown as S;
    this.size = data.length;
    this.#native = native;
  }

  /**
   * A tensor of zeros in native memory.
   * @throws RangeError for a bad shape; Error for an unavailable device.
   */
  static zeros<const S extends Shape>(shape: S, options: TensorOptions = {}): Tensor<S> {
    requireTensorDevice(options.device ?? 'cpu', 'Tensor.zeros');
    const n = numelOf(shape, 'Tensor.zeros');
    return new Tensor(loadBinding().allocTensor(n), shape, true);
  }

  /**
   * A tensor in native memory holding a copy of `values` (row-major).
   * @throws TypeError when the length does not match the shape.
   */
  static from<const S extends Shape>(
    values: ArrayLike<number>,
    shape: S,
    options: TensorOptions = {},
  ): Tensor<S> {
    requireTensorDevice(options.device ?? 'cpu', 'Tensor.from');
    const n = numelOf(shape, 'Tensor.from');
    if (values.length !== n) {
      throw new TypeError(
        `Tensor.from: ${values.length} values do not fill shape [${shape.join(', ')}] (${n} elements)`,
      );
    }
    const data = loadBinding().allocTensor(n);
    data.set(values);
    return new Tensor(data, shape, true);
  }

  /** A tensor of `value` everywhere, in native memory. */
  static full<const S extends Shape>(shape: S, value: number, options: TensorOptions = {}): Tensor<S> {
    const t = Tensor.zeros(shape, options);
    t.data.fill(value);
    return t;
  }

  /**
   * A tensor over JS-owned `data` without copying. `dispose()` only drops the reference;
   * the garbage collector frees the memory.
   * @throws TypeError when `data` is not a Float32Array or its length does not match the shape.
   */
  static wrap<const S extends Shape>(data: Float32Array, shape: S): Tensor<S> {
    if (!(data instanceof Float32Array))
      throw new TypeError('Tensor.wrap: data must be a Float32Array (float32)');
    const n = numelOf(shape, 'Tensor.wrap');
    if (data.length !== n) {
      throw new TypeError(
        `Tensor.wrap: ${data.length} values do not fill shape [${shape.join(', ')}] (${n} elements)`,
      );
    }
    return new Tensor(data, shape, false);
  }

  /** Adopts a tensor the engine returned (native memory, owned from now on by the Tensor). @internal */
  static adopt(raw: RawTensor): Tensor {
    return new Tensor(raw.data, raw.shape, true);
  }

  /**
   * The elements, row-major (zero-copy).
   * @throws Error when the tensor was disposed.
   */
  get data(): Float32Array {
    if (!this.#data)
      throw new Error(`Tensor [${this.shape.join(', ')}] was disposed; it can no longer be used`);
    return this.#data;
  }

  /** Number of dimensions. */
  get rank(): S['length'] {
    return this.shape.length;
  }

  /** Whether {@link Tensor.dispose} was called. */
  get disposed(): boolean {
    return this.#data === undefined;
  }

  /** Whether the data is in native memory (freed by dispose) rather than JS-owned. */
  get isNative(): boolean {
    return this.#native;
  }

  /** Frees the native memory now (idempotent). Further use of the tensor throws. */
  dispose(): void {
    if (!this.#data) return;
    if (this.#native) loadBinding().releaseTensor(this.#data);
    this.#data = undefined;
  }

  /** A copy in new native memory. */
  clone(): Tensor<S> {
    return Tensor.from(this.data, this.shape);
  }

  /** The same elements under another shape with the same element count (a copy). */
  reshape<const T extends Shape>(shape: T): Tensor<T> {
    const n = numelOf(shape, 'Tensor.reshape');
    if (n !== this.size) {
      throw new TypeError(
        `Tensor.reshape: [${this.shape.join(', ')}] has ${this.size} elements, [${shape.join(', ')}] needs ${n}`,
      );
    }
    return Tensor.from(this.data, shape);
  }

  /** The elements as a plain array (row-major). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The engine's view `{ data, shape }` (zero-copy). @internal */
  raw(): RawTensor {
    return { data: this.data, shape: [...this.shape] };
  }

  /** `Tensor<float32>[2, 3]`. */
  toString(): string {
    return `Tensor<${this.dtype}>[${this.shape.join(', ')}]${this.disposed ? ' (disposed)' : ''}`;
  }
}
