/**
 * The training loop: stages of Adam and L-BFGS over one loss function, with
 * loss history, progress reports and optional resampling of collocation points.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import { trainableVariables, unknownValue, type Model } from '../model/index.js';
import { GROUPS, type Strategy } from '../strategies/index.js';
import type { OptimizerName, StageSpec } from '../spec/index.js';
import { computeResiduals, computeResiduals64, type TrainingBatch } from '../residuals/index.js';
import { adamStage } from './adam-stage.js';
import { TrainClock } from './clock.js';
import type { StageContext } from './context.js';
import { evaluateLoss, evaluateWithWorker, systemWithWorker } from './evaluate.js';
import { totalSize } from './flat.js';
import { DivergenceGuard, GUARD_DEFAULTS, type GuardState, type RollbackInfo } from './guard.js';
import type { LossHistory } from './history.js';
import { trainingHealth, type HealthWarning } from './health.js';
import { keepsBest } from './keep-best.js';
import { lbfgsStage } from './lbfgs-stage.js';
import { gaussNewtonSystem } from './jacobian.js';
import { lmStage } from './lm-stage.js';
import {
  disposeState,
  initialState,
  restoreState,
  snapshotState,
  type LoopState,
  type TrainState,
} from './loop-state.js';
import type { ShardWorker } from './parallel.js';
import {
  copyRecords,
  emptyHistory,
  extraColumns,
  recordMarks,
  truncateRecords,
  type Records,
  type StageReport,
} from './records.js';

export { DivergenceError } from './guard.js';
export type { StageReport, TrainState };

export interface Progress {
  stage: number;
  stages: number;
  optimizer: OptimizerName;
  iteration: number;
  totalIterations: number;
  loss: number;
  parts: Record<string, number>;
  /** The strategy's logged values (loss.csv's columns after the parts), e.g. causal_min_weight. */
  values: Record<string, number>;
  iterationsPerSecond: number;
  etaSeconds: number;
  /** False while the rate still includes the first iterations' warm-up (see TrainClock): the ETA is a guess. */
  etaSettled: boolean;
}

export interface TrainOptions {
  stages: StageSpec[];
  /** Record loss parts every this many iterations (and at each stage end). */
  recordEvery: number;
  /** Draw new collocation points every this many iterations (0: never). */
  resampleEvery: number;
  resample?: () => TrainingBatch[];
  /** Second-core worker evaluating the other half of every point set (trainer/parallel.ts). */
  parallel?: ShardWorker;
  onProgress?: (p: Progress) => void;
  /** Continue from a checkpoint (batches must be the ones in use when it was taken). */
  resume?: TrainCheckpoint;
  /** Divergence guard settings (see GUARD_DEFAULTS). */
  guard?: Partial<typeof GUARD_DEFAULTS>;
  /** Told of each rollback after a divergence. */
  onRollback?: (info: RollbackInfo) => void;
  /**
   * Adam reads the loss back every this many iterations (default 1: every iteration, before its
   * update). More leaves the backend's queue full in between (a GPU round trip per read); the
   * result is the same (see adam-stage.ts).
   */
  lossReadEvery?: number;
  /**
   * End each Adam stage with its lowest-loss parameters when the objective is fixed (no
   * resampling, no strategy state); default true. Adam at a fixed learning rate keeps
   * jumping around the minimum, so the last iterate is one random draw of those jumps.
   */
  keepBest?: boolean;
  /** Told when a stage ends where it started, as it ends (trainer/health.ts). */
  onHealth?: (w: HealthWarning) => void;
  /** Levenberg-Marquardt stages in float64 (float64.ts; the caller has checked the run allows it, on one thread). */
  float64?: boolean;
}

export interface TrainResult {
  iterations: number;
  seconds: number;
  history: LossHistory;
  stages: StageReport[];
  finalLoss: { total: number; parts: Record<string, number> };
  /** Strategy values (weights, mu, rounds) and unknowns (`unknown_<name>`) at each record, as extra loss.csv columns. */
  extra: { names: string[]; values: number[][] };
  /** Findings on whether training made progress (trainer/health.ts); empty when it did. */
  health: HealthWarning[];
}

/** What a checkpoint holds of the trainer: the state, the divergence guard's (with the rollback target) and the records. */
export interface TrainCheckpoint extends GuardState {
  state: TrainState;
  history: LossHistory;
  logged: Record<string, number>[];
  stages: StageReport[];
  /** Calls to opts.resample so far (a resumed run replays the sampler this many times). */
  resamples: number;
}

/** An iteration boundary: where a driver may checkpoint, pause or stop. */
export interface Boundary {
  done: number;
  totalIterations: number;
  capture(): TrainCheckpoint;
}

export type TrainOutput = TrainResult & { batches: TrainingBatch[]; resamples: number };

/** Trains `model` in place; `batches` may be replaced on resampling (returned in result order of use). */
export function train(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  initial: TrainingBatch[],
  opts: TrainOptions,
): TrainOutput {
  const steps = trainSteps(problem, model, strategy, initial, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The training loop as a generator: yields a Boundary before each iteration
 * (Adam) and after each accepted iteration (L-BFGS), so a driver can save a
 * checkpoint or stop there; nothing it does at a boundary changes the result.
 * Each stage takes the loop state and returns it (after an Adam rollback, the
 * restored one, which may be in an earlier stage).
 */
export function* trainSteps(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  initial: TrainingBatch[],
  opts: TrainOptions,
): Generator<Boundary, TrainOutput, void> {
  const { ctx, points, totalIterations } = createRun(problem, model, strategy, initial, opts);
  const boundary = (state: LoopState): Boundary => ({
    done: state.done,
    totalIterations,
    capture: () => ({
      state: ctx.snapshot(state),
      good: ctx.guard.good,
      ...copyRecords(ctx.records),
      resamples: points.resamples,
      lrScale: ctx.guard.lrScale,
      rollbacks: ctx.guard.rollbacks,
      firstLoss: ctx.guard.firstLoss,
    }),
  });
  if (strategy.calibrate && !opts.resume) strategy.calibrate(startLoss(ctx));
  let state = initialState(ctx.vars, strategy.getState?.());
  if (opts.resume) state = ctx.restore(state, opts.resume.state);
  try {
    while (state.stage < opts.stages.length) {
      const st = opts.stages[state.stage]!;
      state = yield* boundaries(runStage(ctx, state, st), boundary);
    }
  } finally {
    disposeState(state);
  }
  return {
    iterations: state.done,
    seconds: ctx.clock.seconds(),
    history: ctx.records.history,
    stages: ctx.records.stages,
    finalLoss: { total: state.lastTotal, parts: state.lastParts },
    extra: extraColumns(ctx.records.logged),
    health: trainingHealth(ctx.records, strategy.name),
    batches: points.batches,
    resamples: points.resamples,
  };
}

/** The unweighted loss of the equations, conditions and data at the current weights (Strategy.calibrate). */
function startLoss(ctx: StageContext): number {
  const parts = tf.tidy(() => ctx.evaluate(true).parts ?? {});
  return Object.entries(parts)
    .filter(([group]) => group !== GROUPS.inequality)
    .reduce((sum, [, v]) => sum + v, 0);
}

function runStage(ctx: StageContext, state: LoopState, st: StageSpec): Generator<LoopState, LoopState, void> {
  switch (st.optimizer) {
    case 'adam':
      return adamStage(ctx, state, st);
    case 'lbfgs':
      return lbfgsStage(ctx, state, st);
    case 'levenberg-marquardt':
      return lmStage(ctx, state, st);
  }
}

/** Runs a stage, yielding a Boundary at each state it yields; returns the state it ends with. */
function* boundaries(
  stage: Generator<LoopState, LoopState, void>,
  boundary: (s: LoopState) => Boundary,
): Generator<Boundary, LoopState, void> {
  for (;;) {
    const step = stage.next();
    if (step.done) return step.value;
    yield boundary(step.value);
  }
}

/** The stages' shared context, and the points in use (replaced on resampling) with how many times they were drawn. */
function createRun(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  initial: TrainingBatch[],
  opts: TrainOptions,
): { ctx: StageContext; points: { batches: TrainingBatch[]; resamples: number }; totalIterations: number } {
  const r = opts.resume;
  const points = { batches: initial, resamples: r?.resamples ?? 0 };
  const vars = trainableVariables(model);
  const parameters = totalSize(vars);
  const include = (t: Term) => !strategy.exactTerms.has(t);
  const partNames = [...new Set(problem.terms.filter(include).map((t) => GROUPS[t.kind]))];
  const records: Records = r
    ? { partNames, history: r.history, logged: r.logged, stages: r.stages }
    : { partNames, history: emptyHistory(partNames), logged: [], stages: [] };
  const clock = r
    ? new TrainClock(r.state.seconds - r.state.stageSeconds, r.state.stageSeconds, r.state.done)
    : new TrainClock();
  const resampling = opts.resampleEvery > 0 && opts.resample !== undefined;
  const totalIterations = opts.stages.reduce((s, st) => s + st.iterations, 0);
  const ctx: StageContext = {
    strategy,
    vars,
    unknowns: {
      names: [...model.unknowns.keys()],
      values: () => [...model.unknowns.keys()].map((k) => unknownValue(model, k)),
    },
    records,
    clock,
    guard: new DivergenceGuard({ ...GUARD_DEFAULTS, ...opts.guard }, r ?? {}, opts.onRollback),
    keepBest: keepsBest(opts.keepBest, resampling, strategy.getState?.()),
    recordEvery: opts.recordEvery,
    onHealth: opts.onHealth,
    lossReadEvery: Math.max(1, Math.floor(opts.lossReadEvery ?? 1)),
    evaluate: (readParts) => {
      const local = () => evaluateLoss(problem, model, strategy, points.batches, vars, readParts, include);
      // The worker reads its parts at once: asked for 'later', they come as numbers.
      return opts.parallel ? evaluateWithWorker(opts.parallel, vars, readParts !== false, local) : local();
    },
    residuals: () => computeResiduals(problem, model, points.batches, include),
    system: (rows64) => {
      const local = () => gaussNewtonSystem(problem, model, strategy, points.batches, parameters, include, rows64);
      return opts.parallel ? systemWithWorker(opts.parallel, vars, local) : local();
    },
    ...(opts.float64 && {
      residuals64: (theta: Float64Array) =>
        computeResiduals64(problem, model, points.batches, include, theta).flatMap((r) => r.values),
    }),
    resampleDue: (done) => resampling && done > 0 && done % opts.resampleEvery === 0,
    resampleIfDue: (done) => {
      if (ctx.resampleDue(done)) {
        points.batches = opts.resample!();
        points.resamples++;
      }
    },
    progress: (state, optimizer) => {
      const rate = clock.rate(state.done);
      opts.onProgress?.({
        stage: state.stage,
        stages: opts.stages.length,
        optimizer,
        iteration: state.done,
        totalIterations,
        loss: state.lastTotal,
        parts: state.lastParts,
        values: strategy.logValues(),
        iterationsPerSecond: rate,
        etaSeconds: (totalIterations - state.done) / Math.max(rate, 1e-9),
        etaSettled: clock.settled(),
      });
    },
    snapshot: (state) =>
      snapshotState(state, {
        strategy: strategy.getState?.(),
        ...recordMarks(records),
        seconds: clock.seconds(),
        stageSeconds: clock.stageSeconds(),
      }),
    restore: (current, saved) => {
      disposeState(current);
      const state = restoreState(saved, vars);
      if (saved.strategy !== undefined) strategy.setState?.(saved.strategy);
      truncateRecords(records, saved);
      return state;
    },
  };
  return { ctx, points, totalIterations };
}
