/**
 * Divergence guard (Adam): a loss that is not finite, or that exceeds `blowUp` times the smallest of
 * the recent losses (and the first loss), rolls the state back to the last good snapshot (taken every
 * `snapshotEvery` iterations and at stage starts, kept once the next loss is fine), halves the learning
 * rate for the rest of the run, at most `maxRollbacks` times; then it throws.
 */
import type { LoopState, TrainState } from './loop-state.js';

export const GUARD_DEFAULTS = { snapshotEvery: 100, maxRollbacks: 5, blowUp: 1e3, window: 100 };

/** Training diverged beyond what rolling back could fix, or the result is not finite. */
export class DivergenceError extends Error {}

/** What a checkpoint holds of the guard (beside the window, which is loop state). */
export interface GuardState {
  /** Last known-good snapshot (the rollback target), if any. */
  good?: TrainState;
  lrScale: number;
  rollbacks: number;
  firstLoss: number;
}

export type RollbackInfo = { reason: string; toIteration: number; lr: number; rollbacks: number };

export class DivergenceGuard implements GuardState {
  good?: TrainState;
  lrScale: number;
  rollbacks: number;
  firstLoss: number;
  /** A snapshot taken before the current iteration: the next good one if its loss is fine. */
  candidate?: TrainState;

  constructor(
    private readonly settings: typeof GUARD_DEFAULTS,
    saved: Partial<GuardState>,
    private readonly onRollback?: (info: RollbackInfo) => void,
  ) {
    this.good = saved.good;
    this.lrScale = saved.lrScale ?? 1;
    this.rollbacks = saved.rollbacks ?? 0;
    this.firstLoss = saved.firstLoss ?? NaN;
  }

  /** Whether to take a candidate snapshot before this iteration. */
  wantsSnapshot(state: LoopState): boolean {
    return state.k === 0 || state.done % this.settings.snapshotEvery === 0;
  }

  /** A loss that calls for a rollback: why, or undefined when fine. */
  badLoss(f: number, recent: number[]): string | undefined {
    if (!Number.isFinite(f)) return `the loss became ${f}`;
    if (recent.length === 0) return undefined;
    const best = Math.min(...recent);
    if (f > this.settings.blowUp * best && !(f <= this.firstLoss)) {
      return `the loss blew up to ${f.toExponential(3)} (best recent ${best.toExponential(3)})`;
    }
    return undefined;
  }

  /** The iteration's loss `f` was fine: its candidate snapshot becomes the good one, `f` joins the window. */
  accept(state: LoopState, f: number): void {
    if (Number.isNaN(this.firstLoss)) this.firstLoss = f;
    if (this.candidate) {
      this.good = this.candidate;
      this.candidate = undefined;
    }
    state.recent.push(f);
    if (state.recent.length > this.settings.window) state.recent.shift();
  }

  /**
   * The snapshot to go back to after the bad loss `why` at `state`, with the learning rate halved from
   * now on; throws a DivergenceError when there is none or the rollbacks are used up. `stageLr`: the
   * stage's unscaled learning rate at this iteration, `firstLr` its first.
   */
  rollback(why: string, state: LoopState, stageLr: number, firstLr: number): TrainState {
    const lr = stageLr * this.lrScale;
    const at = `at iteration ${state.done + 1} (stage ${state.stage + 1}, adam, lr ${lr.toPrecision(3)})`;
    this.candidate = undefined;
    if (!this.good) {
      throw new DivergenceError(
        `training diverged: ${why} ${at}, before any good state to roll back to. ` +
          'Try a smaller learning rate (training.stages[].lr, e.g. 1.0e-3), smaller condition weights, or check that the equations and their coefficients are well scaled.',
      );
    }
    if (this.rollbacks >= this.settings.maxRollbacks) {
      throw new DivergenceError(
        `training diverged: ${why} ${at}; rolled back ${this.rollbacks} times, halving the learning rate each time ` +
          `(from ${firstLr.toPrecision(3)} to ${lr.toPrecision(3)}), and it still diverges. No fields were written. ` +
          'Try a smaller learning rate (training.stages[].lr, e.g. 1.0e-3), smaller condition weights or fewer Fourier features, or check that the equations and their coefficients are well scaled.',
      );
    }
    this.rollbacks++;
    this.lrScale *= 0.5;
    this.onRollback?.({
      reason: `${why} ${at}`,
      toIteration: this.good.done,
      lr: stageLr * this.lrScale,
      rollbacks: this.rollbacks,
    });
    return this.good;
  }
}
