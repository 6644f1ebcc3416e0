/**
 * A constraint strategy turns each term's residuals into the training loss,
 * may impose some conditions exactly through output transforms, and may adapt
 * its own state (weights, multipliers) as training goes.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Expr } from '../expr/index.js';
import type { Term, TermKind } from '../problem/index.js';
import type { StrategyName } from '../spec/index.js';
import type { TermResiduals } from '../residuals/index.js';

export type { TermResiduals };

export interface LossParts {
  total: tf.Scalar;
  /** Unweighted mean-square loss per group (equations, conditions, inequalities, data). */
  parts: Map<string, tf.Scalar>;
}

export interface Strategy {
  name: StrategyName;
  /** Output transform per field, in terms of the raw network output and the variables. */
  transforms: Map<string, Expr>;
  /** Terms satisfied by construction: left out of the loss (still measured). */
  exactTerms: Set<Term>;
  /** Human-readable notes on what was imposed how (printed and in summary.json). */
  notes: string[];
  loss(residuals: TermResiduals[]): LossParts;
  /** Numbers to log per record in loss.csv (weights, multipliers' scale, mu). */
  logValues(): Record<string, number>;
  /**
   * Called by the trainer after each Adam iteration. L-BFGS stages keep the
   * strategy's state fixed within an inner solve, since a changing objective
   * breaks its line search; see outerRound for what moves between solves.
   */
  afterIteration?(ctx: IterationContext): void;
  /**
   * Iterations of the next L-BFGS inner solve, up to the next due outer round
   * (augmented-Lagrangian multiplier update, barrier weight decay); undefined when the strategy has none.
   */
  roundEvery?(): number | undefined;
  /**
   * After an inner solve of `iterations` (`converged`: it stopped before its budget): the outer
   * rounds now due, or all of them when it converged. The trainer restarts L-BFGS's memory after it.
   */
  outerRound?(ctx: IterationContext, iterations: number, converged: boolean): void;
  /**
   * Whether an outer round can still change the objective in a way no step could (a barrier weight
   * above its floor): a second-order stage whose steps stall then takes the round instead of stopping.
   */
  roundsLeft?(): boolean;
  /**
   * Sets what scales with the loss at the initial weights (the barrier's starting weight) from
   * `startLoss`, the unweighted loss of the equations, conditions and data there. Present only
   * where something does; the trainer calls it once, before the first iteration.
   */
  calibrate?(startLoss: number): void;
  /**
   * The strategy's changing state (weights, multipliers, schedules) as plain
   * JSON-able data, for checkpoints and divergence rollbacks; setState restores it.
   */
  getState?(): unknown;
  setState?(state: unknown): void;
  /** Releases tensors the strategy holds (multipliers) once the run is over. */
  dispose?(): void;
  /** How a term ends up imposed ("exact", "penalty", "barrier", ...), for the violations report. */
  imposed?(term: Term): string;
}

/** What a strategy may look at between iterations. */
export interface IterationContext {
  /** Iterations completed so far (over all stages). */
  iteration: number;
  /** Trainable variables, for gradient statistics. */
  vars: tf.Variable[];
  /** Residuals of the trained terms on the current batches at the current parameters (call inside tf.tidy). */
  residuals(): TermResiduals[];
}

export const GROUPS: Record<TermKind, string> = {
  equation: 'equations',
  condition: 'conditions',
  inequality: 'inequalities',
  data: 'data',
};

/**
 * Per-term loss handler of a strategy: weighted loss contribution and between-iteration updates.
 * `State`: what getState gives and setState takes back (through JSON, in checkpoints).
 */
export interface LossHandler<State = unknown> {
  loss(r: TermResiduals): tf.Scalar;
  afterIteration?(ctx: IterationContext, terms: Term[]): void;
  /** Handlers with outer rounds: the iterations between two, and one round now (for L-BFGS stages). */
  roundEvery?: number;
  round?(ctx: IterationContext, terms: Term[]): void;
  /** See Strategy.roundsLeft. */
  roundsLeft?(): boolean;
  /** See Strategy.calibrate. */
  calibrate?(startLoss: number): void;
  logValues?(): Record<string, number>;
  /** JSON-able state for checkpoints and rollbacks (see Strategy.getState). */
  getState?(): State;
  setState?(state: State): void;
  dispose?(): void;
}

/** A column-safe name for a term in loss.csv. */
export function columnName(prefix: string, term: Term): string {
  return `${prefix}_${term.name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;
}
