/**
 * Whether training made progress, from the loss records: a run whose loss does not fall (a
 * saturated sign transform whose gradient vanished, a barrier holding the points at its
 * continuation, an ill-posed balance), a stage that ends where it started, multipliers that grow
 * round after round. Each finding says what to try. Pure: it reads the records only, so the
 * solve can report a stage as it ends and summary.json the whole run alike.
 */
import type { StrategyName } from '../spec/index.js';
import { stopReasonText } from './lbfgs.js';
import type { Records } from './records.js';

export type HealthKind = 'loss-flat' | 'stage-stalled' | 'stopped-high' | 'multipliers-growing' | 'constraint-missed';

export interface HealthWarning {
  kind: HealthKind;
  /** 1-based stage, for stage findings. */
  stage?: number;
  message: string;
  advice: string;
}

/** A run or stage of at least this many iterations is judged; shorter ones may end early by design. */
const MIN_ITERATIONS = 100;
/** A whole run whose loss falls by less than this factor did not train. */
const RUN_FACTOR = 2;
/** A stage whose loss falls by less than this fraction of its start ended where it started. */
const STAGE_FRACTION = 0.01;
/**
 * A second-order stage that stops by itself (no further decrease) with the loss above this fraction
 * of the run's start found a point it cannot leave, not a solution: its residuals are still over
 * ~3 % of where they started. On the held-out families converged runs end 1e-5 to 1e-12 below
 * their start (a driven cavity over a wavenumber range at L2 1.9e-3: 2.2e-4); the failures this
 * catches stopped at 3.3e-3 (a two-sided map touched at interior points, L2 1.5e-2) to 0.85 (a
 * squared-distance blend, L2 0.16). Milder failures (a sign map touched with non-zero slope, L2
 * 9e-2, stopped at 6.7e-5) are not told apart from good runs by the loss alone.
 */
const STOPPED_HIGH_FRACTION = 1e-3;
/** Strategies whose objective keeps its meaning through the run (adaptive weights, multipliers and barrier weights move it). */
const FIXED_OBJECTIVE: readonly StrategyName[] = ['penalty', 'hard', 'reparam'];
/** Multiplier rounds judged, and the growth per round that counts as unbounded. */
const GROWTH_ROUNDS = 3;
const GROWTH_PER_ROUND = 1.5;

/** What to try when the loss does not fall, by strategy. */
function adviceFor(strategy: StrategyName): string {
  switch (strategy) {
    case 'reparam':
      return 'a sign transform may be saturated (softplus or exp far on its flat side, so no gradient comes back): try `constraints.positivity: abs` (no flat side), or `strategy: barrier` or `adaptive` for the inequality';
    case 'barrier':
      return 'the barrier may hold the points at its continuation threshold: try a smaller `barrier_start` or a larger `barrier_threshold` in `constraints.options`, or `strategy: adaptive`';
    case 'augmented-lagrangian':
      return 'try a smaller `mu` or `mu_growth`, or more iterations per round (`round_every`), in `constraints.options`';
    default:
      return 'try a smaller or larger learning rate (`training.stages[].lr`), other constraint weights, or another `constraints.strategy` (`pinn compare` runs them all)';
  }
}

/** Iterations of the stages before stage `index` (0-based), that is up to where it starts. */
function iterationsBefore(records: Records, index: number): number {
  return records.stages.slice(0, index).reduce((s, st) => s + st.iterations, 0);
}

/** The loss at the first and last records in iterations [from, to]. */
function lossSpan(records: Records, from: number, to: number): { first: number; last: number } | undefined {
  const { iterations, total } = records.history;
  const inside = iterations.flatMap((it, k) => (it >= from && it <= to && Number.isFinite(total[k]!) ? [k] : []));
  if (inside.length < 2) return undefined;
  return { first: total[inside[0]!]!, last: total[inside[inside.length - 1]!]! };
}

/** The loss over the first `done` iterations, when it fell by less than RUN_FACTOR. */
function flatRun(records: Records, done: number, strategy: StrategyName): HealthWarning | undefined {
  const span = lossSpan(records, 0, done);
  if (done < MIN_ITERATIONS || !span || span.first <= 0 || span.last * RUN_FACTOR <= span.first) return undefined;
  return {
    kind: 'loss-flat',
    message: `the loss did not fall: ${span.first.toExponential(3)} at the start, ${span.last.toExponential(3)} after ${done} iterations`,
    advice: adviceFor(strategy),
  };
}

/** Whether the stage `index` (0-based) ended where it started. */
function stageStalled(records: Records, index: number, strategy: StrategyName): HealthWarning | undefined {
  const report = records.stages[index];
  if (!report || report.iterations < MIN_ITERATIONS) return undefined;
  const start = iterationsBefore(records, index);
  const span = lossSpan(records, start, start + report.iterations);
  // Moved either way (an augmented-Lagrangian total starts below zero and rises as the multiplier
  // term shrinks): not where it started.
  if (!span || Math.abs(span.first - span.last) > STAGE_FRACTION * Math.abs(span.first)) return undefined;
  return {
    kind: 'stage-stalled',
    stage: index + 1,
    message: `stage ${index + 1} (${report.optimizer}) ended where it started: loss ${span.first.toExponential(3)} -> ${span.last.toExponential(3)} over ${report.iterations} iterations`,
    advice: adviceFor(strategy),
  };
}

/**
 * Whether a stage that ended at `loss` ended far above a solution's loss (judged against the run's
 * first recorded loss; only where the objective keeps its meaning).
 */
export function farAboveSolution(records: Records, loss: number, strategy: StrategyName): boolean {
  const first = records.history.total.find((t) => Number.isFinite(t));
  return FIXED_OBJECTIVE.includes(strategy) && first !== undefined && first > 0 && loss > STOPPED_HIGH_FRACTION * first;
}

/**
 * Whether stage `index` stopped by itself (converged, not out of iterations) far above a solution's
 * loss, or is the run's last stage, a second-order one, and ran out of iterations there: a
 * Levenberg-Marquardt stage that converges falls by orders of magnitude in a few hundred
 * iterations, so one still far above at its end is stuck (a 1D obstacle under `hard`: 0.19 of the
 * start after 1000 iterations, L2 0.22).
 */
function stoppedHigh(records: Records, index: number, strategy: StrategyName): HealthWarning | undefined {
  const report = records.stages[index];
  if (!report?.stopReason) return undefined;
  const outOfIterations = report.stopReason === stopReasonText('iteration-limit');
  const lastSecondOrder = report.optimizer === 'levenberg-marquardt' && index === records.stages.length - 1;
  if (outOfIterations && !lastSecondOrder) return undefined;
  const end = iterationsBefore(records, index + 1);
  const span = lossSpan(records, 0, end);
  if (!span || !farAboveSolution(records, span.last, strategy)) return undefined;
  const how = outOfIterations ? 'ran out of iterations' : `stopped (${report.stopReason})`;
  return {
    kind: 'stopped-high',
    stage: index + 1,
    message: `stage ${index + 1} (${report.optimizer}) ${how} at loss ${span.last.toExponential(3)}, ${(span.last / span.first).toExponential(1)} of the start: the model stopped short of fitting the equations and conditions`,
    advice:
      (outOfIterations ? 'more iterations if the loss was still falling (`training.stages`); else ' : '') +
      stoppedAdvice(strategy),
  };
}

/** What to try when training settles far above a solution, by strategy. */
function stoppedAdvice(strategy: StrategyName): string {
  switch (strategy) {
    case 'reparam':
      return 'the bound transform may be unable to represent the solution where it touches the bound (its inverse has an unbounded slope there): try `strategy: barrier` or `penalty` for the inequality';
    case 'hard':
      return 'the exact transform may make the network fit a steep function near the parts: try `strategy: penalty` for the conditions, or a larger network (`network.hidden`)';
    default:
      return 'try a larger network (`network.hidden`), more collocation points, other constraint weights, or another `constraints.strategy` (`pinn compare` runs them all)';
  }
}

/** At the end of stage `index`: the run so far did not train, or else this stage ended where it started or far too high. */
export function stageHealth(records: Records, index: number, strategy: StrategyName): HealthWarning | undefined {
  const done = iterationsBefore(records, index + 1);
  return (
    flatRun(records, done, strategy) ?? stageStalled(records, index, strategy) ?? stoppedHigh(records, index, strategy)
  );
}

/** Every finding on a finished run: a run that did not train, or each stage that ended where it started; growing multipliers. */
export function trainingHealth(records: Records, strategy: StrategyName): HealthWarning[] {
  const done = iterationsBefore(records, records.stages.length);
  const flat = flatRun(records, done, strategy);
  const stages = records.stages.flatMap(
    (_, i) => stageStalled(records, i, strategy) ?? stoppedHigh(records, i, strategy) ?? [],
  );
  const growing = multipliersGrowing(records);
  return [...(flat ? [flat] : stages), ...(growing ? [growing] : [])];
}

/** The augmented-Lagrangian multipliers' RMS growing by GROWTH_PER_ROUND or more over each of the last rounds. */
function multipliersGrowing(records: Records): HealthWarning | undefined {
  const perRound = new Map<number, number>();
  for (const values of records.logged) {
    const round = values['al_round'];
    const rms = values['al_lambda_rms'];
    if (round !== undefined && rms !== undefined && round > 0) perRound.set(round, rms);
  }
  const series = [...perRound.values()].slice(-(GROWTH_ROUNDS + 1));
  if (series.length < GROWTH_ROUNDS + 1) return undefined;
  const grows = series.slice(1).every((v, i) => v >= GROWTH_PER_ROUND * series[i]! && v > 0);
  if (!grows) return undefined;
  return {
    kind: 'multipliers-growing',
    message: `the multipliers grew without settling: RMS ${series.map((v) => v.toExponential(2)).join(' -> ')} over the last ${GROWTH_ROUNDS} rounds`,
    advice:
      'the inner solves do not meet the constraint before each update: try more iterations per round (`round_every`), a smaller `mu_growth` or `mu_max` in `constraints.options`, or `strategy: adaptive`',
  };
}
