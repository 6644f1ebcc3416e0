/**
 * A Levenberg-Marquardt stage of the training loop: each iteration builds the Gauss-Newton system
 * of the loss (jacobian.ts) and takes one damped step (levenberg-marquardt.ts). Each system is
 * built afresh, so the strategy's state may move between iterations as under Adam: after each
 * accepted step it gets afterIteration (causal weights, adaptive weights, multiplier rounds on
 * their schedule). A strategy with outer rounds also gets one when the steps stop decreasing the
 * current objective: the stage ends only when an objective fresh from a round cannot be decreased.
 * A stage after others that stops far above a solution (trainer/health.ts) starts once more from
 * the run's initial weights with the iterations it has left, and ends with the lower of the two:
 * a first-order stage before it can leave the network where the Gauss-Newton steps cannot move
 * (a driven Helmholtz problem: Adam took a one-layer network to a near-constant field, L2 4.0;
 * from the initial weights 8.5e-6).
 */
import * as tf from '@tensorflow/tfjs';
import type { StageSpec } from '../spec/index.js';
import { disposeAdamState } from './adam.js';
import { endStage, recordParts, stageReport, type StageContext } from './context.js';
import { flat64, setFlat } from './flat.js';
import { DivergenceError } from './guard.js';
import { stopReasonText } from './lbfgs.js';
import { quadraticLoss, type GaussNewtonSystem } from './jacobian.js';
import { LM_START, lmStep } from './levenberg-marquardt.js';
import { farAboveSolution } from './health.js';
import { assignWeights, readWeights, type LoopState } from './loop-state.js';
import type { StageReport } from './records.js';

/** Runs the stage from `state`, yielding it after each accepted iteration; returns it after the stage. */
export function* lmStage(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LoopState, void> {
  if (state.adam) {
    disposeAdamState(state.adam);
    state.adam = undefined;
  }
  const { strategy } = ctx;
  let stopReason = stopReasonText('iteration-limit');
  while (state.k < st.iterations) {
    const theta = parameters(ctx, state);
    const sys = ctx.system(ctx.residuals64?.(theta));
    if (!Number.isFinite(sys.f)) {
      throw new DivergenceError(
        `training diverged: the loss is ${sys.f} in stage ${state.stage + 1} (levenberg-marquardt). No fields were written. ` +
          'Check that the equations and their coefficients are well scaled.',
      );
    }
    const lm = state.lm ?? LM_START;
    const step = lmStep(sys, theta, lm, st.lr, lossAt(ctx, sys));
    state.lmEvaluations = (state.lmEvaluations ?? 0) + step.evaluations + 1;
    setFlat(ctx.vars, step.theta);
    if (ctx.residuals64) state.theta64 = step.theta;
    const hasRounds = strategy.outerRound !== undefined && strategy.roundEvery?.() !== undefined;
    if (!step.accepted) {
      // A round changes the objective: go on unless the last round's objective already could not
      // move and no round can change it further (a barrier weight above its floor still can: a run
      // that stopped there kept the barrier's bias, and judged its offset as a loss far above a solution).
      if (hasRounds && ((state.lmSinceRound ?? 0) > 0 || strategy.roundsLeft?.())) {
        outerRound(ctx, state);
        yield state;
        continue;
      }
      if (canRestart(ctx, state, st)) {
        restartFromStart(ctx, state);
        yield state;
        continue;
      }
      stopReason = stopReasonText('no-decrease');
      break;
    }
    state.lm = step.state;
    state.lastTotal = step.f;
    state.done++;
    state.k++;
    state.lmSinceRound = (state.lmSinceRound ?? 0) + 1;
    strategy.afterIteration?.({ iteration: state.done, vars: ctx.vars, residuals: ctx.residuals });
    if (state.done % ctx.recordEvery === 0) recordParts(ctx, state, 'levenberg-marquardt');
    yield state;
  }
  const report = stageReport(ctx, 'levenberg-marquardt', state.k);
  const restart = state.lmRestart && endRestart(ctx, state);
  recordParts(ctx, state, 'levenberg-marquardt');
  endStage(ctx, state, { ...report, evaluations: state.lmEvaluations ?? 0, stopReason, ...(restart && { restart }) });
  state.lm = undefined;
  state.lmEvaluations = undefined;
  state.lmSinceRound = undefined;
  state.theta64 = undefined;
  return state;
}

/** The parameters the stage steps from: the float64 ones it keeps, or the variables'. */
function parameters(ctx: StageContext, state: LoopState): Float64Array {
  if (!ctx.residuals64) return flat64(ctx.vars);
  state.theta64 ??= flat64(ctx.vars);
  setFlat(ctx.vars, state.theta64);
  return state.theta64;
}

/** The loss at trial parameters: in float64 through the system's quadratic in its rows, else by the model at them. */
function lossAt(ctx: StageContext, sys: GaussNewtonSystem): (theta: Float64Array) => number {
  const { residuals64 } = ctx;
  if (residuals64 && sys.rows) return (theta) => quadraticLoss(sys.f, sys.rows!, residuals64(theta));
  return (theta) => {
    setFlat(ctx.vars, theta);
    return lossNow(ctx);
  };
}

/** Whether the stage, stopped with iterations left, may start again from the run's initial weights (once, and not where it started from them). */
function canRestart(ctx: StageContext, state: LoopState, st: StageSpec): boolean {
  return (
    state.start !== undefined &&
    state.lmRestart === undefined &&
    state.done > state.k &&
    state.k < st.iterations &&
    farAboveSolution(ctx.records, state.lastTotal, ctx.strategy.name)
  );
}

/** Keeps where the first attempt stopped and puts the weights and strategy state back to the run's start. */
function restartFromStart(ctx: StageContext, state: LoopState): void {
  const start = state.start!;
  state.lmRestart = {
    iteration: state.done,
    loss: state.lastTotal,
    weights: readWeights(ctx.vars),
    strategy: ctx.strategy.getState?.(),
  };
  assignWeights(ctx.vars, start.weights);
  state.theta64 = undefined;
  if (start.strategy !== undefined) ctx.strategy.setState?.(start.strategy);
  state.lm = LM_START;
  state.lmSinceRound = 0;
  state.lastTotal = lossNow(ctx);
  recordParts(ctx, state, 'levenberg-marquardt');
}

/** Ends a restarted stage with the lower of its two ends. */
function endRestart(ctx: StageContext, state: LoopState): NonNullable<StageReport['restart']> {
  const first = state.lmRestart!;
  const restartLoss = state.lastTotal;
  const kept = first.loss < restartLoss ? 'first' : 'restart';
  if (kept === 'first') {
    assignWeights(ctx.vars, first.weights);
    state.theta64 = undefined;
    if (first.strategy !== undefined) ctx.strategy.setState?.(first.strategy);
    state.lastTotal = first.loss;
  }
  state.lmRestart = undefined;
  return { iteration: first.iteration, loss: first.loss, restartLoss, kept };
}

/** The strategy's outer round once the steps stall; the damping starts afresh. */
function outerRound(ctx: StageContext, state: LoopState): void {
  ctx.strategy.outerRound!(
    { iteration: state.done, vars: ctx.vars, residuals: ctx.residuals },
    state.lmSinceRound ?? 0,
    true,
  );
  state.lmSinceRound = 0;
  state.lm = LM_START;
  state.lastTotal = lossNow(ctx);
}

/** The loss at the model's current parameters. */
function lossNow(ctx: StageContext): number {
  return tf.tidy(() => ctx.evaluate(false).value.dataSync()[0]!);
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
