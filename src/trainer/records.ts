/**
 * What a training run appends as it goes: loss records, the strategy's values at each record and
 * one report per finished stage. A state records how far they reached, so a rollback truncates them.
 */
import type { OptimizerName } from '../spec/index.js';
import type { LossHistory } from './history.js';

export interface StageReport {
  optimizer: OptimizerName;
  iterations: number;
  seconds: number;
  msPerIteration: number;
  /** L-BFGS: loss+gradient evaluations (1 per iteration plus the line search's extra); Levenberg-Marquardt: systems built plus trial steps. */
  evaluations?: number;
  /** L-BFGS and Levenberg-Marquardt: why it stopped, as text (see stopReasonText in lbfgs.ts). */
  stopReason?: string;
  /** Adam: the stage ended with the parameters of this iteration, of the lowest loss (see TrainOptions.keepBest). */
  best?: { iteration: number; loss: number; lastLoss: number };
  /**
   * Levenberg-Marquardt: it stopped far above a solution at `iteration` (loss `loss`) and started
   * again from the run's initial weights, which ended at `restartLoss`; `kept` says which end the
   * stage returned.
   */
  restart?: { iteration: number; loss: number; restartLoss: number; kept: 'restart' | 'first' };
}

export interface Records {
  /** Loss parts recorded, in history column order. */
  partNames: string[];
  history: LossHistory;
  /** Strategy values (weights, mu, rounds) and the unknowns (`unknown_<name>`) at each record. */
  logged: Record<string, number>[];
  stages: StageReport[];
}

/** How far the records reached when a state was taken. */
export interface RecordMarks {
  historyLength: number;
  loggedLength: number;
  stagesLength: number;
}

export function emptyHistory(partNames: string[]): LossHistory {
  return { parts: partNames, iterations: [], total: [], values: partNames.map(() => []) };
}

/** One loss record: the total and parts at `iteration`, with the strategy's values then. */
export function appendRecord(
  r: Records,
  iteration: number,
  total: number,
  parts: Record<string, number>,
  logValues: Record<string, number>,
): void {
  r.history.iterations.push(iteration);
  r.history.total.push(total);
  r.partNames.forEach((p, i) => r.history.values[i]!.push(parts[p] ?? NaN));
  r.logged.push(logValues);
}

export function recordMarks(r: Records): RecordMarks {
  return { historyLength: r.history.total.length, loggedLength: r.logged.length, stagesLength: r.stages.length };
}

/** Drops what was appended after `marks` were taken. */
export function truncateRecords(r: Records, marks: RecordMarks): void {
  r.history.iterations.length = marks.historyLength;
  r.history.total.length = marks.historyLength;
  r.history.values.forEach((v) => {
    v.length = marks.historyLength;
  });
  r.logged.length = marks.loggedLength;
  r.stages.length = marks.stagesLength;
}

/** Copies of the records as a checkpoint holds them. */
export function copyRecords(r: Records): Pick<Records, 'history' | 'logged' | 'stages'> {
  const h = r.history;
  return {
    history: {
      parts: [...h.parts],
      iterations: [...h.iterations],
      total: [...h.total],
      values: h.values.map((v) => [...v]),
    },
    logged: r.logged.map((x) => ({ ...x })),
    stages: r.stages.map((x) => ({ ...x })),
  };
}

/** The strategy and unknowns' values as extra loss.csv columns: each name seen, NaN where a record lacks it. */
export function extraColumns(logged: Record<string, number>[]): { names: string[]; values: number[][] } {
  const names = [...new Set(logged.flatMap((r) => Object.keys(r)))];
  return { names, values: names.map((n) => logged.map((r) => r[n] ?? NaN)) };
}
