/** Penalty: a fixed weighted sum of mean-square residuals and violations. */
import * as tf from '@tensorflow/tfjs';
import type { Spec } from '../spec/types.js';
import type { Term } from '../problem/problem.js';
import { GROUPS, type LossParts, type Strategy, type TermResiduals } from './strategy.js';

/** Mean square of a term's residuals; inequalities count only their positive part. */
export function termMeanSquare(r: TermResiduals): tf.Scalar {
  const sq = r.values.map((v) => tf.mean(tf.square(r.term.kind === 'inequality' ? tf.relu(v) : v)));
  return (sq.length === 1 ? sq[0]! : tf.addN(sq)) as tf.Scalar;
}

export function termWeight(term: Term, spec: Spec): number {
  const w = spec.constraints.weights;
  return term.weight ?? w[GROUPS[term.kind] as keyof typeof w];
}

/** Sums weighted terms and groups unweighted losses into parts. */
export function weightedLoss(residuals: TermResiduals[], weightOf: (t: Term) => number): LossParts {
  const parts = new Map<string, tf.Scalar>();
  let total: tf.Scalar = tf.scalar(0);
  for (const r of residuals) {
    const ms = termMeanSquare(r);
    const group = GROUPS[r.term.kind];
    parts.set(group, parts.has(group) ? tf.add(parts.get(group)!, ms) : ms);
    total = tf.add(total, tf.mul(ms, weightOf(r.term)));
  }
  return { total, parts };
}

export function penaltyStrategy(spec: Spec): Strategy {
  return {
    name: 'penalty',
    transforms: new Map(),
    exactTerms: new Set(),
    notes: [],
    loss: (residuals) => weightedLoss(residuals, (t) => termWeight(t, spec)),
    logValues: () => ({}),
  };
}
