/**
 * Constraint violations measured after training on fresh points (never the
 * training points): RMS and worst value of each condition and inequality.
 */
import * as tf from '@tensorflow/tfjs';
import { groupTerms, samplePoints, type PointCounts, type Problem, type UnitSampler } from '../problem/index.js';
import type { Model } from '../model/index.js';
import { computeResiduals, disposeBatches, prepareBatches } from '../residuals/index.js';

export interface Violation {
  name: string;
  kind: 'condition' | 'inequality' | 'data';
  rms: number;
  max: number;
  points: number;
  /** How the strategy handled it (e.g. "exact" or "penalty"). */
  imposed?: string;
}

export function measureViolations(
  problem: Problem,
  model: Model,
  sampler: UnitSampler,
  timeSampler: UnitSampler,
  counts: PointCounts,
  imposedBy: (name: string) => string | undefined,
): Violation[] {
  const terms = problem.terms.filter((t) => t.kind !== 'equation');
  if (terms.length === 0) return [];
  const groups = samplePoints(problem, groupTerms(terms), counts, sampler, timeSampler);
  const batches = prepareBatches(problem, groups);
  const out: Violation[] = [];
  try {
    tf.tidy(() => {
      for (const r of computeResiduals(problem, model, batches)) {
        let sumSq = 0;
        let max = 0;
        let n = 0;
        for (const v of r.values) {
          const a = v.dataSync();
          for (const x of a) {
            const viol = r.term.kind === 'inequality' ? Math.max(0, x) : Math.abs(x);
            sumSq += viol * viol;
            max = Math.max(max, Number.isNaN(viol) ? Infinity : viol);
            n++;
          }
        }
        out.push({
          name: r.term.name,
          kind: r.term.kind === 'inequality' ? 'inequality' : r.term.kind === 'data' ? 'data' : 'condition',
          rms: Math.sqrt(sumSq / Math.max(n, 1)),
          max,
          points: n / r.values.length,
          imposed: imposedBy(r.term.name),
        });
      }
    });
  } finally {
    disposeBatches(batches);
  }
  return out;
}
