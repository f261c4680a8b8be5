/**
 * Whether this machine can run the multi-process tests: the addon must be built (it is when gloo
 * is installed; `npm test` installs libgloo-dev where it can). Otherwise the tests skip, saying why.
 */
import { loadDistributedBinding } from '../../src/binding.js';

function reason(): string | undefined {
  try {
    loadDistributedBinding();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Why the addon cannot load here, or undefined when it can. */
export const unavailable = reason();

/** A describe title that says why its tests are skipped. */
export const title = (what: string): string => (unavailable ? `${what} (skipped: ${unavailable})` : what);
