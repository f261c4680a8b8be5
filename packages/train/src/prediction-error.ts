/**
 * The error of a prediction that would not be honest: a scan the network cannot read as a CT
 * volume (non-finite voxels, fewer voxels than the network needs, an implausible voxel size)
 * or a network output that is not a number. The CLI reports it as bad data (exit code 3).
 * @module
 */

/** A scan that cannot be predicted, or a prediction that is not finite. The message gives the numbers. */
export class PredictionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictionError';
  }
}
