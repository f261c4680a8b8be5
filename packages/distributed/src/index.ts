/**
 * `@deepsc/distributed`: data-parallel training over gloo. {@link initProcessGroup} joins a
 * group (file-store rendezvous, TCP between ranks); the group's collectives (all-reduce,
 * broadcast, barrier) run on a thread of their own; {@link ProcessGroup.attachGradients} hooks
 * the engine's backward so gradients are averaged over the ranks in buckets as they are produced.
 * @module
 */
export {
  addonPathVariable,
  type DistributedBinding,
  loadDistributedBinding,
  loadedAddonPath,
  type NativeGroupOptions,
  type NativeProcessGroup,
} from './binding.js';
export { DistributedError, DistributedUnavailableError } from './errors.js';
export {
  type AllReduceOptions,
  type AttachOptions,
  defaultBucketBytes,
  defaultFirstBucketBytes,
  initProcessGroup,
  ProcessGroup,
  type ProcessGroupOptions,
  type Rendezvous,
} from './process-group.js';
