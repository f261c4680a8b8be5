/**
 * Reading a stream only as far as its own header says: a file format whose header states how
 * many bytes follow (NIfTI's dims and datatype) is read, and decompressed, to exactly that size
 * and no further, however much more the stream would give (a gzip bomb, a device, a 4D file
 * of which one volume is wanted).
 * @module
 */

/** How far to read: decided from the first bytes of the stream. */
export interface PrefixPlan {
  /**
   * The total number of bytes wanted, judged from the bytes seen so far (`head`, from the start
   * of the stream); `undefined` while more are needed to tell. It may throw to refuse the stream
   * (a RangeError for a size over a limit, say). Called again as data arrives until it answers.
   */
  size(head: Uint8Array): number | undefined;
  /** The most bytes held before `size` has answered (a RangeError beyond); default 1 MiB. */
  readonly maxUndecided?: number;
  /**
   * After the wanted size, read on up to this many bytes to reach the end of the stream, so a
   * container's trailer (gzip's checksum) is still verified for an exactly sized file; default 0.
   * Reading stops at the limit without error.
   */
  readonly slack?: number;
  /** How to name the stream in messages; default `data`. */
  readonly what?: string;
}

/** What {@link readPrefix} read. */
export interface Prefix {
  /** The wanted bytes, or fewer when the stream ended first (the caller reports the truncation). */
  readonly bytes: Uint8Array;
  /** The size the plan asked for (`undefined` when the stream ended before the plan could tell). */
  readonly wanted: number | undefined;
  /** True when the stream ended (within the slack); false when reading stopped with more to come. */
  readonly ended: boolean;
}

const DEFAULT_MAX_UNDECIDED = 1 << 20;

/**
 * Consumes `chunks` until the plan's size is reached (plus the slack, if the stream ends
 * within it) or the stream ends; stops the stream early (ending the iteration cancels it, as
 * `break` in `for await` does). Memory is the wanted size plus one chunk.
 *
 * @throws whatever `plan.size` or the stream throws; RangeError when more than
 * `maxUndecided` bytes arrive before the plan can tell the size.
 */
export async function readPrefix(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  plan: PrefixPlan,
): Promise<Prefix> {
  const maxUndecided = plan.maxUndecided ?? DEFAULT_MAX_UNDECIDED;
  const slack = plan.slack ?? 0;
  let head = new Uint8Array(0);
  let held = 0;
  let wanted: number | undefined;
  let out: Uint8Array | undefined;
  let filled = 0;
  let extra = 0;
  for await (const chunk of chunks) {
    if (out === undefined) {
      if (held + chunk.length > head.length) {
        const grown = new Uint8Array(Math.max(held + chunk.length, 2 * head.length));
        grown.set(head.subarray(0, held));
        head = grown;
      }
      head.set(chunk, held);
      held += chunk.length;
      wanted = plan.size(head.subarray(0, held));
      if (wanted === undefined) {
        if (held > maxUndecided)
          throw new RangeError(
            `${plan.what ?? 'data'}: ${held} bytes read and the size is still unknown (limit ${maxUndecided})`,
          );
        continue;
      }
      if (!(Number.isSafeInteger(wanted) && wanted >= 0))
        throw new RangeError(`${plan.what ?? 'data'}: wanted size ${wanted} is not a byte count`);
      out = new Uint8Array(wanted);
      filled = Math.min(held, wanted);
      out.set(head.subarray(0, filled));
      extra = held - filled;
      head = new Uint8Array(0);
    } else if (filled < out.length) {
      const take = Math.min(chunk.length, out.length - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      extra += chunk.length - take;
    } else {
      extra += chunk.length;
    }
    if (filled === out.length && extra > slack) return { bytes: out, wanted, ended: false };
  }
  if (out === undefined) return { bytes: head.subarray(0, held), wanted: undefined, ended: true };
  return { bytes: out.subarray(0, filled), wanted, ended: true };
}
