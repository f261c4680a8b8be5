/**
 * Progress of a training run for people: on a terminal a one-line bar redrawn in place (epoch,
 * step, loss, scans per second, ETA); otherwise (CI, a pipe) a plain line every `intervalMs`.
 * @module
 */

/** Where progress goes and how often plain lines are printed. */
export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  /** `auto` (bar on a TTY), `bar`, `lines` or `off`. Default `auto`. */
  style?: 'auto' | 'bar' | 'lines' | 'off';
  /** Minimum time between plain lines; default 10 000 ms. */
  intervalMs?: number;
}

/** What one update reports. */
export interface ProgressUpdate {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Running mean of the loss over the epoch so far. */
  loss: number;
  /** Steps done since the run (or resume) started and the time they took. */
  doneSteps: number;
  elapsedMs: number;
  /** Steps left in the run. */
  remainingSteps: number;
  /** Scans per optimizer step (`training.accumulate`); default 1. */
  scansPerStep?: number;
}

const fmtTime = (ms: number) => {
  if (!Number.isFinite(ms)) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};

/** Formats one progress line (without bar). */
export function progressText(u: ProgressUpdate): string {
  const rate = u.doneSteps > 0 ? u.doneSteps / (u.elapsedMs / 1000) : 0;
  const eta = rate > 0 ? (u.remainingSteps / rate) * 1000 : Number.NaN;
  const scans = rate * (u.scansPerStep ?? 1);
  return `epoch ${u.epoch + 1}/${u.epochs} step ${u.step}/${u.stepsPerEpoch} loss ${u.loss.toFixed(4)} ${scans.toFixed(2)} scans/s ETA ${fmtTime(eta)}`;
}

/** Prints progress as a bar (TTY) or periodic lines. */
export class Progress {
  readonly #stream: NonNullable<ProgressOptions['stream']>;
  readonly #style: 'bar' | 'lines' | 'off';
  readonly #interval: number;
  #last = 0;
  #drawn = false;

  /** @param options - where and how; see {@link ProgressOptions}. */
  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    const style = options.style ?? 'auto';
    this.#style = style === 'auto' ? (this.#stream.isTTY ? 'bar' : 'lines') : style;
    this.#interval = options.intervalMs ?? 10_000;
  }

  /** Reports a step. */
  update(u: ProgressUpdate): void {
    if (this.#style === 'off') return;
    const text = progressText(u);
    if (this.#style === 'bar') {
      const width = 24;
      const frac = u.stepsPerEpoch > 0 ? u.step / u.stepsPerEpoch : 0;
      const filled = Math.round(frac * width);
      this.#stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      this.#drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.#last >= this.#interval || u.step === u.stepsPerEpoch) {
      this.#last = now;
      this.#stream.write(`${text}\n`);
    }
  }

  /** Prints a message on its own line (ending a bar first). */
  log(message: string): void {
    if (this.#style === 'off') return;
    if (this.#drawn) {
      this.#stream.write('\n');
      this.#drawn = false;
    }
    this.#stream.write(`${message}\n`);
  }

  /** Ends the bar's line. */
  end(): void {
    if (this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }
}
