/** Penalty: a fixed weighted sum of mean-square residuals and violations. */
import * as tf from '@tensorflow/tfjs';
import type { Spec } from '../spec/index.js';
import type { Term } from '../problem/index.js';
import { GROUPS, type TermResiduals } from './strategy.js';

/**
 * Mean square of a term's residuals; inequalities count only their positive part. Observations
 * with a stated noise enter as a weighted least-squares misfit, mean((r / sigma)^2).
 */
export function termMeanSquare(r: TermResiduals): tf.Scalar {
  const sq = r.values.map((v, k) => {
    const s = tf.square(r.term.kind === 'inequality' ? tf.relu(v) : v);
    const w = r.weights?.[k];
    return tf.mean(w ? tf.mul(s, w) : s);
  });
  return (sq.length === 1 ? sq[0]! : tf.addN(sq)) as tf.Scalar;
}

/** A term's loss weight; observations with a stated noise weigh by it alone (see problem's noiseUnit). */
export function termWeight(term: Term, spec: Spec): number {
  if (term.set.kind === 'data' && term.set.sigma) return 1;
  const w = spec.constraints.weights;
  return term.weight ?? w[GROUPS[term.kind] as keyof typeof w];
}
