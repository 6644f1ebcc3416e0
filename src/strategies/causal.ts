/**
 * Time-causal residual weighting (Wang, Sankaran & Perdikaris 2022, "Respecting
 * causality is all you need for training physics-informed neural networks"):
 * the domain points of a time-dependent problem are binned by time, and the
 * equations' loss is (1/M) sum_k w_k L_k with L_k the mean square residual of
 * bin k and w_k = exp(-epsilon * sum_{j<k} L_j), treated as constants (no
 * gradient flows through them). Later times get weight only once earlier times
 * are fitted, which keeps the network from fitting a wrong late-time solution
 * before the initial data has propagated.
 *
 * The weights are strategy state: recomputed after every Adam iteration from
 * the bin losses of that iteration's loss evaluation, and held fixed in L-BFGS
 * stages (a changing objective breaks its line search), like every other
 * adaptive state (docs/strategies.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { TermResiduals } from './strategy.js';
import type { CausalOptions } from '../spec/index.js';

/** w_k = exp(-epsilon * sum_{j<k} L_j). */
export function causalWeights(binLoss: ArrayLike<number>, epsilon: number): Float64Array {
  const w = new Float64Array(binLoss.length);
  let cum = 0;
  for (let k = 0; k < binLoss.length; k++) {
    w[k] = Math.exp(-epsilon * cum);
    cum += binLoss[k]!;
  }
  return w;
}

/** The bin weights, for checkpoints. */
export interface CausalState {
  w: number[];
}

interface CausalWeighting {
  readonly options: CausalOptions;
  /** Starts a loss evaluation (clears the bin losses being gathered). */
  begin(): void;
  /** The causally weighted mean square of a term with time bins, times `weight`; gathers its bin losses. */
  loss(r: TermResiduals & { bins: tf.Tensor2D }, weight: number): tf.Scalar;
  /** After an Adam iteration: new weights from the last evaluation's bin losses. */
  update(): void;
  weights(): Float64Array;
  logValues(): Record<string, number>;
  getState(): CausalState;
  /** Restores weights of the same number of bins (a checkpoint's); anything else keeps the current ones. */
  setState(state: Partial<CausalState> | undefined): void;
}

export function causalWeighting(options: CausalOptions): CausalWeighting {
  const { bins, epsilon } = options;
  let w: Float64Array = new Float64Array(bins).fill(1);
  let gathered = new Float64Array(bins);
  let seen = false;
  return {
    options,
    begin() {
      gathered = new Float64Array(bins);
      seen = false;
    },
    loss(r, weight) {
      const perBin = r.values.map((v) => tf.matMul(tf.square(v), r.bins, true, false));
      const L = (perBin.length === 1 ? perBin[0]! : tf.addN(perBin)) as tf.Tensor2D;
      const values = L.dataSync();
      for (let k = 0; k < bins; k++) gathered[k]! += weight * values[k]!;
      seen = true;
      return tf.mul(tf.sum(tf.mul(L, tf.tensor2d(Float32Array.from(w), [1, bins]))), weight / bins) as tf.Scalar;
    },
    update() {
      if (seen) w = causalWeights(gathered, epsilon);
    },
    weights: () => w,
    logValues: () => ({ causal_min_weight: Math.min(...w) }),
    getState: () => ({ w: [...w] }),
    setState(s) {
      if (s?.w?.length === bins) w = Float64Array.from(s.w);
    },
  };
}
