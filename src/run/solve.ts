/**
 * One solve, end to end: spec -> problem -> strategy -> model -> training ->
 * evaluation -> files in the run folder. The CLI only parses flags and
 * renders progress around this.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSpec, parseOverride, type Override } from '../spec/load.js';
import type { Spec } from '../spec/types.js';
import { resolvedSpecYaml } from '../spec/resolved.js';
import { buildProblem, type Problem } from '../problem/problem.js';
import { createRng } from '../problem/sampling/random.js';
import { makeSampler } from '../problem/sampling/samplers.js';
import { shuffledRows } from '../problem/sampling/shuffle.js';
import { createStrategy } from '../strategies/index.js';
import type { Strategy } from '../strategies/strategy.js';
import { createModel, type Model } from '../model/model.js';
import { parameterCount } from '../model/network.js';
import { groupTerms, samplePoints } from '../trainer/points.js';
import { disposeBatches, prepareBatches } from '../trainer/residuals.js';
import { train, type Progress, type TrainResult } from '../trainer/train.js';
import { fieldErrors, fieldTable } from '../outputs/grid.js';
import { fieldsCsv, lossCsv } from '../outputs/csv.js';
import { writeFileAtomic } from '../outputs/atomic.js';
import { vtkFilesFor } from '../outputs/vtk.js';
import { toNpy } from '../outputs/npy.js';
import { picturesFor, type Picture } from '../outputs/png/index.js';
import { renderReport } from '../outputs/report.js';
import { MODEL_DIR, modelFiles } from '../model/format.js';
import { measureViolations, type Violation } from '../outputs/violations.js';
import type { FieldTable } from '../outputs/table.js';
import { SpecError } from '../spec/diagnostics.js';

export interface SolveOptions {
  specFile: string;
  outDir?: string;
  sets: string[];
  strategy?: string;
  iterations?: number;
  seed?: number;
  backend: { name: string; detail: string };
  onProgress?: (p: Progress) => void;
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
  /** The spec file the run was started from (absolute), for reloading data files. */
  spec_file: string;
  pinn_version: string;
}

export const PINN_VERSION = '0.1.0';

/** Spec file plus CLI overrides (flags become --set paths, checked like the file). */
export function loadWithOverrides(file: string, sets: string[], flags: { strategy?: string; seed?: number }): Spec {
  const overrides: Override[] = sets.map(parseOverride);
  if (flags.strategy !== undefined) overrides.push(parseOverride(`constraints.strategy=${flags.strategy}`));
  if (flags.seed !== undefined) overrides.push(parseOverride(`training.seed=${flags.seed}`));
  return loadSpec(file, overrides);
}

/** Caps the total iterations at `cap`, taking stages in order. */
export function capStages(spec: Spec, cap: number): void {
  let left = cap;
  spec.training.stages = spec.training.stages
    .map((s) => { const n = Math.min(s.iterations, left); left -= n; return { ...s, iterations: n }; })
    .filter((s) => s.iterations > 0);
}

export function solve(opts: SolveOptions): Summary {
  const t0 = performance.now();
  const spec = loadWithOverrides(opts.specFile, opts.sets, { strategy: opts.strategy, seed: opts.seed });
  if (opts.iterations !== undefined) capStages(spec, opts.iterations);
  const problem = buildProblem(spec);
  const outDir = opts.outDir ?? join('runs', spec.name);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SpecError([{ loc: { file: outDir, line: 1, col: 1 }, message: 'the output path exists and is not a folder; expected a folder for the run' }]);
  }

  const seed = spec.training.seed;
  const rng = createRng(seed);
  const sampler = makeSampler(spec.training.sampling, rng);
  const timeRng = createRng(seed + 0x9e3779b9);
  const timeSampler = shuffledRows(makeSampler(spec.training.sampling, timeRng), timeRng);
  const strategy = createStrategy(spec.constraints.strategy, problem);
  const model = createModel(problem, rng, strategy.transforms);
  const trained = problem.terms.filter((t) => !strategy.exactTerms.has(t));
  const sample = () => samplePoints(problem, groupTerms(trained), spec.training.points, sampler, timeSampler);
  let batches = prepareBatches(problem, sample());
  const points: Record<string, number> = {};
  for (const b of batches) points[b.group.set.kind] = (points[b.group.set.kind] ?? 0) + b.batch.n;
  const parameters = parameterCount(model.net);
  mkdirSync(outDir, { recursive: true });
  opts.onStart?.({ problem, outDir, parameters, points, notes: strategy.notes });

  const totalIterations = spec.training.stages.reduce((s, st) => s + st.iterations, 0);
  const result = train(problem, model, strategy, batches, {
    stages: spec.training.stages,
    recordEvery: spec.training.logEvery > 0 ? spec.training.logEvery : Math.max(1, Math.round(totalIterations / 500)),
    resampleEvery: spec.training.resampleEvery,
    resample: () => { disposeBatches(batches); batches = prepareBatches(problem, sample()); return batches; },
    onProgress: opts.onProgress,
  });
  batches = result.batches;
  disposeBatches(batches);

  const table = fieldTable(problem, model);
  const errors = fieldErrors(table);
  const verifyRng = createRng(seed + 0x51ed27);
  const freshCounts = { domain: 4096, boundary: 2048, initial: 2048 };
  const exactNames = new Set([...strategy.exactTerms].map((t) => t.name));
  const violations = measureViolations(problem, model, makeSampler('uniform', verifyRng), makeSampler('uniform', verifyRng), freshCounts,
    (name) => (exactNames.has(name) ? 'exact' : imposedAs(problem, strategy, name) ?? spec.constraints.strategy));

  const unknowns = Object.fromEntries([...model.unknowns].map(([k, v]) => [k, v.dataSync()[0]!]));
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
    violations,
    unknowns,
    stages: result.stages,
    network: { hidden: spec.network.hidden, activation: spec.network.activation, parameters },
    points,
    notes: strategy.notes,
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
  disposeModel(model);
  return summary;
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

function disposeModel(model: Model): void {
  model.net.weights.forEach((v) => v.dispose());
  model.net.biases.forEach((v) => v.dispose());
  model.net.fourier?.dispose();
  model.unknowns.forEach((v) => v.dispose());
  tf.disposeVariables();
}
