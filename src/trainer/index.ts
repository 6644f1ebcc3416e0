/** The training loop: Adam and L-BFGS stages, divergence rollback, keep-best, two-thread loss evaluation, loss history. */
export { type HealthKind, type HealthWarning } from './health.js';
export { type LossHistory } from './history.js';
export { parallelPlan, ShardWorker, splitGroups } from './parallel.js';
export {
  DivergenceError,
  trainSteps,
  type Progress,
  type TrainCheckpoint,
  type TrainOutput,
  type TrainResult,
} from './train.js';
