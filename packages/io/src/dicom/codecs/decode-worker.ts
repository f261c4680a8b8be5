/**
 * A worker thread of {@link FrameDecodePool}: decodes the compressed frames it is sent and
 * posts back their stored values (the buffer transferred, not copied).
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { FormatError } from '../../format-error.js';
import type { PixelCodec } from '../transfer-syntax.js';
import type { FrameSpec } from './frame-spec.js';
import { frameDecoder } from './load.js';

/** A frame to decode. */
export interface DecodeRequest {
  id: number;
  codec: Exclude<PixelCodec, 'native'>;
  encoded: Uint8Array;
  spec: FrameSpec;
}

/** The decoded values, or why the frame could not be decoded. */
export type DecodeReply =
  | { id: number; samples: Uint8Array | Int8Array | Uint16Array | Uint32Array }
  | { id: number; error: string; format: boolean };

const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread');
port.on('message', async (req: DecodeRequest) => {
  try {
    const decode = await frameDecoder(req.codec);
    const out = decode(req.encoded, req.spec);
    // every decoder returns a typed array of its own (never a view into the request)
    const samples = ArrayBuffer.isView(out) ? (out as Uint8Array) : Uint32Array.from(out);
    port.postMessage({ id: req.id, samples } satisfies DecodeReply, [samples.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: DecodeReply = {
      id: req.id,
      error: err instanceof Error ? err.message : String(err),
      format: err instanceof FormatError,
    };
    port.postMessage(reply);
  }
});
