/**
 * Progress of `deepsc predict` for people at a terminal: one line on stderr redrawn in place
 * (scan i of n, its name, windows done of its total, as a bar), cleared before anything else is
 * printed. Off when stderr is not a terminal (a pipe, a log, CI): the per-scan summary lines
 * say what happened there.
 * @module
 */

/** Where the bar goes: a stream that may be a terminal. */
export interface ProgressStream {
  write(s: string): boolean;
  readonly isTTY?: boolean;
}

/** The progress line of `deepsc predict`. */
export class PredictProgress {
  readonly #stream: ProgressStream;
  readonly #on: boolean;
  #drawn = false;
  #scan = '';

  /** @param stream - default process.stderr; the bar is drawn only when it is a TTY. */
  constructor(stream: ProgressStream = process.stderr) {
    this.#stream = stream;
    this.#on = stream.isTTY === true;
  }

  /** A scan starts: scan `index` (1-based) of `total`, named `name`. */
  scan(index: number, total: number, name: string): void {
    this.#scan = `scan ${index}/${total} ${name}`;
    this.#draw(this.#scan);
  }

  /** A window of the current scan is done. */
  window(done: number, total: number): void {
    const width = 20;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    this.#draw(`${this.#scan} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] windows ${done}/${total}`);
  }

  /** Clears the line, so that a message can be printed on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  #draw(text: string): void {
    if (!this.#on) return;
    this.#stream.write(`\r${text}\x1b[K`);
    this.#drawn = true;
  }
}
