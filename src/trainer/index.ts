/** The training loop: Adam, L-BFGS and Levenberg-Marquardt stages, divergence rollback, keep-best, two-thread loss evaluation, loss history. */
export { type HealthKind, type HealthWarning } from './health.js';
export { type LossHistory } from './history.js';
export { lmNotes } from './lm-stage.js';
export { precisionPlan, type PrecisionPlan } from './float64.js';
export { parallelPlan, ShardWorker, splitGroups } from './parallel.js';
export {
  DivergenceError,
  trainSteps,
  type Progress,
  type TrainCheckpoint,
  type TrainOutput,
  type TrainResult,
} from './train.js';
