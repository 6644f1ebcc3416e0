/**
 * The end of a solve: check the trained model, measure errors and constraint
 * violations on fresh points, write every output file, then summary.json last
 * (a run folder without it is incomplete).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolvedSpecYaml, type Spec } from '../spec/index.js';
import { makeSampler, type PointCounts, type Problem, type UnitSampler } from '../problem/index.js';
import { createRng, writeFileAtomic } from '../util/index.js';
import { termWeight, type Strategy } from '../strategies/index.js';
import {
  disposeModel,
  MODEL_DIR,
  modelFiles,
  parameterCount,
  rawName,
  unknownNumbers,
  type Model,
} from '../model/index.js';
import { evalNumeric } from '../expr/index.js';
import { DivergenceError, type HealthWarning, type TrainResult } from '../trainer/index.js';
import {
  fieldEnergy,
  fieldErrors,
  fieldRanges,
  fieldsCsv,
  fieldTable,
  lossCsv,
  measureViolations,
  missedConstraints,
  picturesFor,
  renderReport,
  toleranceMisses,
  toNpy,
  vtkFilesFor,
  withResidual,
  type EnergyPoint,
  type FieldTable,
  parametricSummary,
  type ParametricSummary,
  type Picture,
  type UnknownUncertainty,
  type Violation,
  unknownUncertainty,
  withStageDrift,
} from '../outputs/index.js';
import { removeCheckpoint } from './checkpoint.js';
import type { PreparedRun } from './prepare.js';
import { PINN_VERSION } from './version.js';

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
  /** Inverse problems: each unknown's standard deviation, 2-sigma interval, correlations and identifiability (outputs/uncertainty.ts). */
  unknowns_uncertainty?: Record<string, UnknownUncertainty>;
  /** Identified coefficient fields (spec `unknown_fields`): each one's range and mean over the output grid. */
  unknown_fields?: Record<string, { min: number; max: number; mean: number }>;
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
  /** Parametric runs (spec `parameters:`): errors per output.parameters value (`errors` holds the first's) and residuals over the range. */
  parametric?: ParametricSummary;
  /** With `constraints.tolerance` (or --fail-above): its value and what missed it (outputs toleranceMisses); empty: met. */
  tolerance?: { value: number; missed: string[] };
  /** Findings on whether training made progress, each with what to try (trainer/health.ts); empty when it did. */
  health: HealthWarning[];
  /** The spec file the run was started from (absolute), for reloading data files. */
  spec_file: string;
  pinn_version: string;
}

/** What the stages' reports say beyond their counts: an Adam stage's kept best, a Levenberg-Marquardt stage's restart. */
export function stageNotes(stages: Summary['stages']): string[] {
  return stages.flatMap((st, i) => {
    const name = `stage ${i + 1} (${st.optimizer})`;
    const notes: string[] = [];
    if (st.best)
      notes.push(
        `${name} ended with its lowest-loss parameters, of iteration ${st.best.iteration} (loss ${st.best.loss.toExponential(3)}; the last iterate's ${st.best.lastLoss.toExponential(3)})`,
      );
    if (st.restart) {
      const r = st.restart;
      notes.push(
        `${name} stopped far above a solution at iteration ${r.iteration} (loss ${r.loss.toExponential(3)}) and started again from the initial weights, ending at ${r.restartLoss.toExponential(3)}: ` +
          (r.kept === 'restart' ? 'kept the restart' : 'kept the first attempt'),
      );
    }
    return notes;
  });
}

/**
 * Writes the run's files and returns its summary; frees the model and the
 * strategy either way. `notes` gains the stages' notes (stageNotes: a kept
 * best, a restart); `started` is performance.now() at the start of the solve.
 */
export function finishRun(
  run: PreparedRun,
  result: TrainResult,
  notes: string[],
  backend: { name: string; detail: string },
  started: number,
): Summary {
  const { spec, problem, model, strategy, outDir } = run;
  notes.push(...stageNotes(result.stages));
  try {
    const table = fieldTable(problem, model);
    const bad = nonFinite(table);
    if (bad || !Number.isFinite(result.finalLoss.total)) {
      const singular = bad && singularTransform(problem, model, bad);
      throw new DivergenceError(
        `the trained model is not finite (${bad?.text ?? `final loss ${result.finalLoss.total}`}); no fields were written. ` +
          (singular ??
            'Try a smaller learning rate (training.stages[].lr), fewer L-BFGS iterations, or check that the equations and their coefficients are well scaled.'),
      );
    }
    const errors = fieldErrors(table);
    if (table.measured && Object.keys(errors).length > 0) notes.push(measuredNote(table.measured));
    const violations = freshViolations(run);
    const unknowns = unknownNumbers(model);
    const uncertainty = unknownsUncertainty(run, unknowns, result);
    for (const u of Object.values(uncertainty ?? {})) if (u.warning) notes.push(u.warning);
    // A folder without summary.json is incomplete: drop this run's old one before replacing any output.
    rmSync(join(outDir, 'summary.json'), { force: true });
    const outputs = writeOutputs(outDir, spec, problem, table, result, model);
    const report = spec.output.formats.includes('html') ? ['report.html'] : [];
    const summary: Summary = {
      name: spec.name,
      backend: backend.name,
      backend_detail: backend.detail,
      strategy: spec.constraints.strategy,
      seed: run.seed,
      iterations: result.iterations,
      wall_seconds: (performance.now() - started) / 1000,
      train_seconds: result.seconds,
      ms_per_iteration: result.iterations > 0 ? (result.seconds * 1000) / result.iterations : 0,
      loss: result.finalLoss,
      errors,
      ...(fieldEnergy(problem, table) ?? {}),
      violations,
      ...(problem.parameters.length ? { parametric: freshParametric(run) } : {}),
      unknowns,
      ...(uncertainty ? { unknowns_uncertainty: uncertainty } : {}),
      ...(problem.unknownFields.length ? { unknown_fields: fieldRanges(table, problem.unknownFields) } : {}),
      stages: result.stages,
      network: {
        hidden: spec.network.hidden,
        activation: spec.network.activation,
        parameters: parameterCount(model.net),
      },
      points: run.points,
      notes,
      fields: problem.fields,
      variables: problem.variables,
      files: [...outputs.written, ...report, 'summary.json'],
      health: [...result.health, ...missedConstraints(problem, violations, table)],
      spec_file: resolve(spec.file),
      pinn_version: PINN_VERSION,
    };
    const tol = spec.constraints.tolerance;
    if (tol !== undefined)
      summary.tolerance = { value: tol, missed: toleranceMisses(summary as unknown as Record<string, unknown>, tol) };
    // The report shows the final summary; summary.json comes last, marking the run complete.
    if (report.length) {
      writeFileAtomic(
        join(outDir, 'report.html'),
        renderReport({
          summary: summary as unknown as Record<string, unknown>,
          pictures: outputs.pictures,
          history: result.history,
          relativeTo: [outDir, process.cwd()],
        }),
      );
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
function nonFinite(table: FieldTable): { field: string; point: number[]; text: string } | undefined {
  const cols = table.columns.length;
  const fieldCols = table.fields.map((f) => table.columns.indexOf(f));
  for (let r = 0; r < table.rows; r++) {
    for (const c of fieldCols) {
      const v = table.data[r * cols + c]!;
      if (Number.isFinite(v)) continue;
      const point = table.variables.map((_, i) => table.data[r * cols + i]!);
      const where = table.variables.map((name, i) => `${name} = ${point[i]}`).join(', ');
      return { field: table.columns[c]!, point, text: `${table.columns[c]} = ${v} at ${where}` };
    }
  }
  return undefined;
}

/**
 * The real cause when a field's output transform (an exact condition's u = G + phi N, a sign
 * transform) is itself not finite at the point whatever the network gives: training did not
 * diverge, the transform's data or distance function is singular there.
 */
function singularTransform(
  problem: Problem,
  model: Model,
  bad: { field: string; point: number[] },
): string | undefined {
  const transform = model.transforms.get(bad.field);
  if (!transform) return undefined;
  const valueAt = (rawValue: number) =>
    evalNumeric(transform, {
      tolerance: 0,
      value: (name) => {
        const k = problem.variables.indexOf(name);
        if (k >= 0) return bad.point[k]!;
        if (name === rawName(bad.field)) return rawValue;
        return problem.constants.get(name) ?? model.unknowns.get(name)?.dataSync()[0] ?? NaN;
      },
    });
  if ([0, 1].every((r) => Number.isFinite(valueAt(r)))) return undefined;
  return (
    `The output transform of ${bad.field} (its exact conditions and sign constraints) is not finite there whatever the network gives: ` +
    'its boundary data or distance function is singular at that point. Give data that are finite in the whole domain, or impose that condition with `strategy: penalty`.'
  );
}

/** The samplers and counts of the violations measured after training (`pinn verify` seeds its search with the same points). */
export function violationSampling(seed: number): {
  sampler: UnitSampler;
  timeSampler: UnitSampler;
  counts: PointCounts;
} {
  const rng = createRng(seed + 0x51ed27);
  const sampler = makeSampler('uniform', rng);
  return { sampler, timeSampler: makeSampler('uniform', rng), counts: { domain: 4096, boundary: 2048, initial: 2048 } };
}

/** Each condition's and inequality's violation on fresh uniform points, with how it was imposed. */
function freshViolations(run: PreparedRun): Violation[] {
  const { problem, model, strategy } = run;
  const fresh = violationSampling(run.seed);
  const exactNames = new Set([...strategy.exactTerms].map((t) => t.name));
  return measureViolations(problem, model, fresh.sampler, fresh.timeSampler, fresh.counts, (name) =>
    exactNames.has(name) ? 'exact' : (imposedAs(problem, strategy, name) ?? run.spec.constraints.strategy),
  );
}

/** Errors at each listed parameter value and residuals at fresh points over the parameter ranges. */
function freshParametric(run: PreparedRun): ParametricSummary {
  const rng = createRng(run.seed + 0x9a7a3e);
  return parametricSummary(run.problem, run.model, makeSampler('uniform', rng), makeSampler('uniform', rng), 4096);
}

/** Error bars of the unknowns on the training points, and whether the last stage still moved them. */
function unknownsUncertainty(
  run: PreparedRun,
  unknowns: Record<string, number>,
  result: TrainResult,
): Record<string, UnknownUncertainty> | undefined {
  const bars = unknownUncertainty(run.problem, run.model, run.drawn, (t) => termWeight(t, run.spec));
  return bars && withStageDrift(bars, unknowns, result);
}

/** How the strategy says it imposes the term named `name` (undefined: its default way). */
function imposedAs(problem: Problem, strategy: Strategy, name: string): string | undefined {
  const term = problem.terms.find((t) => t.name === name);
  return term && strategy.imposed?.(term);
}

/**
 * Every output file but report.html and summary.json, each written atomically
 * (whole or not at all); only the files named here are touched in the folder.
 */
function writeOutputs(
  outDir: string,
  spec: Spec,
  problem: Problem,
  table: FieldTable,
  result: TrainResult,
  model: Model,
): { written: string[]; pictures: Picture[] } {
  const formats = new Set(spec.output.formats);
  const written: string[] = [];
  const put = (name: string, content: string | Uint8Array) => {
    writeFileAtomic(join(outDir, name), content);
    written.push(name);
  };
  const specYaml = resolvedSpecYaml(spec, problem.fields);
  put('spec.resolved.yaml', specYaml);
  put('loss.csv', lossCsv(result.history, result.extra));
  if (formats.has('csv')) put('fields.csv', fieldsCsv(table));
  if (formats.has('vtk')) for (const f of vtkFilesFor(table)) put(f.name, f.content);
  if (formats.has('npy')) put('fields.npy', toNpy(table));
  // Pictures are rendered for the report too, even when not written as files.
  const pictures =
    formats.has('png') || formats.has('html')
      ? picturesFor(withResidual(problem, model, table), result.history, result.extra)
      : [];
  if (formats.has('png')) for (const p of pictures) put(p.name, p.content);
  // The manifest goes last: a model folder with pinn.json is complete.
  for (const f of modelFiles(problem, model, specYaml, PINN_VERSION)) put(`${MODEL_DIR}/${f.name}`, f.content);
  return { written, pictures };
}

/** Where errors were measured when a PML leaves part of the domain out. */
function measuredNote(part: NonNullable<FieldTable['measured']>): string {
  const fmt = (v: number) => String(+v.toPrecision(6));
  const where =
    part.kind === 'disk'
      ? `the disk of radius ${fmt(part.radius)} about (${part.center.map(fmt).join(', ')})`
      : `[${part.min.map(fmt).join(', ')}] - [${part.max.map(fmt).join(', ')}]`;
  return `errors measured inside the PML, in ${where}: in its layer the fields are the stretched ones, not the physical field`;
}
