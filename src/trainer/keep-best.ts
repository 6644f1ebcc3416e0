/**
 * Keep-best: an Adam stage on a fixed objective ends with its lowest-loss parameters. Adam at a fixed
 * learning rate keeps jumping around the minimum, so the last iterate is one random draw of those jumps.
 * The best so far is loop state (LoopState.best): checkpoints hold it and rollbacks restore it.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossEvaluation, PartsRead } from './evaluate.js';
import type { LoopState } from './loop-state.js';
import type { StageReport } from './records.js';

/**
 * Whether to keep the best: asked for (the default) and the objective is fixed, so that losses at
 * different iterations are comparable: no resampling, no strategy state.
 */
export function keepsBest(asked: boolean | undefined, resampling: boolean, strategyState: unknown): boolean {
  const stateless =
    strategyState === undefined ||
    (typeof strategyState === 'object' && strategyState !== null && Object.keys(strategyState).length === 0);
  return (asked ?? true) && !resampling && stateless;
}

/** Offers the loss `f` of the current parameters (before this iteration's update): kept when lowest so far. */
export function offerBest(state: LoopState, f: number, vars: tf.Variable[]): void {
  if (state.best && !(f < state.best.loss)) return;
  dropBest(state);
  state.best = { loss: f, done: state.done, weights: vars.map((v) => tf.keep(tf.clone(v))) };
}

/** offerBest for parameters copied at iteration `done` (deferred loss reads): `copy` is kept, or freed. */
export function offerBestCopy(state: LoopState, f: number, done: number, copy: tf.Tensor[]): void {
  if (state.best && !(f < state.best.loss)) {
    tf.dispose(copy);
    return;
  }
  dropBest(state);
  state.best = { loss: f, done, weights: copy };
}

/**
 * At the end of an Adam stage: the last update's parameters were never evaluated, so compares them with
 * the best and keeps the lower (a non-finite last loss loses); records the choice in `state` and `report`.
 */
export function settleBest(
  state: LoopState,
  vars: tf.Variable[],
  evaluate: (readParts: PartsRead) => LossEvaluation,
  report: StageReport,
): void {
  const best = state.best!;
  const last = tf.tidy(() => evaluate(true));
  const lastLoss = last.value.dataSync()[0]!;
  last.value.dispose();
  tf.dispose(last.grads);
  if (best.loss < lastLoss || !Number.isFinite(lastLoss)) {
    vars.forEach((v, i) => v.assign(best.weights[i]!));
    state.lastTotal = best.loss;
    tf.tidy(() => {
      state.lastParts = evaluate(true).parts!;
    });
    report.best = { iteration: best.done, loss: best.loss, lastLoss };
  } else {
    state.lastTotal = lastLoss;
    state.lastParts = last.parts!;
  }
  dropBest(state);
}

function dropBest(state: LoopState): void {
  if (state.best) tf.dispose(state.best.weights);
  state.best = undefined;
}
