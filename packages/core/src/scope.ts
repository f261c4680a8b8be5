/**
 * Scopes for temporaries: tensors (or anything with `dispose()`) tracked by a scope are
 * disposed when it ends, except those kept. Tracking is explicit, so scopes work across
 * `await` and never capture another task's tensors.
 * @module
 */

/** Anything a scope can dispose. */
export interface Disposable {
  dispose(): void;
}

/** Collects disposables and disposes them together. */
export class Scope {
  #items = new Set<Disposable>();
  #closed = false;

  /**
   * Tracks `item` (returned unchanged), or every value of a record or array of them.
   * @throws Error when the scope has ended.
   */
  track<T extends Disposable | readonly Disposable[] | Readonly<Record<string, Disposable>>>(item: T): T {
    if (this.#closed) throw new Error('Scope.track: the scope has already ended');
    if (isDisposable(item)) this.#items.add(item);
    else for (const v of Object.values(item)) this.#items.add(v as Disposable);
    return item;
  }

  /** Stops tracking `item`, so it outlives the scope. Returns it. */
  keep<T extends Disposable>(item: T): T {
    this.#items.delete(item);
    return item;
  }

  /** Disposes everything tracked (idempotent). */
  dispose(): void {
    this.#closed = true;
    const items = [...this.#items];
    this.#items.clear();
    for (const t of items) t.dispose();
  }
}

function isDisposable(x: unknown): x is Disposable {
  return typeof x === 'object' && x !== null && typeof (x as Disposable).dispose === 'function';
}

/**
 * Runs `fn` with a new scope and disposes what it tracked when `fn` returns or its promise
 * settles (also on errors). What `fn` returns is kept: a tracked disposable, or the tracked
 * values of a returned array or record.
 *
 * @example
 * const loss = await scope(async (s) => {
 *   const x = s.track(Tensor.from(values, [1, 1, 8, 8, 8]));
 *   const out = s.track(await model.forward({ x }));
 *   return out.loss.data[0];
 * });
 */
export function scope<R>(fn: (s: Scope) => R): R {
  const s = new Scope();
  const keepResult = (r: unknown) => {
    if (isDisposable(r)) s.keep(r);
    else if (typeof r === 'object' && r !== null)
      for (const v of Object.values(r)) if (isDisposable(v)) s.keep(v);
  };
  let result: R;
  try {
    result = fn(s);
  } catch (err) {
    s.dispose();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (r) => {
        keepResult(r);
        s.dispose();
        return r;
      },
      (err) => {
        s.dispose();
        throw err;
      },
    ) as R;
  }
  keepResult(result);
  s.dispose();
  return result;
}
