/**
 * The training loop's state, passed into each stage and returned by it (the pattern of lbfgsSteps
 * and LbfgsState): everything an iteration reads and changes. Values that stay on the backend for
 * speed are tensors in it (the weights are the model's own variables); a TrainState is the same object
 * with those read into Float32Arrays, plus where the things the loop does not own stood. A snapshot
 * is one generic deep copy, so a field added to LoopState is in every checkpoint and rollback.
 */
import * as tf from '@tensorflow/tfjs';
import { createAdamState, disposeAdamState, type HostAdamState } from './adam.js';
import type { LbfgsState } from './lbfgs.js';
import type { LmState } from './levenberg-marquardt.js';
import type { RecordMarks } from './records.js';

/** The loop state; `V` holds variables (weights, Adam moments) and `T` other tensors (keep-best weights). */
export interface LoopState<V = tf.Variable, T = tf.Tensor> {
  /** Iterations completed over all stages. */
  done: number;
  /** Current stage, and iterations completed within it. */
  stage: number;
  k: number;
  /** Trainable variables' current values, in trainableVariables order. */
  weights: V[];
  /** Adam moments of the current stage (absent between stages and in L-BFGS stages); arrays on wasm and cpu (adam.ts). */
  adam?: { step: number; m: V[]; v: V[] } | HostAdamState;
  /** L-BFGS state inside an L-BFGS stage. */
  lbfgs?: LbfgsState;
  /** Inside an L-BFGS stage with outer rounds: stage iterations and evaluations before the current inner solve. */
  lbfgsSegment: { start: number; evaluations: number };
  /** Inside a Levenberg-Marquardt stage: the damping, loss evaluations so far and iterations since the last outer round. */
  lm?: LmState;
  lmEvaluations?: number;
  lmSinceRound?: number;
  /** Inside a float64 Levenberg-Marquardt stage: the weights in float64 (the variables hold them rounded to float32). */
  theta64?: Float64Array;
  /** The weights and strategy state the run started with: where a second-order stage that stops far above a solution starts again (lm-stage.ts). */
  start?: { weights: Float32Array[]; strategy: unknown };
  /** Inside a restarted Levenberg-Marquardt stage: where its first attempt stopped, kept if the restart ends higher. */
  lmRestart?: { iteration: number; loss: number; weights: Float32Array[]; strategy: unknown };
  /** Lowest-loss parameters of the current Adam stage so far (keep-best.ts). */
  best?: { loss: number; done: number; weights: T[] };
  lastTotal: number;
  lastParts: Record<string, number>;
  /** Recent accepted losses (the divergence guard's window). */
  recent: number[];
}

/** Where what the loop does not own stood: the strategy's state, the records' lengths, the clock (reporting only). */
export interface Marks extends RecordMarks {
  strategy?: unknown;
  /** Training seconds so far, and within the current stage. */
  seconds: number;
  stageSeconds: number;
}

/**
 * The loop state as plain data, what checkpoints hold (state and rollback target) and what a
 * rollback restores. A checkpoint keeps these field names: old runs must resume.
 */
export type TrainState = LoopState<Float32Array, Float32Array> & Marks;

/** The state of a run that has not started, at the strategy's state `strategy`. */
export function initialState(vars: tf.Variable[], strategy: unknown): LoopState {
  return {
    done: 0,
    stage: 0,
    k: 0,
    weights: vars,
    adam: undefined,
    lbfgs: undefined,
    lbfgsSegment: { start: 0, evaluations: 0 },
    start: { weights: readWeights(vars), strategy },
    best: undefined,
    lastTotal: NaN,
    lastParts: {},
    recent: [],
  };
}

/** A deep copy of `state` with its tensors read back, plus `marks`. */
export function snapshotState(state: LoopState, marks: Marks): TrainState {
  return { ...plainCopy(state), ...marks };
}

/**
 * The loop state a snapshot holds, as a fresh copy (the snapshot may be restored again): the weights go
 * into `vars`, Adam moments and keep-best weights into new tensors. The caller disposes the state it replaces.
 */
export function restoreState(saved: TrainState, vars: tf.Variable[]): LoopState {
  // Marks are the caller's to restore.
  const { strategy, historyLength, loggedLength, stagesLength, seconds, stageSeconds, weights, adam, best, ...plain } =
    saved;
  assignWeights(vars, weights);
  return {
    ...plainCopy(plain),
    weights: vars,
    adam: adam && createAdamState(vars, adam),
    best: best && {
      loss: best.loss,
      done: best.done,
      weights: best.weights.map((w, i) => tf.keep(tf.tensor(w, vars[i]!.shape))),
    },
  };
}

/** Copies of the variables' values. */
export function readWeights(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

/** Sets the variables to `weights` (readWeights order). */
export function assignWeights(vars: tf.Variable[], weights: Float32Array[]): void {
  vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i]!, v.shape))));
}

/** Frees the tensors the state holds beyond the model's variables. */
export function disposeState(state: LoopState): void {
  if (state.adam) disposeAdamState(state.adam);
  if (state.best) tf.dispose(state.best.weights);
}

/** `T` with its tensors as Float32Arrays. */
type Plain<T> = T extends tf.Tensor
  ? Float32Array
  : T extends Float32Array | Float64Array
    ? T
    : T extends (infer E)[]
      ? Plain<E>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

/** Deep copy of plain data, tensors read into Float32Arrays. */
function plainCopy<T>(x: T): Plain<T> {
  return copy(x) as Plain<T>;
}

function copy(x: unknown): unknown {
  if (x instanceof tf.Tensor) return Float32Array.from(x.dataSync() as Float32Array);
  if (x instanceof Float32Array || x instanceof Float64Array) return x.slice();
  if (Array.isArray(x)) return x.map(copy);
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([key, v]) => [key, copy(v)]));
  return x;
}
