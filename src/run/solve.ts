/**
 * One solve, end to end: spec -> problem -> strategy -> model -> training ->
 * evaluation -> files in the run folder. The CLI only parses flags and
 * renders progress around this. prepare.ts builds the run, batches.ts feeds
 * it points, finish.ts writes its files.
 */
import { mkdirSync } from 'node:fs';
import { computedInputs, disposeModel, networkPathNote, parameterCount } from '../model/index.js';
import {
  lmNotes,
  precisionPlan,
  trainSteps,
  type HealthWarning,
  type Progress,
  type TrainCheckpoint,
  type TrainOutput,
} from '../trainer/index.js';
import { disposeBatches } from '../residuals/index.js';
import type { Problem } from '../problem/index.js';
import { BatchSource } from './batches.js';
import { CHECKPOINT_FORMAT, checkpointPath, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { finishRun, type Summary } from './finish.js';
import { prepareRun, type PreparedRun, type RunPlan, type RunRequest } from './prepare.js';
import { PINN_VERSION } from './version.js';

/**
 * On webgpu, Adam reads the loss back every this many iterations (and before snapshots, resampling
 * and at stage ends): each read drains the GPU's queue (docs/performance.md has the effect).
 */
const WEBGPU_LOSS_READ_EVERY = 16;

interface SolveOptions extends RunRequest {
  backend: { name: string; detail: string };
  /** planRun(this request), when the caller checked the run before choosing the backend. */
  plan?: RunPlan;
  onProgress?: (p: Progress) => void;
  /** Checkpoint every this many iterations (default: training.checkpoint_every; 0: only when stopped). */
  checkpointEvery?: number;
  /** Told of each divergence rollback. */
  onRollback?: (info: { reason: string; toIteration: number; lr: number; rollbacks: number }) => void;
  /** Adam reads the loss back every this many iterations (default: WEBGPU_LOSS_READ_EVERY on webgpu, else 1). */
  lossReadEvery?: number;
  /** Threads sharing each loss evaluation (default: training.workers). */
  workers?: number;
  /** Told when a stage ends where it started, as it ends. */
  onHealth?: (w: HealthWarning) => void;
  /** Called once the problem is built, before training (for a header line). */
  onStart?: (info: StartInfo) => void;
}

export interface StartInfo {
  problem: Problem;
  outDir: string;
  parameters: number;
  points: Record<string, number>;
  notes: string[];
}

/** A point between iterations where a driver may stop the run (after saving a checkpoint). */
interface SolvePoint {
  done: number;
  totalIterations: number;
  outDir: string;
  /** Writes RUN/checkpoint/checkpoint.json now; returns its path. */
  save(): string;
}

/** Training was stopped at an iteration boundary (signal) after a checkpoint was saved. */
export class InterruptedError extends Error {
  constructor(
    readonly outDir: string,
    readonly iteration: number,
    readonly totalIterations: number,
    readonly checkpoint: string,
    readonly signal: string,
  ) {
    super(
      `interrupted by ${signal} at iteration ${iteration} of ${totalIterations}; checkpoint saved to ${checkpoint}`,
    );
  }
}

/** Trains and writes the run synchronously (periodic checkpoints still written). */
export function solve(opts: SolveOptions): Summary {
  const steps = solveSteps(opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Trains and writes the run, giving the event loop a turn between iterations
 * (every ~20 ms) so signals are seen; when `stop.signal` is set, saves a
 * checkpoint at the next iteration boundary and throws InterruptedError.
 */
export async function solveAsync(opts: SolveOptions, stop: { signal?: string }): Promise<Summary> {
  const steps = solveSteps(opts);
  let turn = performance.now();
  try {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - turn > 20) {
        await new Promise((res) => setImmediate(res));
        turn = performance.now();
      }
      if (stop.signal) {
        const p = r.value;
        const path = p.save();
        throw new InterruptedError(p.outDir, p.done, p.totalIterations, path, stop.signal);
      }
    }
  } finally {
    steps.return(undefined as never);
  }
}

/** Measured, not assumed: where the PML along a rectangle failed (docs/electromagnetics.md). */
const CARTESIAN_PML_NOTE =
  'pml along the bounding box (each axis stretched on its own): around a circular source it trained to the wrong field in our measurements, at a small loss (docs/electromagnetics.md, PML and the absorbing condition compared); check the field against a reference, or use a circular outer boundary (radial PML) or absorbing';

/** The whole solve as a generator yielding at iteration boundaries (see SolvePoint). */
function* solveSteps(opts: SolveOptions): Generator<SolvePoint, Summary, void> {
  const t0 = performance.now();
  const run = prepareRun(opts, opts.plan);
  const { spec, problem, model, strategy, outDir, resumed } = run;
  const precision = precisionPlan(problem, model, strategy, spec.training);
  // Its outputs then show the network function the float64 stages trained, not float32 rounding of it.
  if (precision.float64) model.values64 = true;
  const source = new BatchSource(
    run,
    opts.backend.name,
    opts.workers ?? spec.training.workers,
    precision.float64 ? 'training.precision float64 evaluates every point on this thread' : undefined,
  );
  mkdirSync(outDir, { recursive: true });
  const notes = [
    ...strategy.notes,
    ...source.threadNotes(),
    ...lmNotes(spec.training.stages, parameterCount(model.net)),
    ...(precision.note ? [precision.note] : []),
    networkPathNote(model.net, computedInputs(model)),
    ...(resumed ? [resumedNote(resumed, opts.backend.name)] : []),
    ...(problem.pmlInterior?.kind === 'box' ? [CARTESIAN_PML_NOTE] : []),
  ];
  opts.onStart?.({ problem, outDir, parameters: parameterCount(model.net), points: run.points, notes });

  const totalIterations = spec.training.stages.reduce((s, st) => s + st.iterations, 0);
  const every = opts.checkpointEvery ?? spec.training.checkpointEvery;
  let result: TrainOutput | undefined;
  const steps = trainSteps(problem, model, strategy, source.batches, {
    stages: spec.training.stages,
    recordEvery: spec.training.logEvery > 0 ? spec.training.logEvery : Math.max(1, Math.round(totalIterations / 500)),
    resampleEvery: spec.training.resampleEvery,
    resample: () => source.resample(),
    parallel: source.worker,
    float64: precision.float64,
    lossReadEvery: opts.lossReadEvery ?? (opts.backend.name === 'webgpu' ? WEBGPU_LOSS_READ_EVERY : 1),
    onProgress: opts.onProgress,
    onHealth: opts.onHealth,
    resume: resumed?.train,
    onRollback: (info) => {
      notes.push(`rolled back to iteration ${info.toIteration} after ${info.reason}; lr now ${info.lr.toPrecision(3)}`);
      opts.onRollback?.(info);
    },
  });
  try {
    let lastSaved = resumed?.iteration ?? 0;
    for (;;) {
      const r = steps.next();
      if (r.done) {
        result = r.value;
        break;
      }
      const b = r.value;
      const save = () => {
        writeCheckpoint(outDir, checkpointAt(run, b, totalIterations, opts.backend.name));
        lastSaved = b.done;
        return checkpointPath(outDir);
      };
      if (every > 0 && b.done > lastSaved && b.done % every === 0) save();
      yield { done: b.done, totalIterations, outDir, save };
    }
  } finally {
    // Stopped, diverged or failed: release what the run holds (an interrupted run has saved its checkpoint).
    source.close();
    if (!result) {
      steps.return(undefined as never);
      source.dispose();
      disposeModel(model);
      strategy.dispose?.();
    }
  }
  disposeBatches(result.batches);
  return finishRun(run, result, notes, opts.backend, t0);
}

/** The run's note that it continues from a checkpoint (taken on another backend, perhaps). */
function resumedNote(resumed: Checkpoint, backend: string): string {
  return (
    `resumed from the checkpoint at iteration ${resumed.iteration} of ${resumed.total_iterations}` +
    (resumed.backend !== backend
      ? ` (taken on backend ${resumed.backend}; results may differ in the last bits from an uninterrupted run)`
      : '')
  );
}

/** The checkpoint at iteration boundary `b`: the trainer's state and the point generators'. */
function checkpointAt(
  run: PreparedRun,
  b: { done: number; capture(): TrainCheckpoint },
  totalIterations: number,
  backend: string,
): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    pinn_version: PINN_VERSION,
    spec_hash: run.hash,
    backend,
    seed: run.seed,
    iteration: b.done,
    total_iterations: totalIterations,
    rng: run.rng.getState(),
    time_rng: run.timeRng.getState(),
    train: b.capture(),
  };
}
