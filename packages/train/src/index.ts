/**
 * @deepsc/train: Trainer, schedules, checkpoints with exact resume, and logging for DeepSC-COVID.
 * @packageDocumentation
 */
export const version = '0.1.0';
