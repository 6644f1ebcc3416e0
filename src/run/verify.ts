/** Certified constraint bounds of a saved run: RUN/verify.json (docs/verify.md). */
import { join } from 'node:path';
import { SpecError } from '../spec/index.js';
import { exitCodeOf, verifyModel, verifyProblem, type ConstraintResult, type SeedPoints } from '../verify/index.js';
import { groupTerms, makeSampler, samplePoints } from '../problem/index.js';
import { measureViolations, type Violation } from '../outputs/index.js';
import { createRng, writeFileAtomic } from '../util/index.js';
import { disposeLoadedModel, loadRun } from './load-run.js';
import { violationSampling } from './finish.js';

export const DEFAULT_TOLERANCE = 1e-5;
export const DEFAULT_BUDGET = 60;

export interface VerifyReport {
  run: string;
  tolerance: number;
  budget_seconds: number;
  seconds: number;
  arithmetic: string;
  exit_code: number;
  constraints: ConstraintResult[];
  /** Each data condition's misfit at its observation points, in float32 as solve measures it: reported, never certified. */
  data: Violation[];
}

/** The data conditions' misfits: observations are points, not sets, so there is nothing to bound between them. */
function dataMisfits(loaded: ReturnType<typeof loadRun>): Violation[] {
  const problem = { ...loaded.problem, terms: loaded.problem.terms.filter((t) => t.kind === 'data') };
  if (problem.terms.length === 0) return [];
  // Data groups use their own points: the samplers are never drawn from.
  const none = makeSampler('uniform', createRng(0));
  const counts = { domain: 0, boundary: 0, initial: 0 };
  return measureViolations(problem, loaded.model, none, none, counts, () => 'reported');
}

/** The points where `pinn solve` measured each condition's and inequality's violation (the same draws), as seeds of the counterexample search. */
function solveViolationPoints(loaded: ReturnType<typeof loadRun>): SeedPoints {
  const { problem, spec } = loaded;
  // The same terms as solve's measurement, so that the draws are the same.
  const terms = problem.terms.filter((t) => t.kind !== 'equation');
  const fresh = violationSampling(spec.training.seed);
  const seeds: SeedPoints = new Map();
  if (terms.length === 0) return seeds;
  const nv = problem.variables.length;
  const dim = problem.dim;
  for (const g of samplePoints(problem, groupTerms(terms), fresh.counts, fresh.sampler, fresh.timeSampler)) {
    const pts = Array.from({ length: g.points.length / nv }, (_, k) => ({
      p: Array.from(g.points.subarray(k * nv, (k + 1) * nv)),
      n: g.normals ? Array.from(g.normals.subarray(k * dim, (k + 1) * dim)) : undefined,
    }));
    for (const t of g.terms) seeds.set(t.name, pts);
  }
  return seeds;
}

/** Verifies a run folder and writes RUN/verify.json. */
export function verifyRun(run: string, o: { tolerance?: number; budget?: number; f32?: boolean } = {}): VerifyReport {
  const t0 = performance.now();
  const tolerance = o.tolerance ?? DEFAULT_TOLERANCE;
  const budget = o.budget ?? DEFAULT_BUDGET;
  const loaded = loadRun(run);
  try {
    if (loaded.model.regions.length)
      throw new SpecError([
        {
          loc: { file: run, line: 1, col: 1 },
          message:
            'cannot verify a model with regions (its side variables and interface kink have no interval form yet)',
        },
      ]);
    if (loaded.problem.parameters.length)
      throw new SpecError([
        {
          loc: { file: run, line: 1, col: 1 },
          message: `cannot verify a parametric model (parameters ${loaded.problem.parameters.map((p) => p.name).join(', ')}): its boxes cover space and time only`,
        },
      ]);
    const vm = verifyModel(loaded.view, loaded.model);
    const seeds = solveViolationPoints(loaded);
    const constraints = verifyProblem(loaded.problem, vm, { tolerance, budget, f32: o.f32 ?? true, seeds });
    const report: VerifyReport = {
      run,
      tolerance,
      budget_seconds: budget,
      seconds: (performance.now() - t0) / 1000,
      arithmetic:
        (o.f32 ?? true)
          ? 'float32 deployment (exact bounds widened by the float32 error model, docs/verify.md)'
          : 'exact real arithmetic on the float32 weights',
      exit_code: exitCodeOf(constraints),
      constraints,
      data: dataMisfits(loaded),
    };
    writeFileAtomic(join(run, 'verify.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    disposeLoadedModel(loaded);
  }
}
