/**
 * The loss part of a strategy: how each term outside the exact ones enters the
 * loss (its mode), the handlers that shape it (adaptive weights, multipliers,
 * barrier), optional causal weighting of the equations, and their state and
 * outer rounds as training goes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import { CAUSAL_DEFAULTS, strategyOptions, type CausalOptions, type StrategyName } from '../spec/index.js';
import { termMeanSquare, termWeight } from './penalty.js';
import {
  GROUPS,
  type IterationContext,
  type LossHandler,
  type LossParts,
  type Strategy,
  type TermResiduals,
} from './strategy.js';
import { adaptiveWeights } from './adaptive.js';
import { lagrangian } from './lagrangian.js';
import { barrier } from './barrier.js';
import { causalWeighting, type CausalState } from './causal.js';
import type { ExactPlan } from './plan.js';

/** How a term's loss is formed once transforms are settled. */
type LossMode = 'penalty' | 'adaptive' | 'augmented-lagrangian' | 'barrier';

/** Modes with a handler of their own (penalty is the plain weighted mean square). */
type HandledMode = Exclude<LossMode, 'penalty'>;

interface LossPlan {
  /** Every term in the loss, in problem order, and its mode. */
  modeOf: Map<Term, LossMode>;
  /** Causal weighting of the equations, when training.causal applies. */
  causal: CausalOptions | undefined;
  notes: string[];
}

/** The loss modes of strategy `name` for the terms not imposed exactly, and the notes on them. Pure. */
export function planLoss(problem: Problem, name: StrategyName, exact: ExactPlan): LossPlan {
  const spec = problem.spec;
  const notes: string[] = [];
  const modeOf = new Map<Term, LossMode>();
  for (const t of problem.terms) {
    if (exact.exactTerms.has(t)) continue;
    const s = t.strategy ?? name;
    let mode: LossMode = 'penalty';
    if (t.kind === 'equation') mode = 'penalty';
    else if (s === 'adaptive' || s === 'augmented-lagrangian') mode = s;
    else if (s === 'barrier') {
      if (t.kind === 'inequality') mode = 'barrier';
      else if (t.strategy === 'barrier') notes.push(`${t.name}: penalty (a barrier applies only to inequalities)`);
    } else if (s === 'hard' && t.kind === 'inequality') mode = 'barrier';
    modeOf.set(t, mode);
  }
  // hard holds what it cannot build into the output with the barrier, not a penalty: it keeps the
  // inequality on every point it sees, where a penalty leaves it roughly met.
  const hardBarrier = [...modeOf].filter(([t, m]) => m === 'barrier' && (t.strategy ?? name) === 'hard');
  if (hardBarrier.length > 0)
    notes.push(
      `${hardBarrier.map(([t]) => t.name).join('; ')}: log barrier (hard holds inequalities with the barrier)`,
    );
  const plain = [...modeOf]
    .filter(([t, m]) => t.kind !== 'equation' && m === 'penalty' && !t.strategy && !exact.explained.has(t))
    .map(([t]) => t.name);
  if (name !== 'penalty' && plain.length > 0)
    notes.push(`${plain.join('; ')}: penalty (${name} does not apply to ${plain.length === 1 ? 'it' : 'them'})`);
  // Time-causal weighting of the equations' residuals (training.causal).
  const causal = spec.training.causal && problem.time ? (spec.training.causalOptions ?? CAUSAL_DEFAULTS) : undefined;
  if (causal)
    notes.push(
      `equations: causal time weighting (${causal.bins} time bins, epsilon ${causal.epsilon}; weights fixed during L-BFGS stages)`,
    );
  else if (spec.training.causal) notes.push('training.causal has no effect: the problem has no time');
  if (spec.training.resampleEvery > 0 && [...modeOf.values()].includes('augmented-lagrangian')) {
    notes.push(
      'augmented-lagrangian: multipliers are pointwise on the training points; resampling keeps them by point index',
    );
  }
  return { modeOf, causal, notes };
}

/** A strategy's loss and its changing state. */
type ComposedLoss = Required<
  Pick<
    Strategy,
    | 'loss'
    | 'logValues'
    | 'getState'
    | 'setState'
    | 'dispose'
    | 'afterIteration'
    | 'roundEvery'
    | 'outerRound'
    | 'roundsLeft'
  >
> &
  Pick<Strategy, 'calibrate'>;

/**
 * The checkpointed state: each handler's under its mode, the causal weights, and the L-BFGS
 * iterations since each round-keeping handler's last outer round.
 */
type ComposedState = Partial<Record<HandledMode, unknown>> & {
  causal?: CausalState;
  since_round?: Partial<Record<HandledMode, number>>;
};

function createHandler(mode: HandledMode, problem: Problem): LossHandler {
  const { options, weights } = problem.spec.constraints;
  switch (mode) {
    case 'adaptive':
      return adaptiveWeights(problem, strategyOptions('adaptive', options));
    case 'augmented-lagrangian':
      return lagrangian(
        weights.conditions > 0 ? weights.conditions : 1,
        strategyOptions('augmented-lagrangian', options),
      );
    case 'barrier':
      return barrier(strategyOptions('barrier', options));
  }
}

/** The run-time loss of a plan: handlers are made here, once per mode in use, in the order the terms first use them. */
export function composeLoss(problem: Problem, plan: LossPlan): ComposedLoss {
  const spec = problem.spec;
  const { modeOf } = plan;
  const handlers = new Map<HandledMode, LossHandler>();
  for (const mode of new Set(modeOf.values())) if (mode !== 'penalty') handlers.set(mode, createHandler(mode, problem));
  const inLoss = [...modeOf.keys()];
  const termsOf = (mode: HandledMode) => inLoss.filter((t) => modeOf.get(t) === mode);
  const causal = plan.causal && causalWeighting(plan.causal);
  const calibrated = [...handlers.values()].filter((h) => h.calibrate);
  /** L-BFGS iterations since each round-keeping handler's last outer round (see outerRound). */
  const sinceRound = new Map<HandledMode, number>();

  return {
    loss(residuals: TermResiduals[]): LossParts {
      const parts = new Map<string, tf.Scalar>();
      const totals: tf.Scalar[] = [];
      causal?.begin();
      for (const r of residuals) {
        const group = GROUPS[r.term.kind];
        const ms = termMeanSquare(r);
        parts.set(group, parts.has(group) ? tf.add(parts.get(group)!, ms) : ms);
        const mode = modeOf.get(r.term) ?? 'penalty';
        if (causal && r.bins && r.term.kind === 'equation') {
          totals.push(causal.loss({ ...r, bins: r.bins }, termWeight(r.term, spec)));
          continue;
        }
        totals.push(mode === 'penalty' ? tf.mul(ms, termWeight(r.term, spec)) : handlers.get(mode)!.loss(r));
      }
      const total = (
        totals.length === 0 ? tf.scalar(0) : totals.length === 1 ? totals[0]! : tf.addN(totals)
      ) as tf.Scalar;
      return { total, parts };
    },
    logValues(): Record<string, number> {
      return Object.assign({}, ...[...handlers.values()].map((h) => h.logValues?.() ?? {}), causal?.logValues() ?? {});
    },
    getState(): ComposedState {
      const state: ComposedState = Object.fromEntries(
        [...handlers].filter(([, h]) => h.getState).map(([mode, h]) => [mode, h.getState!()]),
      );
      if (causal) state.causal = causal.getState();
      if (sinceRound.size > 0) state.since_round = Object.fromEntries(sinceRound);
      return state;
    },
    setState(state: unknown): void {
      const s = state as ComposedState;
      for (const [mode, h] of handlers) if (h.setState && s[mode] !== undefined) h.setState(s[mode]);
      if (causal && s.causal !== undefined) causal.setState(s.causal);
      sinceRound.clear();
      for (const [mode, n] of Object.entries(s.since_round ?? {})) sinceRound.set(mode as HandledMode, n);
    },
    dispose(): void {
      for (const h of handlers.values()) h.dispose?.();
    },
    afterIteration(ctx: IterationContext): void {
      causal?.update();
      for (const [mode, h] of handlers) {
        if (h.afterIteration) h.afterIteration(ctx, termsOf(mode));
      }
    },
    roundEvery(): number | undefined {
      const due = [...handlers]
        .filter(([, h]) => h.round)
        .map(([mode, h]) => h.roundEvery! - (sinceRound.get(mode) ?? 0));
      return due.length > 0 ? Math.max(1, Math.min(...due)) : undefined;
    },
    roundsLeft(): boolean {
      return [...handlers.values()].some((h) => h.roundsLeft?.());
    },
    ...(calibrated.length > 0 && {
      calibrate(startLoss: number): void {
        for (const h of calibrated) h.calibrate!(startLoss);
      },
    }),
    outerRound(ctx: IterationContext, iterations: number, converged: boolean): void {
      for (const [mode, h] of handlers) {
        if (!h.round) continue;
        const since = (sinceRound.get(mode) ?? 0) + iterations;
        if (converged || since >= h.roundEvery!) {
          h.round(ctx, termsOf(mode));
          sinceRound.set(mode, 0);
        } else sinceRound.set(mode, since);
      }
    },
  };
}
