/**
 * Measures of a parametric run (spec `parameters:`): the errors at every listed parameter value,
 * and the equations' residuals at fresh points across the whole parameter range, binned per
 * parameter, so a user sees where in the range the model is weak.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../model/index.js';
import { groupTerms, samplePoints, type Problem } from '../problem/index.js';
import type { UnitSampler } from '../problem/index.js';
import { computeResiduals, disposeBatches, prepareBatches } from '../residuals/index.js';
import { fieldErrors, fieldTable } from './grid.js';

/** Residual bins per parameter. */
const BINS = 8;
const CHUNK = 2048;

export interface ParametricSummary {
  /** output.parameters, in order; `errors[i]` was measured at `values[i]` (empty without `exact`). */
  values: Record<string, number>[];
  errors: Record<string, { l2_relative: number; max_abs: number }>[];
  /** The equations' residual (root sum of squares per point) at fresh points over space(-time) and the parameter ranges. */
  residuals: {
    points: number;
    rms: number;
    worst: number;
    /** The parameter values at the worst point. */
    worst_at: Record<string, number>;
    /** Per parameter, its range cut into equal bins (in log for a log scale) and each bin's rms residual. */
    by_parameter: Record<string, { low: number; high: number; rms: number }[]>;
  };
}

export function parametricSummary(
  problem: Problem,
  model: Model,
  sampler: UnitSampler,
  paramSampler: UnitSampler,
  points: number,
): ParametricSummary {
  const values = problem.spec.output.parameters;
  const errors = values.map((v) => fieldErrors(fieldTable(problem, model, v)));
  return { values, errors, residuals: parameterResiduals(problem, model, sampler, paramSampler, points) };
}

/** Residual per point of every domain equation, at `count` fresh points. */
function parameterResiduals(
  problem: Problem,
  model: Model,
  sampler: UnitSampler,
  paramSampler: UnitSampler,
  count: number,
): ParametricSummary['residuals'] {
  const equations = problem.terms.filter((t) => t.kind === 'equation' && t.set.kind === 'domain');
  const counts = { domain: count, boundary: 0, initial: 0 };
  const groups = samplePoints(problem, groupTerms(equations), counts, sampler, paramSampler);
  const nVars = problem.variables.length;
  const pts = groups[0]?.points ?? new Float64Array(0);
  const n = Math.min(count, pts.length / nVars);
  const res = new Float64Array(n);
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    const chunk = pts.subarray(start * nVars, (start + m) * nVars);
    const batches = prepareBatches(problem, [{ set: groups[0]!.set, terms: equations, points: chunk }]);
    try {
      tf.tidy(() => {
        for (const r of computeResiduals(problem, model, batches))
          for (const v of r.values) {
            const d = v.dataSync();
            for (let i = 0; i < m; i++) res[start + i] = res[start + i]! + (d.length === m ? d[i]! : d[0]!) ** 2;
          }
      });
    } finally {
      disposeBatches(batches);
    }
  }
  return summarise(problem, pts, res.map(Math.sqrt), n);
}

function summarise(problem: Problem, pts: Float64Array, res: Float64Array, n: number): ParametricSummary['residuals'] {
  const nVars = problem.variables.length;
  const first = nVars - problem.parameters.length;
  let worst = 0;
  let worstRow = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sq += res[i]! ** 2;
    if (res[i]! > worst) [worst, worstRow] = [res[i]!, i];
  }
  const by_parameter = Object.fromEntries(
    problem.parameters.map((p, k) => {
      const log = p.scale === 'log';
      const [lo, hi] = log ? [Math.log(p.min), Math.log(p.max)] : [p.min, p.max];
      const sums = new Float64Array(BINS);
      const hits = new Float64Array(BINS);
      for (let i = 0; i < n; i++) {
        const v = pts[i * nVars + first + k]!;
        const b = Math.min(BINS - 1, Math.floor(((log ? Math.log(v) : v) - lo) / ((hi - lo) / BINS)));
        sums[b] = sums[b]! + res[i]! ** 2;
        hits[b] = hits[b]! + 1;
      }
      const edge = (b: number) => (log ? Math.exp(lo + ((hi - lo) * b) / BINS) : lo + ((hi - lo) * b) / BINS);
      const bins = Array.from({ length: BINS }, (_, b) => ({
        low: edge(b),
        high: edge(b + 1),
        rms: hits[b]! ? Math.sqrt(sums[b]! / hits[b]!) : 0,
      }));
      return [p.name, bins];
    }),
  );
  return {
    points: n,
    rms: n ? Math.sqrt(sq / n) : 0,
    worst,
    worst_at: Object.fromEntries(problem.parameters.map((p, k) => [p.name, pts[worstRow * nVars + first + k]!])),
    by_parameter,
  };
}
