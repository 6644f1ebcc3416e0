/**
 * Extended log barrier for inequalities g <= 0, with slack s = -g:
 * psi(s) = -log(s) for s >= d, and below the threshold d its second-order
 * Taylor continuation -log(d) - (s - d)/d + (s - d)^2/(2 d^2), so infeasible
 * points (s <= 0) give finite loss and gradients. The loss is beta * mean(psi);
 * beta shrinks by `barrier_decay` every `update_every` iterations from
 * `barrier_start` to `barrier_min` (in L-BFGS stages, after each inner solve of
 * `update_every` iterations), and d = barrier_threshold * beta, so the
 * continuation stiffens as the barrier fades.
 */
import * as tf from '@tensorflow/tfjs';
import type { StrategyOptions } from '../spec/index.js';
import type { IterationContext, TermResiduals } from './strategy.js';
import type { LossHandler } from './strategy.js';

/** The barrier weight, for checkpoints. */
interface BarrierState {
  beta: number;
}

/** psi(s) elementwise. */
export function extendedLogBarrier(s: tf.Tensor, d: number): tf.Tensor {
  const log = tf.neg(tf.log(tf.maximum(s, d)));
  const u = tf.sub(s, d);
  const quad = tf.add(tf.sub(-Math.log(d), tf.div(u, d)), tf.div(tf.square(u), 2 * d * d));
  return tf.where(tf.greaterEqual(s, d), log, quad);
}

export function barrier(o: StrategyOptions<'barrier'>): LossHandler<BarrierState> & { weight(): number } {
  const every = Math.max(1, Math.round(o.update_every));
  let beta = o.barrier_start;
  const decay = () => {
    beta = Math.max(o.barrier_min, beta * o.barrier_decay);
  };
  return {
    loss: (r: TermResiduals) => {
      const d = Math.max(o.barrier_threshold * beta, 1e-12);
      const ls = r.values.map((g) => tf.mean(extendedLogBarrier(tf.neg(g), d)));
      return tf.mul(ls.length === 1 ? ls[0]! : tf.addN(ls), beta) as tf.Scalar;
    },
    afterIteration(ctx: IterationContext) {
      if (ctx.iteration % every === 0) decay();
    },
    roundEvery: every,
    round: decay,
    logValues: () => ({ barrier_weight: beta }),
    weight: () => beta,
    getState: () => ({ beta }),
    setState: (state) => {
      beta = state.beta;
    },
  };
}
