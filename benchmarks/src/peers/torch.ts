/**
 * Drives the PyTorch peer (`peers/torch_conv3d.py`, Debian's /usr/bin/python3 with torch 1.13
 * and oneDNN) as a child process that answers one JSON line per layer, so PyTorch and DeepSC
 * are timed alternately, layer by layer, in one run.
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConvPass } from '../kernels/conv3d-deepsc.js';
import type { ConvLayer } from '../layers.js';
import type { Repeats } from '../stats.js';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'peers', 'torch_conv3d.py');

/** What the peer reports about itself. */
export interface TorchInfo {
  threads: number;
  torch: string;
  mkldnn: boolean;
}

/** A running PyTorch peer. */
export class TorchPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';

  private constructor(python: string) {
    this.proc = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
  }

  /**
   * Starts the peer with `threads` intra-op threads.
   * @throws Error when python or torch is missing (the message carries the peer's stderr).
   */
  static async start(
    threads: number,
    python = '/usr/bin/python3',
  ): Promise<{ peer: TorchPeer; info: TorchInfo }> {
    const peer = new TorchPeer(python);
    const info = (await peer.ask({ threads })) as unknown as TorchInfo;
    return { peer, info };
  }

  private ask(req: object): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(
          new Error(`PyTorch peer exited (${code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`),
        );
      this.proc.once('exit', onExit);
      this.pending.push((line) => {
        this.proc.off('exit', onExit);
        const res = JSON.parse(line) as Record<string, unknown>;
        if (typeof res.error === 'string') reject(new Error(`PyTorch peer: ${res.error}`));
        else resolve(res);
      });
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Milliseconds of each timed run, per pass. */
  async time(l: ConvLayer, passes: readonly ConvPass[], r: Repeats): Promise<Record<ConvPass, number[]>> {
    const res = await this.ask({ ...l, passes, warmup: r.warmup, repeats: r.repeats });
    return res as unknown as Record<ConvPass, number[]>;
  }

  /** Ends the child process. */
  close(): void {
    this.proc.stdin.end();
    this.lines.close();
  }
}
