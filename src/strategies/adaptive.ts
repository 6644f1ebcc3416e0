/**
 * Learning-rate annealing (Wang, Teng & Perdikaris 2021): every few
 * iterations each constraint term's weight moves toward
 * max |grad of the equation loss| / mean |grad of the term's loss|, smoothed
 * as w <- (1 - a) w + a w_hat, and capped at weight_max. Options: update_every
 * (10), smoothing a (0.1), weight_max (1e3 times the starting weight): once a
 * constraint is met its gradient shrinks, the ratio grows, and without the cap
 * the weight runs away and the network collapses onto the constraint.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import type { StrategyOptions } from '../spec/index.js';
import { termMeanSquare, termWeight } from './penalty.js';
import type { IterationContext, TermResiduals } from './strategy.js';
import { columnName, type LossHandler } from './strategy.js';

/** max and mean |gradient| of a scalar over the variables. */
export function gradientStats(f: () => tf.Scalar, vars: tf.Variable[]): { max: number; mean: number } {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(f, vars);
    const flat = Object.values(grads)
      .filter((g) => g !== undefined)
      .map((g) => tf.reshape(tf.abs(g), [-1]));
    const all = tf.concat(flat);
    return { max: tf.max(all).dataSync()[0]!, mean: tf.mean(all).dataSync()[0]! };
  });
}

/** The annealing rule: the smoothed new weight from the gradient statistics. */
export function annealedWeight(old: number, maxEquation: number, meanTerm: number, smoothing: number): number {
  if (!(meanTerm > 1e-30) || !Number.isFinite(maxEquation)) return old;
  return (1 - smoothing) * old + smoothing * (maxEquation / meanTerm);
}

/** The weights moved so far, by term name, for checkpoints. */
interface AdaptiveState {
  weights: [string, number][];
}

export function adaptiveWeights(problem: Problem, options: StrategyOptions<'adaptive'>): LossHandler<AdaptiveState> {
  const every = Math.max(1, Math.round(options.update_every));
  const smoothing = options.smoothing;
  const cap = (t: Term) => options.weight_max ?? 1e3 * Math.max(termWeight(t, problem.spec), 1e-3);
  const weights = new Map<Term, number>();
  const weightOf = (t: Term) => weights.get(t) ?? termWeight(t, problem.spec);
  const named = new Map<Term, string>();
  return {
    loss: (r: TermResiduals) => {
      if (!named.has(r.term)) named.set(r.term, columnName('w', r.term));
      return tf.mul(termMeanSquare(r), weightOf(r.term));
    },
    afterIteration(ctx: IterationContext, terms: Term[]) {
      if (ctx.iteration % every !== 0 || terms.length === 0) return;
      const spec = problem.spec;
      const equationLoss = () => {
        const rs = ctx.residuals().filter((r) => r.term.kind === 'equation');
        return tf.addN(rs.map((r) => tf.mul(termMeanSquare(r), termWeight(r.term, spec)))) as tf.Scalar;
      };
      if (!problem.terms.some((t) => t.kind === 'equation')) return;
      const ref = gradientStats(equationLoss, ctx.vars);
      for (const t of terms) {
        const term = gradientStats(() => termMeanSquare(ctx.residuals().find((r) => r.term === t)!), ctx.vars);
        weights.set(t, Math.min(cap(t), annealedWeight(weightOf(t), ref.max, term.mean, smoothing)));
      }
    },
    logValues: () => Object.fromEntries([...named].map(([t, n]) => [n, weightOf(t)])),
    getState: () => ({ weights: [...weights].map(([t, w]): [string, number] => [t.name, w]) }),
    setState(s) {
      weights.clear();
      for (const [name, w] of s.weights) {
        const t = problem.terms.find((x) => x.name === name);
        if (t) weights.set(t, w);
      }
    },
  };
}
