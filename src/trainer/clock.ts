/**
 * Training time, for reports only: seconds of earlier sessions (a resumed run) plus this one's. Rollbacks
 * do not turn it back, and nothing computed depends on it.
 */
/** Iterations of warm-up left out of the rate, and run after it before the rate is trusted. */
const WARMUP_ITERATIONS = 10;

export class TrainClock {
  private readonly started = performance.now();
  private stageStarted = this.started;

  /** Earlier sessions' training seconds `before` the current stage and `stageBefore` within it; `doneAtStart`: their iterations. */
  constructor(
    private readonly before = 0,
    private stageBefore = 0,
    readonly doneAtStart = 0,
  ) {}

  /** Training seconds so far. */
  seconds(): number {
    return this.before + (performance.now() - this.started) / 1000;
  }

  /** Seconds of the current stage so far. */
  stageSeconds(): number {
    return this.stageBefore + (performance.now() - this.stageStarted) / 1000;
  }

  /** Where the rate is measured from once the warm-up is over: iterations done and the time then. */
  private warm?: { done: number; at: number };
  /** Whether the last rate() was measured after the warm-up. */
  private afterWarmup = false;

  /**
   * Iterations per second in this session. The first WARMUP_ITERATIONS iterations include
   * compiling kernels and run several times slower, so once WARMUP_ITERATIONS more have run the
   * rate is measured from the end of the warm-up; until then over the whole session.
   */
  rate(done: number): number {
    const now = performance.now();
    if (!this.warm && done - this.doneAtStart >= WARMUP_ITERATIONS) this.warm = { done, at: now };
    this.afterWarmup = this.warm !== undefined && done - this.warm.done >= WARMUP_ITERATIONS;
    const [iterations, ms] =
      this.warm && this.afterWarmup
        ? [done - this.warm.done, now - this.warm.at]
        : [done - this.doneAtStart, now - this.started];
    return iterations / Math.max(ms / 1000, 1e-9);
  }

  /** Whether the last rate() was measured after the warm-up (an ETA from it is worth showing). */
  settled(): boolean {
    return this.afterWarmup;
  }

  /** The next stage starts now. */
  nextStage(): void {
    this.stageBefore = 0;
    this.stageStarted = performance.now();
  }
}
