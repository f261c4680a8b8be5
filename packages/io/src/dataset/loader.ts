/**
 * The training data loader: preprocesses scans on worker threads ahead of the consumer, caches
 * the results on disk, and holds at most `prefetch` scans ahead, so training does not wait on
 * IO and memory stays bounded.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { removeStaleAtomicTemporaries } from '../fs/atomic-write.js';
import { checkWorkerCount } from '../threads/limits.js';
import { moduleExtension, spawnWorker } from '../threads/spawn-worker.js';
import { type LoadReply, type LoadRequest, loadOne } from './load-one.js';
import {
  checkPreprocessOptions,
  type PreparedScan,
  type PreprocessOptions,
  type ScanFiles,
} from './prepare.js';
import { scanFailureError } from './scan-failure.js';

/** The most scans a loader may hold ahead of its consumer (each is a whole preprocessed volume). */
export const MAX_PREFETCH = 64;

/** Options of {@link ScanLoader}. */
export interface LoaderOptions {
  /** Preprocessing; see {@link PreprocessOptions}. */
  readonly preprocess?: PreprocessOptions;
  /** Cache folder; default none (every epoch preprocesses again). */
  readonly cacheDir?: string;
  /** Worker threads, at most `MAX_WORKER_THREADS` (64); default min(2, available parallelism - 1, at least 1). 0 loads in this thread (still asynchronously). */
  readonly workers?: number;
  /** Scans requested ahead of the consumer (in flight or ready), 1..{@link MAX_PREFETCH}; default 2. Bounds memory to about `prefetch + 1` scans. */
  readonly prefetch?: number;
}

/** Counters of a loader. */
export interface LoaderStats {
  /** Scans requested from the workers so far (at most `loaded + prefetch` at any time). */
  requested: number;
  cacheHits: number;
  cacheMisses: number;
  loaded: number;
}

/**
 * Loads preprocessed scans in a chosen order with prefetching.
 *
 * @example
 * const loader = new ScanLoader(manifest.entries, { cacheDir: '.cache', preprocess: { shape: [128, 128, 48] } });
 * for await (const scan of loader.iterate(order)) train(scan);
 * await loader.close();
 */
export class ScanLoader {
  /** Requests, cache hits and misses, and scans delivered so far. */
  readonly stats: LoaderStats = { requested: 0, cacheHits: 0, cacheMisses: 0, loaded: 0 };
  private readonly scans: readonly ScanFiles[];
  private readonly options: PreprocessOptions;
  private readonly cacheDir: string | undefined;
  private readonly prefetch: number;
  private readonly workerCount: number;
  private workers: Worker[] | undefined;
  private readonly idle: Worker[] = [];
  private readonly queue: LoadRequest[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: LoadReply) => void; reject: (e: Error) => void }
  >();
  private nextReq = 0;
  private closed = false;
  /** Requests not yet answered (queued, on a worker, or loading in this thread). */
  private readonly inflight = new Set<Promise<LoadReply>>();
  private swept: Promise<void> | undefined;

  /**
   * @param scans - the scans (for example a manifest's entries).
   * @param options - see {@link LoaderOptions}.
   * @throws RangeError for bad options (workers beyond `MAX_WORKER_THREADS`, prefetch beyond
   * {@link MAX_PREFETCH}).
   */
  constructor(scans: readonly ScanFiles[], options: LoaderOptions = {}) {
    this.scans = scans;
    this.options = options.preprocess ?? {};
    checkPreprocessOptions(this.options);
    this.cacheDir = options.cacheDir;
    this.prefetch = options.prefetch ?? 2;
    this.workerCount = options.workers ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1 || this.prefetch > MAX_PREFETCH)
      throw new RangeError(
        `ScanLoader: prefetch must be an integer in 1..${MAX_PREFETCH}, got ${options.prefetch}`,
      );
    checkWorkerCount(this.workerCount, 'ScanLoader: workers');
  }

  /**
   * Yields the scans at `order` (indices into the scan list; default all in list order), keeping
   * up to `prefetch` requests ahead.
   * @throws when a scan fails to load, naming it: FormatError for a corrupt, unsupported or
   * oversized file (or a pipe or device), GridMismatchError for a mask off the image's grid, the
   * system error (with its `code` and path) for a failed read, Error for anything else;
   * RangeError for an index out of range.
   */
  async *iterate(order?: readonly number[]): AsyncGenerator<PreparedScan> {
    if (this.closed) throw new Error('ScanLoader: iterate() after close()');
    const idx = order ?? this.scans.map((_, i) => i);
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= this.scans.length)
        throw new RangeError(`ScanLoader: order holds ${i}, outside 0..${this.scans.length - 1}`);
    }
    const ahead: Promise<LoadReply>[] = [];
    let sent = 0;
    const fill = () => {
      while (ahead.length < this.prefetch && sent < idx.length) {
        const p = this.request(this.scans[idx[sent++] as number] as ScanFiles);
        this.stats.requested++;
        p.catch(() => undefined); // awaited in order below; this stops an early break from leaving it unhandled
        ahead.push(p);
      }
    };
    fill();
    while (ahead.length > 0) {
      const reply = await (ahead.shift() as Promise<LoadReply>);
      fill();
      if (!reply.ok) throw scanFailureError(reply.error);
      if (reply.cacheHit) this.stats.cacheHits++;
      else if (this.cacheDir) this.stats.cacheMisses++;
      this.stats.loaded++;
      yield reply.scan;
    }
  }

  /**
   * Stops the loader: requests not started are dropped, the scans being loaded are let finish
   * (so no cache file is left half-written, even when the consumer stopped on an error), then
   * the workers stop. Safe to call twice.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.queue.splice(0)) {
      this.waiting.get(r.req)?.reject(new Error('ScanLoader closed'));
      this.waiting.delete(r.req);
    }
    await Promise.allSettled([...this.inflight]);
    const ws = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private request(files: ScanFiles): Promise<LoadReply> {
    const req: LoadRequest = {
      req: this.nextReq++,
      files,
      options: this.options,
      ...(this.cacheDir ? { cacheDir: this.cacheDir } : {}),
    };
    const p = this.sweepOnce().then(() => this.dispatch(req));
    this.inflight.add(p);
    const forget = () => void this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Before the first load: removes the partial cache files of killed processes (not this one's, nor live ones'). */
  private sweepOnce(): Promise<void> {
    this.swept ??= this.cacheDir
      ? removeStaleAtomicTemporaries(this.cacheDir).then(() => undefined)
      : Promise.resolve();
    return this.swept;
  }

  private dispatch(req: LoadRequest): Promise<LoadReply> {
    if (this.closed) return Promise.reject(new Error('ScanLoader closed'));
    if (this.workerCount === 0) return loadOne(req);
    this.startWorkers();
    return new Promise<LoadReply>((resolve, reject) => {
      this.waiting.set(req.req, { resolve, reject });
      this.queue.push(req);
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      w.ref(); // busy workers keep the process alive; idle ones do not hold it open
      w.postMessage(this.queue.shift());
    }
  }

  private startWorkers(): void {
    if (this.workers) return;
    const url = new URL(`./loader-worker${moduleExtension(import.meta.url)}`, import.meta.url);
    this.workers = Array.from({ length: this.workerCount }, () => {
      const w = spawnWorker(url);
      w.unref();
      w.on('message', (r: LoadReply) => {
        const h = this.waiting.get(r.req);
        this.waiting.delete(r.req);
        w.unref();
        this.idle.push(w);
        this.pump();
        h?.resolve(r);
      });
      w.on('error', (e) => this.failAll(new Error(`ScanLoader: a worker failed: ${e.message}`)));
      return w;
    });
    this.idle.push(...this.workers);
  }

  private failAll(e: Error): void {
    for (const h of this.waiting.values()) h.reject(e);
    this.waiting.clear();
  }
}
