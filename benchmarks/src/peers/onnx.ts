/**
 * Times onnxruntime-node's Conv forward (inference only: it has no training kernels) on one
 * layer, with `threads` intra-op threads.
 * @module
 */
import * as ort from 'onnxruntime-node';
import { randomTensor } from '../kernels/conv3d-deepsc.js';
import { type ConvLayer, outSize } from '../layers.js';
import { type Repeats, timeRunsAsync } from '../stats.js';
import { convModel } from './onnx-model.js';

/** Milliseconds of each timed forward run. */
export async function timeOnnxForward(l: ConvLayer, threads: number, r: Repeats): Promise<number[]> {
  const w = randomTensor([l.K, l.C / l.groups, ...l.k], 2);
  const b = randomTensor([l.K], 3);
  const model = convModel(l, w.data, b.data, [l.N, l.K, ...outSize(l)]);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    const x = randomTensor([l.N, l.C, ...l.in], 1);
    const feeds = { x: new ort.Tensor('float32', x.data, x.shape) };
    return await timeRunsAsync(() => session.run(feeds), r);
  } finally {
    await session.release();
  }
}
