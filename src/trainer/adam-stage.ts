/** An Adam stage of the training loop, under the divergence guard and keep-best. */
import * as tf from '@tensorflow/tfjs';
import type { StageSpec } from '../spec/index.js';
import { ADAM_DEFAULTS, adamUpdate, createAdamState, disposeAdamState } from './adam.js';
import { endStage, record, stageReport, type StageContext } from './context.js';
import { deferredIteration, disposePending, type PendingIteration } from './deferred-adam.js';
import { offerBest, settleBest } from './keep-best.js';
import type { LoopState } from './loop-state.js';

/**
 * Runs the stage from `state` (iteration state.k of it), yielding the state before each iteration.
 * Returns the state after the stage, or early with the restored one after a rollback (which may be
 * in an earlier stage): the stage loop goes on from there.
 */
export function* adamStage(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LoopState, void> {
  // Iterations with deferred loss reads (lossReadEvery > 1); the stage yields only with none pending.
  const pending: PendingIteration[] = [];
  try {
    while (state.k < st.iterations) {
      if (pending.length === 0) yield state;
      const next =
        ctx.lossReadEvery > 1
          ? deferredIteration(ctx, state, st, pending, (k) => stageLearningRate(st, k))
          : adamIteration(ctx, state, st);
      if (next !== state) return next;
    }
  } finally {
    pending.forEach(disposePending);
  }
  if (state.adam) {
    disposeAdamState(state.adam);
    state.adam = undefined;
  }
  const report = stageReport(ctx, 'adam', state.k);
  if (state.best) {
    settleBest(state, ctx.vars, ctx.evaluate, report);
    record(ctx, state.done, state.lastTotal, state.lastParts);
  }
  endStage(ctx, state, report);
  return state;
}

/** One iteration: `state` updated, or the state a rollback restored. */
function adamIteration(ctx: StageContext, state: LoopState, st: StageSpec): LoopState {
  const { guard } = ctx;
  if (state.k === 0 && !state.adam) state.adam = createAdamState(ctx.vars);
  if (guard.wantsSnapshot(state)) guard.candidate = ctx.snapshot(state);
  ctx.resampleIfDue(state.done);
  const recordNow = state.done % ctx.recordEvery === 0 || state.k === st.iterations - 1;
  const stageLr = stageLearningRate(st, state.k);
  const lr = stageLr * guard.lrScale;
  let f = NaN;
  const bad = tf.tidy(() => {
    const { value, grads, parts } = ctx.evaluate(recordNow);
    f = value.dataSync()[0]!;
    const why = guard.badLoss(f, state.recent);
    if (why) return why;
    state.lastTotal = f;
    if (ctx.keepBest) offerBest(state, f, ctx.vars);
    // recorded before the update, so a record's unknowns are those its loss was evaluated at
    if (parts) {
      state.lastParts = parts;
      record(ctx, state.done, f, parts);
    }
    adamUpdate(state.adam!, ctx.vars, grads, { lr, ...ADAM_DEFAULTS });
    return undefined;
  });
  if (bad) return ctx.restore(state, guard.rollback(bad, state, stageLr, st.lr));
  guard.accept(state, f);
  state.done++;
  state.k++;
  ctx.strategy.afterIteration?.({ iteration: state.done, vars: ctx.vars, residuals: ctx.residuals });
  if (recordNow) ctx.progress(state, 'adam');
  return state;
}

/** Adam's learning rate at iteration k of a stage: lr, decaying geometrically to lr_final at the last iteration. */
export function stageLearningRate(st: StageSpec, k: number): number {
  if (st.lrFinal === undefined || st.iterations <= 1) return st.lr;
  return st.lr * (st.lrFinal / st.lr) ** (Math.min(k, st.iterations - 1) / (st.iterations - 1));
}
