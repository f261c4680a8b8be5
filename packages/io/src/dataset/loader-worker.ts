/**
 * Worker thread of {@link ScanLoader}: reads a scan from the cache or preprocesses it (and
 * fills the cache), then transfers the typed arrays back without copying.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { type LoadReply, type LoadRequest, loadOne } from './load-one.js';
import { describeScanFailure } from './scan-failure.js';

parentPort?.on('message', (req: LoadRequest) => {
  loadOne(req).then(
    (reply: LoadReply) => {
      const transfer = reply.ok
        ? [
            reply.scan.image.data.buffer,
            ...(reply.scan.lesion ? [reply.scan.lesion.data.buffer] : []),
            ...(reply.scan.lung ? [reply.scan.lung.data.buffer] : []),
          ]
        : [];
      parentPort?.postMessage(reply, transfer as ArrayBuffer[]);
    },
    (err: unknown) =>
      parentPort?.postMessage({
        req: req.req,
        ok: false,
        error: describeScanFailure(req.files.id, err),
      } satisfies LoadReply),
  );
});
