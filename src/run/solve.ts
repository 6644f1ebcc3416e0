/**
 * One solve, end to end: spec -> problem -> strategy -> model -> training ->
 * evaluation -> files in the run folder. The CLI only parses flags and
 * renders progress around this.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSpecWithFlags, resolvedSpecYaml, SpecError, type Spec } from '../spec/index.js';
import { buildProblem, estimateCost, groupTerms, makeSampler, samplePoints, shuffledRows, type PointGroup, type Problem } from '../problem/index.js';
import { createRng, writeFileAtomic } from '../util/index.js';
import { createStrategy, GROUPS, type Strategy } from '../strategies/index.js';
import { createModel, disposeModel, MODEL_DIR, modelFiles, parameterCount, trainableVariables, type Model } from '../model/index.js';
import { DivergenceError, parallelPlan, ShardWorker, splitGroups, trainSteps, type Progress, type TrainOutput, type TrainResult } from '../trainer/index.js';
import { disposeBatches, prepareBatches, type TrainingBatch } from '../residuals/index.js';
import { CHECKPOINT_FORMAT, ResumeError, checkpointPath, readCheckpoint, removeCheckpoint, specHash, writeCheckpoint } from './checkpoint.js';
import { fieldEnergy, fieldErrors, fieldsCsv, fieldTable, lossCsv, measureViolations, picturesFor, renderReport, toNpy, vtkFilesFor, type EnergyPoint, type FieldTable, type Picture, type Violation } from '../outputs/index.js';

export interface SolveOptions {
  specFile: string;
  outDir?: string;
  sets: string[];
  strategy?: string;
  iterations?: number;
  seed?: number;
  backend: { name: string; detail: string };
  onProgress?: (p: Progress) => void;
  /** Continue from RUN/checkpoint (refused when the spec changed or there is none). */
  resume?: boolean;
  /** Checkpoint every this many iterations (default: training.checkpoint_every; 0: only when stopped). */
  checkpointEvery?: number;
  /** Told of each divergence rollback. */
  onRollback?: (info: { reason: string; toIteration: number; lr: number; rollbacks: number }) => void;
  /** Threads sharing each loss evaluation (default: training.workers). */
  workers?: number;
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

export interface Summary {
  name: string;
  backend: string;
  backend_detail: string;
  strategy: string;
  seed: number;
  iterations: number;
  wall_seconds: number;
  train_seconds: number;
  ms_per_iteration: number;
  loss: { total: number; parts: Record<string, number> };
  errors: Record<string, { l2_relative: number; max_abs: number }>;
  violations: Violation[];
  unknowns: Record<string, number>;
  stages: TrainResult['stages'];
  network: { hidden: number[]; activation: string; parameters: number };
  points: Record<string, number>;
  notes: string[];
  fields: string[];
  variables: string[];
  files: string[];
  /** Time-domain Maxwell runs: field energy at each output time (outputs/energy.ts) and its largest relative change. */
  energy?: EnergyPoint[];
  energy_drift?: number;
  /** The spec file the run was started from (absolute), for reloading data files. */
  spec_file: string;
  pinn_version: string;
}

export const PINN_VERSION = '0.1.0';


/** Caps the total iterations at `cap`, taking stages in order. */
export function capStages(spec: Spec, cap: number): void {
  let left = cap;
  spec.training.stages = spec.training.stages
    .map((s) => { const n = Math.min(s.iterations, left); left -= n; return { ...s, iterations: n }; })
    .filter((s) => s.iterations > 0);
}

/** A point between iterations where a driver may stop the run (after saving a checkpoint). */
export interface SolvePoint {
  done: number;
  totalIterations: number;
  outDir: string;
  /** Writes RUN/checkpoint/checkpoint.json now; returns its path. */
  save(): string;
}

/** Training was stopped at an iteration boundary (signal) after a checkpoint was saved. */
export class InterruptedError extends Error {
  constructor(readonly outDir: string, readonly iteration: number, readonly totalIterations: number, readonly checkpoint: string, readonly signal: string) {
    super(`interrupted by ${signal} at iteration ${iteration} of ${totalIterations}; checkpoint saved to ${checkpoint}`);
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

/** The whole solve as a generator yielding at iteration boundaries (see SolvePoint). */
export function* solveSteps(opts: SolveOptions): Generator<SolvePoint, Summary, void> {
  const t0 = performance.now();
  const spec = loadSpecWithFlags(opts.specFile, opts.sets, { strategy: opts.strategy, seed: opts.seed });
  if (opts.iterations !== undefined) capStages(spec, opts.iterations);
  const problem = buildProblem(spec);
  const outDir = opts.outDir ?? join('runs', spec.name);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SpecError([{ loc: { file: outDir, line: 1, col: 1 }, message: 'the output path exists and is not a folder; expected a folder for the run' }]);
  }
  const strategy = createStrategy(spec.constraints.strategy, problem);
  const hash = specHash(spec, problem, strategy.notes);
  const resumed = opts.resume ? readCheckpoint(outDir, hash, opts.specFile) : undefined;

  const seed = spec.training.seed;
  const rng = createRng(seed);
  const sampler = makeSampler(spec.training.sampling, rng);
  const timeRng = createRng(seed + 0x9e3779b9);
  const timeSampler = shuffledRows(makeSampler(spec.training.sampling, timeRng), timeRng);
  const model = createModel(problem, rng, strategy.transforms);
  const trained = problem.terms.filter((t) => !strategy.exactTerms.has(t));
  const sample = () => samplePoints(problem, groupTerms(trained), spec.training.points, sampler, timeSampler);
  // A resumed run replays the point draws from the seed (the samplers' positions follow), then checks the generators.
  let drawn = sample();
  for (let i = 0; i < (resumed?.train.resamples ?? 0); i++) drawn = sample();
  if (resumed && (String(rng.getState()) !== String(resumed.rng) || String(timeRng.getState()) !== String(resumed.time_rng))) {
    disposeModel(model);
    throw new ResumeError(`the checkpoint in ${outDir} does not match this run's random streams after replaying its ${resumed.train.resamples} point draws ` +
      '(was it written by another pinn version?); run without --resume to start afresh');
  }
  const points: Record<string, number> = {};
  for (const g of drawn) points[g.set.kind] = (points[g.set.kind] ?? 0) + g.points.length / problem.variables.length;
  // Causal weights are state of this thread's strategy: a worker would weigh its half differently.
  let plan = parallelPlan(opts.workers ?? spec.training.workers, [spec.constraints.strategy, ...trained.flatMap((t) => (t.strategy ? [t.strategy] : [])), ...(spec.training.causal && problem.time ? ['causal weighting'] : [])],
    opts.backend.name, drawn, problem.variables.length, availableParallelism(), estimateCost(problem).flopsPerIteration);
  let worker: ShardWorker | undefined;
  let workerFailed = false;
  /** Training batches of freshly drawn points: all of them, or this thread's half with the other half sent to the worker. */
  const toBatches = (groups: PointGroup[]): TrainingBatch[] => {
    if (plan.workers === 1) return prepareBatches(problem, groups);
    const [mine, theirs] = splitGroups(groups, problem.variables.length, problem.dim);
    if (worker) worker.setPoints(theirs);
    else {
      try {
        worker = new ShardWorker({
          specFile: opts.specFile, sets: opts.sets, strategy: opts.strategy, seed: opts.seed, backend: opts.backend.name,
          parameters: trainableVariables(model).reduce((n, v) => n + v.size, 0),
          parts: [...new Set(trained.map((t) => GROUPS[t.kind]))],
        }, theirs);
      } catch (err) {
        // A worker that cannot start (e.g. in a single-file bundle) only costs speed.
        plan = { workers: 1, reason: `training on one thread: the worker thread did not start (${(err as Error).message})` };
        workerFailed = true;
        return prepareBatches(problem, groups);
      }
    }
    return prepareBatches(problem, mine.map((s) => s.group)).map((b, k) => ({ ...b, scale: mine[k]!.scale }));
  };
  let batches = toBatches(drawn);
  const parameters = parameterCount(model.net);
  mkdirSync(outDir, { recursive: true });
  const requestedWorkers = opts.workers ?? spec.training.workers;
  const threadNotes = plan.workers === 2 ? ['training on two threads (each evaluates half of every point set)']
    : plan.reason && (requestedWorkers === 2 || workerFailed) ? [plan.reason] : [];
  const notes = [...strategy.notes, ...threadNotes];
  if (resumed) {
    notes.push(`resumed from the checkpoint at iteration ${resumed.iteration} of ${resumed.total_iterations}` +
      (resumed.backend !== opts.backend.name ? ` (taken on backend ${resumed.backend}; results may differ in the last bits from an uninterrupted run)` : ''));
  }
  opts.onStart?.({ problem, outDir, parameters, points, notes });

  const totalIterations = spec.training.stages.reduce((s, st) => s + st.iterations, 0);
  const every = opts.checkpointEvery ?? spec.training.checkpointEvery;
  let result: TrainOutput | undefined;
  const steps = trainSteps(problem, model, strategy, batches, {
    stages: spec.training.stages,
    recordEvery: spec.training.logEvery > 0 ? spec.training.logEvery : Math.max(1, Math.round(totalIterations / 500)),
    resampleEvery: spec.training.resampleEvery,
    resample: () => { disposeBatches(batches); batches = toBatches(sample()); return batches; },
    parallel: worker,
    onProgress: opts.onProgress,
    resume: resumed?.train,
    onRollback: (info) => { notes.push(`rolled back to iteration ${info.toIteration} after ${info.reason}; lr now ${info.lr.toPrecision(3)}`); opts.onRollback?.(info); },
  });
  try {
    let lastSaved = resumed?.iteration ?? 0;
    for (;;) {
      const r = steps.next();
      if (r.done) { result = r.value; break; }
      const b = r.value;
      const save = () => {
        writeCheckpoint(outDir, {
          format: CHECKPOINT_FORMAT, pinn_version: PINN_VERSION, spec_hash: hash, backend: opts.backend.name, seed,
          iteration: b.done, total_iterations: totalIterations, rng: rng.getState(), time_rng: timeRng.getState(), train: b.capture(),
        });
        lastSaved = b.done;
        return checkpointPath(outDir);
      };
      if (every > 0 && b.done > lastSaved && b.done % every === 0) save();
      yield { done: b.done, totalIterations, outDir, save };
    }
  } finally {
    // Stopped, diverged or failed: release what the run holds (an interrupted run has saved its checkpoint).
    worker?.close();
    if (!result) { steps.return(undefined as never); disposeBatches(batches); disposeModel(model); strategy.dispose?.(); }
  }
  batches = result.batches;
  disposeBatches(batches);
  result.stages.forEach((st, i) => {
    if (st.best) notes.push(`stage ${i + 1} (adam) ended with its lowest-loss parameters, of iteration ${st.best.iteration} (loss ${st.best.loss.toExponential(3)}; the last iterate's ${st.best.lastLoss.toExponential(3)})`);
  });
  try {
    const table = fieldTable(problem, model);
    const bad = nonFinite(table);
    if (bad || !Number.isFinite(result.finalLoss.total)) {
      throw new DivergenceError(`the trained model is not finite (${bad ?? `final loss ${result.finalLoss.total}`}); no fields were written. ` +
        'Try a smaller learning rate (training.stages[].lr), fewer L-BFGS iterations, or check that the equations and their coefficients are well scaled.');
    }
    const errors = fieldErrors(table);
    const verifyRng = createRng(seed + 0x51ed27);
    const freshCounts = { domain: 4096, boundary: 2048, initial: 2048 };
    const exactNames = new Set([...strategy.exactTerms].map((t) => t.name));
    const violations = measureViolations(problem, model, makeSampler('uniform', verifyRng), makeSampler('uniform', verifyRng), freshCounts,
      (name) => (exactNames.has(name) ? 'exact' : imposedAs(problem, strategy, name) ?? spec.constraints.strategy));

    const unknowns = Object.fromEntries([...model.unknowns].map(([k, v]) => [k, v.dataSync()[0]!]));
    // A folder without summary.json is incomplete: drop this run's old one before replacing any output.
    rmSync(join(outDir, 'summary.json'), { force: true });
    const outputs = writeOutputs(outDir, spec, problem, table, result, model);
    const files = outputs.written;
    const report = spec.output.formats.includes('html') ? ['report.html'] : [];
    const summary: Summary = {
      name: spec.name,
      backend: opts.backend.name,
      backend_detail: opts.backend.detail,
      strategy: spec.constraints.strategy,
      seed,
      iterations: result.iterations,
      wall_seconds: (performance.now() - t0) / 1000,
      train_seconds: result.seconds,
      ms_per_iteration: result.iterations > 0 ? (result.seconds * 1000) / result.iterations : 0,
      loss: result.finalLoss,
      errors,
      ...(fieldEnergy(problem, table) ?? {}),
      violations,
      unknowns,
      stages: result.stages,
      network: { hidden: spec.network.hidden, activation: spec.network.activation, parameters },
      points,
      notes,
      fields: problem.fields,
      variables: problem.variables,
      files: [...files, ...report, 'summary.json'],
      spec_file: resolve(spec.file),
      pinn_version: PINN_VERSION,
    };
    // The report shows the final summary; summary.json comes last, marking the run complete.
    if (report.length) {
      writeFileAtomic(join(outDir, 'report.html'), renderReport({ summary: summary as unknown as Record<string, unknown>, pictures: outputs.pictures, history: result.history }));
    }
    writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    removeCheckpoint(outDir);
    return summary;
  } finally {
    disposeModel(model);
    strategy.dispose?.();
  }
}

/** The first non-finite field value of a table, described, or undefined. */
function nonFinite(table: FieldTable): string | undefined {
  const cols = table.columns.length;
  const fieldCols = table.fields.map((f) => table.columns.indexOf(f));
  for (let r = 0; r < table.rows; r++) {
    for (const c of fieldCols) {
      const v = table.data[r * cols + c]!;
      if (!Number.isFinite(v)) return `${table.columns[c]} = ${v} at ${table.variables.map((name, i) => `${name} = ${table.data[r * cols + i]}`).join(', ')}`;
    }
  }
  return undefined;
}

/**
 * Every output file but report.html and summary.json, each written atomically
 * (whole or not at all); only the files named here are touched in the folder.
 */
function imposedAs(problem: Problem, strategy: Strategy, name: string): string | undefined {
  const term = problem.terms.find((t) => t.name === name);
  return term && strategy.imposed?.(term);
}

function writeOutputs(outDir: string, spec: Spec, problem: Problem, table: FieldTable, result: TrainResult, model: Model): { written: string[]; pictures: Picture[] } {
  const formats = new Set(spec.output.formats);
  const written: string[] = [];
  const put = (name: string, content: string | Uint8Array) => { writeFileAtomic(join(outDir, name), content); written.push(name); };
  const specYaml = resolvedSpecYaml(spec, problem.fields);
  put('spec.resolved.yaml', specYaml);
  put('loss.csv', lossCsv(result.history, result.extra));
  if (formats.has('csv')) put('fields.csv', fieldsCsv(table));
  if (formats.has('vtk')) for (const f of vtkFilesFor(table)) put(f.name, f.content);
  if (formats.has('npy')) put('fields.npy', toNpy(table));
  // Pictures are rendered for the report too, even when not written as files.
  const pictures = formats.has('png') || formats.has('html') ? picturesFor(table, result.history) : [];
  if (formats.has('png')) for (const p of pictures) put(p.name, p.content);
  // The manifest goes last: a model folder with pinn.json is complete.
  for (const f of modelFiles(problem, model, specYaml, PINN_VERSION)) put(`${MODEL_DIR}/${f.name}`, f.content);
  return { written, pictures };
}

