/**
 * Training time, for reports only: seconds of earlier sessions (a resumed run) plus this one's. Rollbacks
 * do not turn it back, and nothing computed depends on it.
 */
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

  /** Iterations per second in this session. */
  rate(done: number): number {
    return (done - this.doneAtStart) / Math.max((performance.now() - this.started) / 1000, 1e-9);
  }

  /** The next stage starts now. */
  nextStage(): void {
    this.stageBefore = 0;
    this.stageStarted = performance.now();
  }
}
