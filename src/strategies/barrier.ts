/**
 * Extended log barrier for inequalities g <= 0, with slack s = -g:
 * psi(s) = -log(s) for s >= d, and below the threshold d its second-order
 * Taylor continuation -log(d) - (s - d)/d + (s - d)^2/(2 d^2), so infeasible
 * points (s <= 0) give finite loss and gradients. The loss is beta * mean(psi);
 * beta shrinks by `barrier_decay` every `update_every` iterations from
 * `barrier_start` to `barrier_min` (in L-BFGS stages, after each inner solve of
 * `update_every` iterations), and d = barrier_threshold * beta, so the
 * continuation stiffens as the barrier fades.
 *
 * Without a given `barrier_start`, beta starts at 0.1 times the other terms' loss at the initial
 * weights (calibrate): a barrier weak against that loss lets the first steps press the
 * field onto the bound where it is active on a set, and a feasible path out of that state may not
 * exist for the network (an obstacle under `hard`: L2 0.22 from 1e-3, 1.2e-3 from 0.1 of the loss).
 */
import * as tf from '@tensorflow/tfjs';
import type { StrategyOptions } from '../spec/index.js';
import type { IterationContext, TermResiduals } from './strategy.js';
import type { LossHandler } from './strategy.js';

/** The barrier weight, for checkpoints. */
interface BarrierState {
  beta: number;
}

/** beta's start as a fraction of the loss at the initial weights, when `barrier_start` is not given. */
export const BARRIER_START_FRACTION = 0.1;
/** beta's start where that loss is not positive (and `barrier_start` is not given). */
const BARRIER_START_FALLBACK = 1e-3;

/** psi(s) elementwise. */
export function extendedLogBarrier(s: tf.Tensor, d: number): tf.Tensor {
  const log = tf.neg(tf.log(tf.maximum(s, d)));
  const u = tf.sub(s, d);
  const quad = tf.add(tf.sub(-Math.log(d), tf.div(u, d)), tf.div(tf.square(u), 2 * d * d));
  return tf.where(tf.greaterEqual(s, d), log, quad);
}

export function barrier(o: StrategyOptions<'barrier'>): LossHandler<BarrierState> & { weight(): number } {
  const every = Math.max(1, Math.round(o.update_every));
  let beta = o.barrier_start ?? BARRIER_START_FALLBACK;
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
    roundsLeft: () => beta > o.barrier_min,
    ...(o.barrier_start === undefined && {
      calibrate(startLoss: number) {
        const known = startLoss > 0 && Number.isFinite(startLoss);
        beta = Math.max(known ? BARRIER_START_FRACTION * startLoss : BARRIER_START_FALLBACK, o.barrier_min);
      },
    }),
    logValues: () => ({ barrier_weight: beta }),
    weight: () => beta,
    getState: () => ({ beta }),
    setState: (state) => {
      beta = state.beta;
    },
  };
}
