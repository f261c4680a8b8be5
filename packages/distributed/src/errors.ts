/**
 * The errors of `@deepsc/distributed`.
 * @module
 */

/**
 * A rendezvous or collective failed: a rank did not join in time, a peer was lost or hung, the
 * rendezvous folder was unusable, or the group was destroyed. `rank` names the rank at fault
 * when it is known (a rank that did not join; a rank on this host whose process exited).
 * Once a collective failed the group is unusable: every later call fails with the same cause.
 */
export class DistributedError extends Error {
  override readonly name = 'DistributedError';
  /** The rank at fault, when known. */
  readonly rank?: number;
  /** Whether the failure was a timeout (a rank hung or never came) rather than a broken connection. */
  readonly timedOut: boolean;

  constructor(message: string, options: { rank?: number; timedOut?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.rank !== undefined) this.rank = options.rank;
    this.timedOut = options.timedOut ?? false;
  }
}

/** gloo or this package's addon is missing on this machine; the message says what to install or build. */
export class DistributedUnavailableError extends Error {
  override readonly name = 'DistributedUnavailableError';
}

/** The addon's rejection (an Error with `code` DEEPSC_DISTRIBUTED) as a {@link DistributedError}; others unchanged. */
export function fromNative(err: unknown): unknown {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'DEEPSC_DISTRIBUTED') return err;
  const { rank, timedOut } = err as { rank?: unknown; timedOut?: unknown };
  return new DistributedError(err.message, {
    ...(typeof rank === 'number' ? { rank } : {}),
    timedOut: timedOut === true,
  });
}
