/**
 * Augmented Lagrangian with pointwise multipliers on each condition and
 * inequality's collocation points. Per point, an equality c = 0 adds
 * lambda c + mu/2 c^2 and an inequality g <= 0 adds
 * (max(0, lambda + mu g)^2 - lambda^2) / (2 mu) (the Powell-Hestenes-Rockafellar
 * form); both are averaged over the points. Every `round_every` iterations the
 * multipliers move (lambda += mu c; lambda = max(0, lambda + mu g)) and mu
 * grows by `mu_growth` up to `mu_max`; in L-BFGS stages a round follows each
 * inner solve of `round_every` iterations (or fewer, when it converges first).
 */
import * as tf from '@tensorflow/tfjs';
import type { Term } from '../problem/index.js';
import type { StrategyOptions } from '../spec/index.js';
import type { IterationContext, TermResiduals } from './strategy.js';
import type { LossHandler } from './strategy.js';

/** The schedule and the multipliers (by term name, with their shapes), for checkpoints. */
interface LagrangianState {
  mu: number;
  rounds: number;
  lambdaRms: number;
  multipliers: [string, { shape: number[]; values: number[] }[]][];
}

/** Pointwise loss of one residual tensor given its multipliers (undefined: zero). */
export function alTermLoss(c: tf.Tensor, lambda: tf.Tensor | undefined, mu: number, inequality: boolean): tf.Scalar {
  if (inequality) {
    if (!lambda) return tf.mul(tf.mean(tf.square(tf.relu(c))), mu / 2);
    return tf.div(tf.mean(tf.sub(tf.square(tf.relu(tf.add(lambda, tf.mul(c, mu)))), tf.square(lambda))), 2 * mu);
  }
  const quad = tf.mul(tf.mean(tf.square(c)), mu / 2) as tf.Scalar;
  return lambda ? tf.add(tf.mean(tf.mul(lambda, c)), quad) : quad;
}

/** The multiplier update of one round. */
export function alUpdate(c: tf.Tensor, lambda: tf.Tensor | undefined, mu: number, inequality: boolean): tf.Tensor {
  const next = lambda ? tf.add(lambda, tf.mul(c, mu)) : tf.mul(c, mu);
  return inequality ? tf.relu(next) : next;
}

/**
 * `startMu`: mu's start unless the `mu` option is given. One closure on purpose: the multipliers are
 * tensors that the loss, the rounds, the state and dispose all share.
 */
export function lagrangian(
  startMu: number,
  options: StrategyOptions<'augmented-lagrangian'>,
): LossHandler<LagrangianState> & { state(): { mu: number; rounds: number; multipliers: Map<Term, tf.Tensor[]> } } {
  let mu = options.mu ?? startMu;
  const growth = options.mu_growth;
  const muMax = options.mu_max;
  const every = Math.max(1, Math.round(options.round_every));
  let rounds = 0;
  let lambdaRms = 0;
  const multipliers = new Map<Term, tf.Tensor[]>();
  /** Restored multipliers by term name, claimed by their term on first use. */
  const pending = new Map<string, tf.Tensor[]>();
  const claim = (t: Term) => {
    const p = pending.get(t.name);
    if (p) {
      pending.delete(t.name);
      multipliers.set(t, p);
    }
  };
  const lambdaFor = (t: Term, i: number, c: tf.Tensor) => {
    claim(t);
    const l = multipliers.get(t)?.[i];
    return l && l.shape[0] === c.shape[0] ? l : undefined;
  };
  /** One multiplier round: lambda moves by mu times the current residuals, then mu grows. */
  const round = (ctx: IterationContext, terms: Term[]) => {
    if (terms.length === 0) return;
    let sumSq = 0;
    let n = 0;
    tf.tidy(() => {
      for (const r of ctx.residuals()) {
        if (!terms.includes(r.term)) continue;
        const ineq = r.term.kind === 'inequality';
        const next = r.values.map((c, i) => tf.keep(alUpdate(c, lambdaFor(r.term, i, c), mu, ineq)));
        multipliers.get(r.term)?.forEach((l) => l.dispose());
        multipliers.set(r.term, next);
        for (const l of next) {
          sumSq += tf.sum(tf.square(l)).dataSync()[0]!;
          n += l.size;
        }
      }
    });
    lambdaRms = Math.sqrt(sumSq / Math.max(n, 1));
    rounds++;
    mu = Math.min(mu * growth, muMax);
  };
  return {
    loss: (r: TermResiduals) => {
      const ineq = r.term.kind === 'inequality';
      const ls = r.values.map((c, i) => alTermLoss(c, lambdaFor(r.term, i, c), mu, ineq));
      return (ls.length === 1 ? ls[0]! : tf.addN(ls)) as tf.Scalar;
    },
    afterIteration(ctx: IterationContext, terms: Term[]) {
      if (ctx.iteration % every === 0) round(ctx, terms);
    },
    roundEvery: every,
    round,
    logValues: () => ({ al_round: rounds, al_mu: mu, al_lambda_rms: lambdaRms }),
    state: () => ({ mu, rounds, multipliers }),
    dispose() {
      multipliers.forEach((ls) => ls.forEach((l) => l.dispose()));
      multipliers.clear();
      pending.forEach((ls) => ls.forEach((l) => l.dispose()));
      pending.clear();
    },
    getState: () => ({
      mu,
      rounds,
      lambdaRms,
      multipliers: [...multipliers, ...[...pending].map(([n, ls]) => [{ name: n } as Term, ls] as const)].map(
        ([t, ls]) => [t.name, ls.map((l) => ({ shape: l.shape, values: Array.from(l.dataSync()) }))],
      ),
    }),
    setState(s) {
      mu = s.mu;
      rounds = s.rounds;
      lambdaRms = s.lambdaRms;
      multipliers.forEach((ls) => ls.forEach((l) => l.dispose()));
      multipliers.clear();
      pending.forEach((ls) => ls.forEach((l) => l.dispose()));
      pending.clear();
      for (const [name, ls] of s.multipliers) {
        pending.set(
          name,
          ls.map((l) => tf.keep(tf.tensor(Float32Array.from(l.values), l.shape))),
        );
      }
    },
  };
}
