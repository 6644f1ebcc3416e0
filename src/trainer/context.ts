/** What the stages of one training run share besides the loop state, and the steps they all take. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../spec/index.js';
import type { Strategy } from '../strategies/index.js';
import type { TermResiduals } from '../residuals/index.js';
import type { TrainClock } from './clock.js';
import type { LossEvaluation, PartsRead } from './evaluate.js';
import type { DivergenceGuard } from './guard.js';
import type { GaussNewtonSystem } from './jacobian.js';
import type { LoopState, TrainState } from './loop-state.js';
import { stageHealth, type HealthWarning } from './health.js';
import { appendRecord, type Records, type StageReport } from './records.js';

export interface StageContext {
  strategy: Strategy;
  vars: tf.Variable[];
  /** The unknown constants' names, and their values now (scalars; call inside tf.tidy), logged per record as `unknown_<name>` loss.csv columns. */
  unknowns: { names: string[]; values: () => tf.Tensor[] };
  /** Loss and gradients at the current parameters on the current points; the parts read back as `readParts` says. */
  evaluate(readParts: PartsRead): LossEvaluation;
  /** Residuals of the trained terms on the current points, for the strategy's hooks (call inside tf.tidy). */
  residuals(): TermResiduals[];
  records: Records;
  clock: TrainClock;
  guard: DivergenceGuard;
  /** Adam stages end with their lowest-loss parameters (keep-best.ts). */
  keepBest: boolean;
  /** Record loss parts every this many iterations (and at each stage end). */
  recordEvery: number;
  /** Adam reads losses back every this many iterations (TrainOptions.lossReadEvery). */
  lossReadEvery: number;
  /** Whether new collocation points are due before iteration `done`. */
  resampleDue(done: number): boolean;
  /** Draws new collocation points when due before iteration `done`. */
  resampleIfDue(done: number): void;
  /** Told when a stage ends where it started. */
  onHealth?: (w: HealthWarning) => void;
  /** Tells the caller how training goes. */
  progress(state: LoopState, optimizer: OptimizerName): void;
  /**
   * The Gauss-Newton system of the loss at the current parameters on the current points (jacobian.ts);
   * with `rows64`, its loss and gradient taken at those float64 residual rows.
   */
  system(rows64?: Float64Array[]): GaussNewtonSystem;
  /** With training.precision float64: the residual rows at float64 parameters (computeResiduals order). */
  residuals64?: (theta: Float64Array) => Float64Array[];
  /** The state as plain data, for the divergence guard and checkpoints. */
  snapshot(state: LoopState): TrainState;
  /** The state `saved` holds, replacing `current` (disposed). */
  restore(current: LoopState, saved: TrainState): LoopState;
}

/** A loss record at `iteration`, with the strategy's values and the unknowns' values now. */
export function record(ctx: StageContext, iteration: number, total: number, parts: Record<string, number>): void {
  const values = tf.tidy(() => ctx.unknowns.values().map((v) => v.dataSync()[0]!));
  const unknowns = Object.fromEntries(ctx.unknowns.names.map((name, k) => [`unknown_${name}`, values[k]!]));
  appendRecord(ctx.records, iteration, total, parts, { ...ctx.strategy.logValues(), ...unknowns });
}

/** The report of the current stage after `iterations`, timed now. */
export function stageReport(ctx: StageContext, optimizer: OptimizerName, iterations: number): StageReport {
  const seconds = ctx.clock.stageSeconds();
  return { optimizer, iterations, seconds, msPerIteration: iterations > 0 ? (seconds * 1000) / iterations : 0 };
}

/** Files the stage's report and moves `state` to the next stage. */
export function endStage(ctx: StageContext, state: LoopState, report: StageReport): void {
  ctx.records.stages.push(report);
  const stalled = ctx.onHealth && stageHealth(ctx.records, ctx.records.stages.length - 1, ctx.strategy.name);
  if (stalled) ctx.onHealth!(stalled);
  ctx.clock.nextStage();
  state.stage++;
  state.k = 0;
}

/**
 * Records the loss parts at the current parameters (`parts` where the stage already has them, else
 * evaluated) with the loss the stage accepted, and reports progress.
 */
export function recordParts(
  ctx: StageContext,
  state: LoopState,
  optimizer: OptimizerName,
  parts?: Record<string, number>,
): void {
  if (parts) state.lastParts = parts;
  else
    tf.tidy(() => {
      state.lastParts = ctx.evaluate(true).parts!;
    });
  record(ctx, state.done, state.lastTotal, state.lastParts);
  ctx.progress(state, optimizer);
}
