/**
 * A Levenberg-Marquardt stage of the training loop: each iteration builds the Gauss-Newton system
 * of the loss (jacobian.ts) and takes one damped step (levenberg-marquardt.ts). A strategy with
 * outer rounds (augmented Lagrangian, barrier) gets its round every roundEvery iterations, and
 * also when the steps stop decreasing the loss of the current round: the stage ends only when an
 * objective fresh from a round cannot be decreased at all.
 */
import * as tf from '@tensorflow/tfjs';
import type { StageSpec } from '../spec/index.js';
import { disposeAdamState } from './adam.js';
import { endStage, recordParts, stageReport, type StageContext } from './context.js';
import { flat64, setFlat } from './flat.js';
import { DivergenceError } from './guard.js';
import { LM_START, lmStep } from './levenberg-marquardt.js';
import type { LoopState } from './loop-state.js';

/** Runs the stage from `state`, yielding it after each accepted iteration; returns it after the stage. */
export function* lmStage(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LoopState, void> {
  if (state.adam) {
    disposeAdamState(state.adam);
    state.adam = undefined;
  }
  const { strategy } = ctx;
  const lossAt = (theta: Float64Array) => {
    setFlat(ctx.vars, theta);
    return tf.tidy(() => ctx.evaluate(false).value.dataSync()[0]!);
  };
  let stopReason = 'iteration limit';
  while (state.k < st.iterations) {
    const theta = flat64(ctx.vars);
    const sys = ctx.system();
    if (!Number.isFinite(sys.f)) {
      throw new DivergenceError(
        `training diverged: the loss is ${sys.f} in stage ${state.stage + 1} (levenberg-marquardt). No fields were written. ` +
          'Check that the equations and their coefficients are well scaled.',
      );
    }
    const lm = state.lm ?? LM_START;
    const step = lmStep(sys, theta, lm, st.lr, lossAt);
    state.lmEvaluations = (state.lmEvaluations ?? 0) + step.evaluations + 1;
    setFlat(ctx.vars, step.theta);
    const roundDue = strategy.outerRound !== undefined && strategy.roundEvery?.() !== undefined;
    if (!step.accepted) {
      // A round changes the objective: go on unless the last round's objective already could not move.
      if (roundDue && (state.lmSinceRound ?? 0) > 0) {
        outerRound(ctx, state, true);
        yield state;
        continue;
      }
      stopReason = 'no further decrease possible in float32';
      break;
    }
    state.lm = step.state;
    state.lastTotal = step.f;
    state.done++;
    state.k++;
    state.lmSinceRound = (state.lmSinceRound ?? 0) + 1;
    if (state.done % ctx.recordEvery === 0) recordParts(ctx, state, 'levenberg-marquardt');
    if (roundDue && state.lmSinceRound >= strategy.roundEvery!()!) outerRound(ctx, state, false);
    yield state;
  }
  const report = stageReport(ctx, 'levenberg-marquardt', state.k);
  recordParts(ctx, state, 'levenberg-marquardt');
  endStage(ctx, state, { ...report, evaluations: state.lmEvaluations ?? 0, stopReason });
  state.lm = undefined;
  state.lmEvaluations = undefined;
  state.lmSinceRound = undefined;
  return state;
}

/** The strategy's outer round after the iterations since the last one; the damping starts afresh. */
function outerRound(ctx: StageContext, state: LoopState, converged: boolean): void {
  ctx.strategy.outerRound!(
    { iteration: state.done, vars: ctx.vars, residuals: ctx.residuals },
    state.lmSinceRound ?? 0,
    converged,
  );
  state.lmSinceRound = 0;
  state.lm = LM_START;
  state.lastTotal = tf.tidy(() => ctx.evaluate(false).value.dataSync()[0]!);
}

/** Weights above which a Levenberg-Marquardt iteration (points x weights^2, then weights^3 / 3) takes seconds. */
const LM_SMALL_NETWORK = 2000;

/** A note when a Levenberg-Marquardt stage trains a network too large for it to pay. */
export function lmNotes(stages: StageSpec[], parameters: number): string[] {
  if (!stages.some((s) => s.optimizer === 'levenberg-marquardt') || parameters <= LM_SMALL_NETWORK) return [];
  const gflop = (parameters ** 3 / 3 / 1e9).toPrecision(2);
  return [
    `levenberg-marquardt on ${parameters} weights: each iteration factors a ${parameters} x ${parameters} matrix (${gflop} GFLOP) ` +
      `after summing one per point; it pays on networks of a few hundred weights (docs/accuracy.md)`,
  ];
}
