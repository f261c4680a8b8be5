/**
 * Parsing a DICOM Part 10 file into a dicom-parser dataset, with every failure of the parser
 * (which throws strings, plain objects and TypeErrors) turned into a FormatError that says what
 * is wrong.
 * @module
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { FormatError } from '../format-error.js';

/** A parsed dataset (dicom-parser's). */
export type DataSet = ReturnType<typeof dicomParser.parseDicom>;

const DICM_OFFSET = 128;

/** True when the bytes carry the DICOM Part 10 preamble marker `DICM` at offset 128. */
export function isDicomPart10(bytes: Uint8Array): boolean {
  return (
    bytes.length >= DICM_OFFSET + 4 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/**
 * The text of anything dicom-parser throws: a string, an Error, or `{ exception, dataSet }`
 * (a parse that failed part way), unwrapped.
 */
export function parserMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err)
    return parserMessage((err as { exception: unknown }).exception);
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** Says what a parser message means for the user: most are a truncated file. */
function explain(message: string, length: number): string {
  return /past end|end of buffer|buffer overrun|cannot be greater than or equal to|missing required meta header|outside the bounds/i.test(
    message,
  )
    ? `it ends inside an element: truncated (${length} bytes)? (${message})`
    : message;
}

/**
 * Parses a DICOM Part 10 file with dicom-parser.
 * @param bytes - the file.
 * @param what - its name for messages.
 * @param maxBytes - cap on the inflated size of a deflated dataset.
 * @throws FormatError when it is not DICOM or cannot be parsed (naming the file and why);
 * RangeError when a deflated dataset inflates past `maxBytes`.
 */
export function parseDicomBytes(bytes: Uint8Array, what: string, maxBytes: number): DataSet {
  if (!isDicomPart10(bytes))
    throw new FormatError('dicom', `${what}: not a DICOM Part 10 file (no "DICM" marker at byte 128)`);
  try {
    return dicomParser.parseDicom(bytes, {
      // The deflated transfer syntax compresses everything after the file meta information.
      inflater: ((arr: Uint8Array, position: number) => {
        const body = inflateRawSync(arr.subarray(position), {
          maxOutputLength: Math.min(maxBytes, 2 ** 32 - 1),
        });
        const out = new Uint8Array(position + body.length);
        out.set(arr.subarray(0, position));
        out.set(body, position);
        return out;
      }) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (err) {
    const inner =
      err && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown }).exception : err;
    const e = inner as NodeJS.ErrnoException;
    if (e && typeof e === 'object' && (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)) {
      throw new RangeError(`${what}: the deflated dataset inflates to more than maxBytes ${maxBytes}`);
    }
    throw new FormatError(
      'dicom',
      `${what}: not a readable DICOM file: ${explain(parserMessage(err), bytes.length)}`,
    );
  }
}

/**
 * Runs `fn`, turning anything dicom-parser throws on malformed data (strings, TypeErrors) into
 * a FormatError naming the file; FormatError and RangeError pass through.
 */
export function guardDicom<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FormatError || err instanceof RangeError) throw err;
    throw new FormatError('dicom', `${what}: malformed DICOM attributes (${parserMessage(err)})`);
  }
}

/** The dataset of item `index` of sequence `tag`, if present. */
export function sequenceItem(ds: DataSet | undefined, tag: string, index = 0): DataSet | undefined {
  return ds?.elements[tag]?.items?.[index]?.dataSet;
}

/** `(gggg,eeee)` of a dicom-parser tag `xggggeeee`, for messages. */
export function tagName(tag: string): string {
  return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
}

/**
 * `n` decimal-string numbers of an attribute.
 * @throws FormatError naming the attribute when it is missing, short or not finite.
 */
export function decimals(
  ds: DataSet | undefined,
  tag: string,
  n: number,
  name: string,
  what: string,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds?.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) {
      throw new FormatError(
        'dicom',
        `${what}: ${name} ${tagName(tag)} is missing or has fewer than ${n} numbers`,
      );
    }
    out.push(v);
  }
  return out;
}
