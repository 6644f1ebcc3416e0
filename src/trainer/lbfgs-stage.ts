/** An L-BFGS stage of the training loop: inner solves between the strategy's outer rounds. */
import * as tf from '@tensorflow/tfjs';
import type { StageSpec } from '../spec/index.js';
import { disposeAdamState } from './adam.js';
import { endStage, recordParts, stageReport, type StageContext } from './context.js';
import { flat64, setFlat } from './flat.js';
import { DivergenceError } from './guard.js';
import { lbfgsSteps, stopReasonText, type LbfgsResult, type Objective } from './lbfgs.js';
import type { LoopState } from './loop-state.js';

/**
 * Runs the stage from `state`, yielding it after each accepted iteration and after each outer round;
 * returns it after the stage. With outer rounds (augmented Lagrangian, barrier) the stage is a series
 * of inner solves, each ending at a round, which changes the objective: the next solve starts with an
 * empty memory, and a solve that cannot move at all ends the stage.
 */
export function* lbfgsStage(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LoopState, void> {
  if (state.adam) {
    disposeAdamState(state.adam);
    state.adam = undefined;
  }
  for (;;) {
    const result = yield* innerSolve(ctx, state, st);
    if (result.iterations === 0 && !Number.isFinite(result.f)) {
      throw new DivergenceError(
        `training diverged: the loss is ${result.f} at the start of stage ${state.stage + 1} (lbfgs). No fields were written. ` +
          'Try a smaller learning rate in the stages before it, or check that the equations and their coefficients are well scaled.',
      );
    }
    setFlat(ctx.vars, result.theta);
    state.lastTotal = result.f;
    const before = state.lbfgsSegment;
    const segment = { start: before.start + result.iterations, evaluations: before.evaluations + result.evaluations };
    state.lbfgsSegment = segment;
    const { strategy } = ctx;
    if (
      strategy.outerRound &&
      strategy.roundEvery?.() !== undefined &&
      result.iterations > 0 &&
      segment.start < st.iterations
    ) {
      const converged = result.stopReason !== 'iteration-limit';
      strategy.outerRound(
        { iteration: state.done, vars: ctx.vars, residuals: ctx.residuals },
        result.iterations,
        converged,
      );
      state.k = segment.start;
      // A boundary between inner solves (checkpoints, stops): a resume starts the next solve afresh, as here.
      yield state;
      continue;
    }
    // L-BFGS may stop early; the remaining budget is not spent elsewhere.
    const report = stageReport(ctx, 'lbfgs', segment.start);
    recordParts(ctx, state, 'lbfgs');
    endStage(ctx, state, {
      ...report,
      evaluations: segment.evaluations,
      stopReason: stopReasonText(result.stopReason),
    });
    state.lbfgsSegment = { start: 0, evaluations: 0 };
    return state;
  }
}

/**
 * One inner solve, up to the next outer round or the stage's end, continuing `state.lbfgs` when a
 * checkpoint was taken inside it; yields after each accepted iteration but the last.
 */
function* innerSolve(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LbfgsResult, void> {
  const { start } = state.lbfgsSegment;
  const left = st.iterations - start;
  const untilRound = ctx.strategy.roundEvery?.();
  // The parts of the evaluations made while a record is due, by the parameters they were made at:
  // the accepted one is recorded without evaluating it again.
  const partsAt = new WeakMap<Float64Array<ArrayBufferLike>, Record<string, number>>();
  const recordDue = (done: number) => done % ctx.recordEvery === 0;
  const steps = lbfgsSteps(
    objective(ctx, () => (recordDue(state.done + 1) ? partsAt : undefined)),
    flat64(ctx.vars),
    {
      iterations: untilRound ? Math.min(untilRound, left) : left,
      history: 50,
      lr: st.lr,
      onIteration: ({ f, theta }) => {
        state.lastTotal = f;
        state.done++;
        if (recordDue(state.done)) recordParts(ctx, state, 'lbfgs', partsAt.get(theta));
      },
    },
    state.lbfgs,
  );
  for (;;) {
    const step = steps.next();
    if (step.done) {
      state.lbfgs = undefined;
      return step.value;
    }
    state.lbfgs = step.value;
    state.k = start + step.value.iteration;
    yield state;
  }
}

/**
 * The loss and gradient at parameters theta, set into the model; the loss parts too, into the map
 * `partsInto` returns at the time of the evaluation, where it returns one.
 */
function objective(
  ctx: StageContext,
  partsInto: () => WeakMap<Float64Array<ArrayBufferLike>, Record<string, number>> | undefined,
): Objective {
  return (theta) => {
    setFlat(ctx.vars, theta);
    let f = NaN;
    let g: Float64Array<ArrayBufferLike> = new Float64Array(0);
    const into = partsInto();
    tf.tidy(() => {
      const { value, grads, parts } = ctx.evaluate(into !== undefined);
      f = value.dataSync()[0]!;
      g = flat64(grads);
      if (into && parts) into.set(theta, parts);
    });
    return { f, g };
  };
}
