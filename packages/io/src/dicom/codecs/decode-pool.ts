/**
 * Decoding compressed frames on worker threads: a series of hundreds of JPEG 2000 or JPEG-LS
 * slices decodes in parallel, one frame per message, while the main thread reads the next
 * files.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import { FormatError } from '../../format-error.js';
import { moduleExtension, spawnWorker } from '../../threads/spawn-worker.js';
import type { PixelCodec } from '../transfer-syntax.js';
import type { DecodeReply, DecodeRequest } from './decode-worker.js';
import type { FrameSpec } from './frame-spec.js';

interface Pending {
  resolve: (samples: ArrayLike<number>) => void;
  reject: (err: Error) => void;
  worker: number;
}

/** A pool of worker threads that decode compressed frames. */
export class FrameDecodePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private next = 0;

  /** @param threads - worker threads to start (at least 1). */
  constructor(threads: number) {
    const url = new URL(`./decode-worker${moduleExtension(import.meta.url)}`, import.meta.url);
    this.workers = Array.from({ length: Math.max(1, threads) }, (_, w) => {
      const worker = spawnWorker(url);
      worker.on('message', (reply: DecodeReply) => this.settle(reply));
      worker.on('error', (err) => this.fail(w, err));
      worker.on('exit', (code) => this.fail(w, new Error(`a frame decoder thread exited with code ${code}`)));
      return worker;
    });
    this.load = this.workers.map(() => 0);
  }

  /**
   * Decodes one frame on the least busy thread. `encoded` is copied (the file's buffer stays
   * usable).
   * @returns the stored values, as the codec returns them.
   * @throws FormatError as the codec does (the message kept); Error when a thread dies.
   */
  decode(
    codec: Exclude<PixelCodec, 'native'>,
    encoded: Uint8Array,
    spec: FrameSpec,
  ): Promise<ArrayLike<number>> {
    const id = this.next++;
    const worker = this.load.indexOf(Math.min(...this.load));
    const copy = encoded.slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      this.load[worker] = (this.load[worker] as number) + 1;
      const req: DecodeRequest = { id, codec, encoded: copy, spec };
      this.workers[worker]?.postMessage(req, [copy.buffer as ArrayBuffer]);
    });
  }

  /** Stops the threads; frames still pending are rejected. */
  async close(): Promise<void> {
    const workers = [...this.workers];
    this.workers.length = 0;
    for (const p of this.pending.values()) p.reject(new Error('the frame decoder pool was closed'));
    this.pending.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private settle(reply: DecodeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.load[p.worker] = (this.load[p.worker] as number) - 1;
    if ('samples' in reply) p.resolve(reply.samples);
    else p.reject(reply.format ? new FormatError('dicom', reply.error) : new Error(reply.error));
  }

  private fail(worker: number, err: Error): void {
    if (this.workers.length === 0) return; // closed: exits are expected
    for (const [id, p] of this.pending)
      if (p.worker === worker) {
        this.pending.delete(id);
        p.reject(err);
      }
  }
}
