/** The loss and its gradient at the current parameters: on this thread, or averaged with the shard worker's half. */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import type { Model } from '../model/index.js';
import type { Strategy } from '../strategies/index.js';
import { computeResiduals, type TrainingBatch } from '../residuals/index.js';
import { packTensors, totalSize } from './flat.js';
import type { GaussNewtonSystem } from './jacobian.js';
import type { ShardWorker } from './parallel.js';

/** (A type, not an interface, so tf.tidy can return it.) */
export type LossEvaluation = {
  value: tf.Scalar;
  /** Gradients in `vars` order. */
  grads: tf.Tensor[];
  /** Loss parts by name, when asked for. */
  parts?: Record<string, number>;
  /** The parts left on the backend (kept: the caller disposes), when asked for 'later'; names in `partNames` order. */
  partValues?: tf.Tensor1D;
  partNames?: string[];
};

/** Read the loss parts now, leave them on the backend to read later, or not at all. */
export type PartsRead = boolean | 'later';

/**
 * Loss and gradients with respect to `vars` on `batches`, the terms `include` keeps. The parts are read
 * inside the taped function because the tape frees every tensor but the total when it returns.
 */
export function evaluateLoss(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  batches: TrainingBatch[],
  vars: tf.Variable[],
  readParts: PartsRead,
  include?: (t: Term) => boolean,
): LossEvaluation {
  let parts: Record<string, number> | undefined;
  let partValues: tf.Tensor1D | undefined;
  let partNames: string[] | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const lp = strategy.loss(computeResiduals(problem, model, batches, include));
    if (readParts === true) parts = Object.fromEntries([...lp.parts].map(([key, v]) => [key, v.dataSync()[0]!]));
    if (readParts === 'later' && lp.parts.size > 0) {
      partNames = [...lp.parts.keys()];
      partValues = tf.keep(tf.stack([...lp.parts.values()]) as tf.Tensor1D);
    }
    return lp.total;
  }, vars);
  // A variable the loss does not depend on has no gradient: the last layer's bias under
  // derivative-only residuals (a spec with `conditions: []`). Its gradient is zero.
  return { value, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)), parts, partValues, partNames };
}

/** `local()` on this thread while `worker` evaluates the other half of the points at the same parameters: the average of both. */
export function evaluateWithWorker(
  worker: ShardWorker,
  vars: tf.Variable[],
  readParts: boolean,
  local: () => LossEvaluation,
): LossEvaluation {
  worker.start(packTensors(vars, new Float32Array(totalSize(vars))), readParts);
  const mine = local();
  const other = worker.wait();
  let offset = 0;
  const averaged = mine.grads.map((g) => {
    const theirs = tf.tensor(other.grads.subarray(offset, offset + g.size), g.shape);
    offset += g.size;
    return tf.mul(tf.add(g, theirs), 0.5);
  });
  const parts =
    mine.parts && Object.fromEntries(Object.entries(mine.parts).map(([k, v]) => [k, (v + (other.parts[k] ?? 0)) / 2]));
  return { value: tf.mul(tf.add(mine.value, other.f), 0.5) as tf.Scalar, grads: averaged, parts };
}

/** `local()` (this thread's half) while `worker` builds the system of the other half at the same parameters: their average. */
export function systemWithWorker(
  worker: ShardWorker,
  vars: tf.Variable[],
  local: () => GaussNewtonSystem,
): GaussNewtonSystem {
  worker.startSystem(packTensors(vars, new Float32Array(totalSize(vars))));
  const mine = local();
  const other = worker.waitSystem();
  const mean = (a: Float64Array, b: Float64Array) => a.map((x, i) => (x + b[i]!) / 2);
  return { f: (mine.f + other.f) / 2, g: mean(mine.g, other.g), gram: mean(mine.gram, other.gram), size: mine.size };
}
