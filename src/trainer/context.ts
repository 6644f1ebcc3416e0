/** What the stages of one training run share besides the loop state, and the steps they all take. */
import type * as tf from '@tensorflow/tfjs';
import type { Strategy } from '../strategies/index.js';
import type { TermResiduals } from '../residuals/index.js';
import type { TrainClock } from './clock.js';
import type { LossEvaluation, PartsRead } from './evaluate.js';
import type { DivergenceGuard } from './guard.js';
import type { LoopState, TrainState } from './loop-state.js';
import { appendRecord, type Records, type StageReport } from './records.js';

export interface StageContext {
  strategy: Strategy;
  vars: tf.Variable[];
  /** The trained unknown constants, logged per record as `unknown_<name>` loss.csv columns. */
  unknowns: Map<string, tf.Variable>;
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
  /** Tells the caller how training goes. */
  progress(state: LoopState, optimizer: 'adam' | 'lbfgs'): void;
  /** The state as plain data, for the divergence guard and checkpoints. */
  snapshot(state: LoopState): TrainState;
  /** The state `saved` holds, replacing `current` (disposed). */
  restore(current: LoopState, saved: TrainState): LoopState;
}

/** A loss record at `iteration`, with the strategy's values and the unknowns' values now. */
export function record(ctx: StageContext, iteration: number, total: number, parts: Record<string, number>): void {
  const unknowns = Object.fromEntries([...ctx.unknowns].map(([name, v]) => [`unknown_${name}`, v.dataSync()[0]!]));
  appendRecord(ctx.records, iteration, total, parts, { ...ctx.strategy.logValues(), ...unknowns });
}

/** The report of the current stage after `iterations`, timed now. */
export function stageReport(ctx: StageContext, optimizer: 'adam' | 'lbfgs', iterations: number): StageReport {
  const seconds = ctx.clock.stageSeconds();
  return { optimizer, iterations, seconds, msPerIteration: iterations > 0 ? (seconds * 1000) / iterations : 0 };
}

/** Files the stage's report and moves `state` to the next stage. */
export function endStage(ctx: StageContext, state: LoopState, report: StageReport): void {
  ctx.records.stages.push(report);
  ctx.clock.nextStage();
  state.stage++;
  state.k = 0;
}
