/** Certified constraint bounds of a saved run: RUN/verify.json (docs/verify.md). */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/index.js';
import { SpecError } from '../spec/index.js';
import { exitCodeOf, verifyModel, verifyProblem, type ConstraintResult } from '../verify/index.js';
import { disposeLoadedModel, loadRun } from './load-run.js';

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
    const vm = verifyModel(loaded.view, loaded.model);
    const constraints = verifyProblem(loaded.problem, vm, { tolerance, budget, f32: o.f32 ?? true });
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
    };
    writeFileAtomic(join(run, 'verify.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    disposeLoadedModel(loaded);
  }
}
