/**
 * DeepSC-COVID as the stack sees it: the {@link ModelSpec} this package exports as `model`,
 * through which `@deepsc/train`, the inferer, the CLI (`--model deepsc-covid`) and the study
 * runner train, predict with and evaluate it. Each member wraps this package's own functions
 * (`createDeepScCovid`, `trainingStep`, `predict`, ...) and changes no computation: a step or
 * a prediction through the spec is bitwise the direct call's.
 * @module
 */
import type {
  GridVolume,
  ModelInstance,
  ModelPrediction,
  ModelPredictOptions,
  ModelSpec,
  ModelStepOptions,
  ModelStepResult,
  ModelTasks,
} from '@deepsc/core';
import { windowBatchOf } from '@deepsc/core';
import { CLASS_NAMES } from './config.js';
import { forwardFlopsPerScan } from './forward-flops.js';
import { createDeepScCovid, type DeepScCovidNetwork } from './network.js';
import { paperGroups } from './optimizer-groups.js';
import { predict } from './predict.js';
import { PRESETS } from './presets.js';
import { type DeepScCovidModelConfig, resolveTrainingConfig } from './training-config.js';
import { type TrainingBatch, trainingStep } from './training-step.js';
import { CLASS_LABELS, scanGridOf, twoStreamBatch } from './two-stream-batch.js';
import { hasClassifier, hasSegmentation } from './variant.js';
import { version } from './version.js';

/** A built DeepSC-COVID: the stack's view (`config`, `model`) and the network itself. */
export interface DeepScCovidInstance extends ModelInstance<DeepScCovidModelConfig> {
  /** The network as this package's functions take it. */
  readonly network: DeepScCovidNetwork;
}

/** The class list of the classifier, each with the manifest label of its scans. */
const CLASSES = CLASS_NAMES.map((name, i) => ({ name, label: CLASS_LABELS[i] as string }));

/** DeepSC-COVID's model spec: the stack's interface over its network and two-stream batches. */
export type DeepScCovidSpec = ModelSpec<DeepScCovidModelConfig, DeepScCovidInstance, TrainingBatch>;

/** DeepSC-COVID's model spec (registry name `deepsc-covid`). */
export const model: DeepScCovidSpec = {
  name: 'deepsc-covid',
  version,
  description:
    'DeepSC-COVID: joint 3D lesion segmentation and COVID-19 / CAP / normal classification of chest CT (two streams, cross-stitch units, task-aware loss)',
  presets: Object.keys(PRESETS),

  resolveConfig: resolveTrainingConfig,

  tasks(config): ModelTasks {
    const v = config.network.variant;
    return {
      ...(hasClassifier(v) ? { classes: CLASSES } : {}),
      segmentation: hasSegmentation(v),
      maps: hasClassifier(v) ? ['evidence'] : [],
    };
  },

  scanGrid: (config) => scanGridOf(config.network),

  // predict resamples any image to its grids, but a scan with fewer voxels along an axis than
  // the whole-scan stream's coarsest feature grid has cells holds less than one cell of evidence
  // there: refused (as before the model interface), [i, j, k] = [W, H, D] of that grid
  minimumInput: (config) => {
    const [d, h, w] = config.network.wholeGrids[3];
    return [w, h, d];
  },

  optimizer: (config, optimizer) => paperGroups(config.network.variant, optimizer),

  // a window batch feeds B patches beside B copies of the whole scan; the joint variants' region
  // matrices are one per batch (one patch region), so their windows (each its own region) run one
  // at a time; a classification-only network has one window
  maxWindowBatch: (config) => (!hasClassifier(config.network.variant) ? Number.POSITIVE_INFINITY : 1),

  create(config, options): DeepScCovidInstance {
    const train = options.mode === 'train';
    const windowBatch = windowBatchOf(options, 'deepsc-covid', {
      max: model.maxWindowBatch?.(config) ?? 1,
      why: `variant ${config.network.variant}: ${
        hasSegmentation(config.network.variant)
          ? 'its graph takes one patch region per batch, and each window has its own'
          : 'its one window is the whole scan'
      }`,
    });
    // an inference network is compiled for its window batch (predict's), not the training batch
    const network = createDeepScCovid(train ? config.network : { ...config.network, batch: windowBatch }, {
      seed: options.seed,
      mode: options.mode,
      device: options.device,
      ...(options.precision ? { precision: options.precision } : {}),
      // a training network given no optimizer trains with the paper's (createDeepScCovid's default)
      ...(train ? (options.optimizer ? { optimizer: options.optimizer } : {}) : { optimizer: null }),
      // the loss's options are compiled into a training network's graph
      ...(train ? { lossOptions: config.loss } : {}),
      ...(options.memoryPlan ? { memoryPlan: options.memoryPlan } : {}),
    });
    return { config, model: network.model, network };
  },

  makeBatch: (net, scan, sampling, random) => twoStreamBatch(net.network.config, scan, sampling, random),

  async trainingStep(net, batch, options: ModelStepOptions = {}): Promise<ModelStepResult> {
    const r = await trainingStep(net.network, batch, {
      ...(options.step !== undefined ? { step: options.step } : {}),
      ...(options.gradients !== undefined ? { gradients: options.gradients } : {}),
      ...(options.syncGradients !== undefined ? { syncGradients: options.syncGradients } : {}),
    });
    const { mse, ...scalars } = r.loss.terms;
    return {
      loss: r.loss.total,
      // the metrics log's names: the total, each scalar term, the three levels' MSE
      terms: { loss: r.loss.total, ...scalars, mse1: mse[0], mse2: mse[1], mse3: mse[2] },
      ...(r.report ? { report: r.report } : {}),
    };
  },

  async predict(
    net,
    image: GridVolume<Float32Array>,
    options: ModelPredictOptions = {},
  ): Promise<ModelPrediction> {
    const [ni, nj, nk] = image.dims;
    // the grid's [i, j, k] with i fastest is the network's [D, H, W] = [k, j, i], W fastest
    const p = await predict(
      net.network,
      { data: image.data, shape: [nk, nj, ni] },
      {
        ...(options.overlap !== undefined ? { overlap: options.overlap } : {}),
        ...(options.onWindow ? { onWindow: options.onWindow } : {}),
      },
    );
    return {
      probabilities: p.classProbabilities ?? [],
      ...(p.lesion ? { lesion: p.lesion.data } : {}),
      ...(p.evidence ? { maps: { evidence: p.evidence.data } } : {}),
    };
  },

  forwardFlopsPerScan: (config) => forwardFlopsPerScan(config.network).perScan,
};
