/** Batches of collocation points and residual evaluation, shared by the trainer, the outputs and the shard worker. */
export {
  computeResiduals,
  disposeBatches,
  prepareBatches,
  type TermResiduals,
  type TrainingBatch,
} from './residuals.js';
export { computeResiduals64, type TermResiduals64 } from './residuals64.js';
