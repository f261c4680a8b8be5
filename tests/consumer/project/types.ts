// A strict TypeScript consumer (tsc --module nodenext --strict, nothing else: no skipLibCheck, no
// `types`, no @types/node of its own) naming types from every published package, including ones
// that public signatures use (Vec3, Mat3, VolumeGrid, SynthGrid, GraphIdentity, CreateOptions).
import type { ExitCode, main } from '@deepsc/cli';
import type {
  CompiledModel,
  CompileOptions,
  CreateOptions,
  GraphBuilder,
  GraphIdentity,
  Tensor,
} from '@deepsc/core';
import type { DistributedUnavailableError, ProcessGroup, ProcessGroupOptions } from '@deepsc/distributed';
import type { SegmentationMetricOptions, Triple } from '@deepsc/eval';
import type { Affine, Mat3, NiftiVolume, SynthGrid, Vec3, Volume, VolumeGrid } from '@deepsc/io';
import type { EngineInfo, EngineStatus, PlatformTarget } from '@deepsc/native';
import type { TrainConfig, TrainResult } from '@deepsc/train';

export interface Everything {
  exit: (typeof ExitCode)[keyof typeof ExitCode];
  run: typeof main;
  model: CompiledModel;
  compile: CompileOptions;
  create: CreateOptions;
  builder: GraphBuilder;
  identity: GraphIdentity;
  tensor: Tensor;
  metrics: SegmentationMetricOptions;
  triple: Triple;
  affine: Affine;
  mat3: Mat3;
  scan: NiftiVolume;
  synth: SynthGrid;
  dims: Vec3;
  volume: Volume<Float32Array>;
  grid: VolumeGrid;
  engine: EngineInfo;
  status: EngineStatus;
  platform: PlatformTarget;
  config: TrainConfig;
  result: TrainResult;
  group: ProcessGroup;
  groupOptions: ProcessGroupOptions;
  noGloo: DistributedUnavailableError;
}

export function describeStatus(s: EngineStatus): string {
  return s.found ? `${s.source} ${s.path} ${s.info.isa}` : `none: ${s.error}`;
}
export const spacing: Vec3 = [1, 1, 2];
