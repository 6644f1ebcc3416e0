/**
 * Adam iterations whose loss is read back later, several at a time (TrainOptions.lossReadEvery),
 * so that a GPU's queue stays full: on webgpu each read is a round trip that drains it. What an
 * iteration would read (its loss, and at record iterations the loss parts and the unknowns) stays
 * on the backend, with a copy of the parameters when keep-best needs them; `settle` reads all of
 * it in one transfer and replays, in order, what the synchronous loop decides per iteration: the
 * divergence guard, keep-best, the records, progress. The trajectory is the same: a bad loss
 * restores the last good snapshot either way (the iterations after it, already run, are dropped
 * with it), and snapshots are taken only with nothing pending.
 */
import * as tf from '@tensorflow/tfjs';
import type { StageSpec } from '../spec/index.js';
import { ADAM_DEFAULTS, adamUpdate, createAdamState } from './adam.js';
import type { StageContext } from './context.js';
import { offerBestCopy } from './keep-best.js';
import type { LoopState } from './loop-state.js';
import { appendRecord } from './records.js';

/** An iteration run whose values are still on the backend. */
export interface PendingIteration {
  done: number;
  k: number;
  /** The stage's unscaled learning rate at that iteration (for the rollback message). */
  stageLr: number;
  loss: tf.Scalar;
  /** At record iterations: the parts (on the backend, or read already), the unknowns, the strategy's values. */
  record?: {
    parts: tf.Tensor1D | Record<string, number> | undefined;
    partNames: string[];
    unknowns?: tf.Tensor1D;
    logValues: Record<string, number>;
  };
  /** The parameters the loss was evaluated at (keep-best). */
  weights?: tf.Tensor[];
}

/** One iteration with its reads left pending; settles when `pending` is full or the stage ends. */
export function deferredIteration(
  ctx: StageContext,
  state: LoopState,
  st: StageSpec,
  pending: PendingIteration[],
  learningRate: (k: number) => number,
): LoopState {
  const { guard } = ctx;
  if (state.k === 0 && !state.adam) state.adam = createAdamState(ctx.vars);
  // A snapshot becomes the rollback target once the next loss is fine, and a rollback does not
  // rewind the point draws: settle before either, as the synchronous loop has by then.
  const snapshot = guard.wantsSnapshot(state);
  if (snapshot || ctx.resampleDue(state.done)) {
    const settled = settle(ctx, state, st, pending);
    if (settled !== state) return settled;
  }
  if (snapshot) guard.candidate = ctx.snapshot(state);
  ctx.resampleIfDue(state.done);
  const recordNow = state.done % ctx.recordEvery === 0 || state.k === st.iterations - 1;
  const stageLr = learningRate(state.k);
  tf.tidy(() => {
    const { value, grads, parts, partValues, partNames } = ctx.evaluate(recordNow ? 'later' : false);
    const unknowns = ctx.unknowns.values();
    pending.push({
      done: state.done,
      k: state.k,
      stageLr,
      loss: tf.keep(value),
      record: recordNow
        ? {
            parts: parts ?? partValues,
            partNames: partNames ?? [],
            unknowns: unknowns.length
              ? tf.keep(tf.concat(unknowns.map((u) => tf.reshape(u, [1]))) as tf.Tensor1D)
              : undefined,
            logValues: ctx.strategy.logValues(),
          }
        : undefined,
      weights: ctx.keepBest ? ctx.vars.map((v) => tf.keep(tf.clone(v))) : undefined,
    });
    adamUpdate(state.adam!, ctx.vars, grads, { lr: stageLr * guard.lrScale, ...ADAM_DEFAULTS });
  });
  state.done++;
  state.k++;
  ctx.strategy.afterIteration?.({ iteration: state.done, vars: ctx.vars, residuals: ctx.residuals });
  if (pending.length >= ctx.lossReadEvery || state.k === st.iterations) return settle(ctx, state, st, pending);
  return state;
}

/**
 * Reads what is pending in one transfer and applies it in order; empties `pending`. Returns `state`,
 * or the state a rollback restored.
 */
export function settle(ctx: StageContext, state: LoopState, st: StageSpec, pending: PendingIteration[]): LoopState {
  if (pending.length === 0) return state;
  const values = readAll(pending);
  let recorded = false;
  try {
    for (const [i, p] of pending.entries()) {
      const f = values[i]!.loss;
      const why = ctx.guard.badLoss(f, state.recent);
      if (why) {
        const good = ctx.guard.rollback(why, { ...state, done: p.done, k: p.k }, p.stageLr, st.lr);
        return ctx.restore(state, good);
      }
      state.lastTotal = f;
      if (p.weights) {
        offerBestCopy(state, f, p.done, p.weights);
        p.weights = undefined;
      }
      if (p.record) {
        const unknowns = ctx.unknowns.names.map((name, u) => [`unknown_${name}`, values[i]!.unknowns[u]!]);
        state.lastParts = values[i]!.parts;
        appendRecord(ctx.records, p.done, f, state.lastParts, {
          ...p.record.logValues,
          ...Object.fromEntries(unknowns),
        });
        recorded = true;
      }
      ctx.guard.accept(state, f);
    }
  } finally {
    for (const p of pending) disposePending(p);
    pending.length = 0;
  }
  if (recorded) ctx.progress(state, 'adam');
  return state;
}

/** Frees what a pending iteration holds on the backend. */
export function disposePending(p: PendingIteration): void {
  p.loss.dispose();
  if (p.record?.parts instanceof tf.Tensor) p.record.parts.dispose();
  p.record?.unknowns?.dispose();
  if (p.weights) tf.dispose(p.weights);
}

/** Every pending loss, parts and unknowns, read back in one transfer. */
function readAll(
  pending: PendingIteration[],
): { loss: number; parts: Record<string, number>; unknowns: Float32Array }[] {
  const tensors: tf.Tensor[] = [];
  for (const p of pending) {
    tensors.push(p.loss);
    if (p.record?.parts instanceof tf.Tensor) tensors.push(p.record.parts);
    if (p.record?.unknowns) tensors.push(p.record.unknowns);
  }
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))).dataSync() as Float32Array);
  let o = 0;
  const take = (n: number) => flat.subarray(o, (o += n));
  return pending.map((p) => {
    const loss = take(1)[0]!;
    const r = p.record;
    let parts: Record<string, number> = {};
    if (r?.parts instanceof tf.Tensor) {
      const v = take(r.parts.size);
      parts = Object.fromEntries(r.partNames.map((name, j) => [name, v[j]!]));
    } else if (r?.parts) parts = r.parts;
    return { loss, parts, unknowns: r?.unknowns ? take(r.unknowns.size) : new Float32Array(0) };
  });
}
