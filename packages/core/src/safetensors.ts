/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`
 * (offsets relative to the data section, which follows), then the data, little-endian,
 * row-major. We write F32 (with names sorted, the header padded with spaces to 8 bytes, as the
 * reference writer does) and read F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL, converting to
 * float32 (PyTorch's batch-norm `num_batches_tracked` is I64). Files are written atomically
 * (temp file, then rename).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { Tensor } from './tensor.js';

/** A decoded file: tensors by name (float32, native memory: dispose them) and the metadata. */
export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const SIZES: Record<string, number> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
/** The safetensors reference limit on the header size. */
const MAX_HEADER = 100_000_000;

/**
 * Encodes float32 tensors (anything with `data` and `shape`) as safetensors bytes.
 * @throws TypeError for an empty name, the reserved name `__metadata__`, or data that does not fill its shape.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    if (!name || name === '__metadata__') throw new TypeError(`safetensors: invalid tensor name '${name}'`);
    const t = tensors[name] as { data: Float32Array; shape: readonly number[] };
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw new TypeError(
        `safetensors: '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`,
      );
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name] as { data: Float32Array };
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i] as number, true);
    at += t.data.length * 4;
  }
  return out;
}

/**
 * Decodes safetensors bytes into float32 tensors.
 * @param what - file name for messages.
 * @throws Error naming the file and the problem: truncated, bad header, unsupported dtype,
 *   offsets that do not match the shape or do not cover the data exactly.
 */
export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors data'): SafetensorsContent {
  const bad = (msg: string): never => {
    throw new Error(`${what}: ${msg}`);
  };
  if (bytes.length < 8)
    bad(`truncated: ${bytes.length} bytes, but a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER))
    bad(`header length ${n} exceeds the ${MAX_HEADER}-byte limit (not a safetensors file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length)
    bad(`truncated: the header needs ${headerLen} bytes, only ${bytes.length - 8} follow`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8'));
  } catch (err) {
    bad(`the header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    bad('the header is not a JSON object');
  const data = bytes.subarray(8 + headerLen);
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null) bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__.${k} must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) bad(`entry '${name}' is not an object`);
    const dtype = String(e.dtype);
    const size = SIZES[dtype];
    if (size === undefined) bad(`'${name}' has dtype ${dtype}; supported: ${Object.keys(SIZES).join(', ')}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`'${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`'${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const shape = e.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== count * (size as number)) {
      bad(
        `'${name}': data_offsets [${begin}, ${end}] do not hold ${count} ${dtype} values of shape [${shape.join(', ')}]`,
      );
    }
    if (end > data.length)
      bad(`truncated: '${name}' ends at data byte ${end}, but the file has only ${data.length} data bytes`);
    entries.push({ name, dtype, shape, begin, end });
  }
  // The reference format requires the tensors to tile the data section exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected)
      bad(`'${e.name}' starts at data byte ${e.begin}, expected ${expected} (gap or overlap)`);
    expected = e.end;
  }
  if (expected !== data.length)
    bad(`${data.length - expected} bytes after the last tensor (corrupt or not safetensors)`);

  const tensors: Record<string, Tensor> = {};
  try {
    for (const e of entries) {
      const t = Tensor.zeros(e.shape);
      const out = t.data;
      const dv = new DataView(data.buffer, data.byteOffset + e.begin, e.end - e.begin);
      for (let i = 0; i < out.length; i++) out[i] = readValue(dv, e.dtype, i);
      tensors[e.name] = t;
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

function readValue(dv: DataView, dtype: string, i: number): number {
  switch (dtype) {
    case 'F32':
      return dv.getFloat32(4 * i, true);
    case 'F64':
      return dv.getFloat64(8 * i, true);
    case 'F16':
      return halfToFloat(dv.getUint16(2 * i, true));
    case 'BF16':
      return new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0] as number;
    case 'I64':
      return Number(dv.getBigInt64(8 * i, true));
    case 'I32':
      return dv.getInt32(4 * i, true);
    case 'I16':
      return dv.getInt16(2 * i, true);
    case 'I8':
      return dv.getInt8(i);
    default: // U8, BOOL
      return dv.getUint8(i);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Writes tensors to `path` atomically: a temporary file in the same directory, flushed, then
 * renamed over `path`, so readers never see a partial file.
 * @throws the file system's error (the temporary file is removed).
 */
export async function saveSafetensors(
  path: string,
  tensors: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Reads a safetensors file (see {@link decodeSafetensors}).
 * @throws Error naming the file when it is missing, truncated or malformed.
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContent> {
  return decodeSafetensors(new Uint8Array(await readFile(path)), path);
}
