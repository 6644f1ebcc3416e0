/**
 * Whether a run's Levenberg-Marquardt stages work in float64 (`training.precision: float64`): the
 * residual rows from a float64 pass of the network (model/network64.ts), the loss and gradient
 * moved to those rows, and the weights kept in float64 between steps (lm-stage.ts). The
 * Gauss-Newton matrix still comes from float32 jets: an approximate matrix slows the steps but
 * cannot stop them, since every step is judged by the float64 loss. The loss is moved from
 * float32 rows to float64 ones through its first and second derivatives per row, exact when it is
 * quadratic in each row: every strategy's loss of equations, conditions and data is (weighted mean
 * squares, multiplier terms); an inequality's is not (a one-sided penalty or a barrier).
 */
import type { Problem } from '../problem/index.js';
import { float64Unsupported, type Model } from '../model/index.js';
import type { Strategy } from '../strategies/index.js';
import type { Spec } from '../spec/index.js';

export interface PrecisionPlan {
  float64: boolean;
  /** What the run's notes say: how the stages compute, or why float64 was not used. */
  note?: string;
}

/** The precision of the run's Levenberg-Marquardt stages, and its note. Pure. */
export function precisionPlan(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  training: Spec['training'],
): PrecisionPlan {
  if (training.precision !== 'float64') return { float64: false };
  const off = (why: string): PrecisionPlan => ({
    float64: false,
    note: `training.precision float64 not used (${why}): training ran in float32`,
  });
  if (!training.stages.some((s) => s.optimizer === 'levenberg-marquardt'))
    return off('it applies to levenberg-marquardt stages, and this run has none');
  const unsupported = float64Unsupported(model);
  if (unsupported) return off(`no float64 network pass with ${unsupported}`);
  const inequality = problem.terms.find((t) => t.kind === 'inequality' && !strategy.exactTerms.has(t));
  if (inequality) return off(`the loss of inequality ${inequality.name} is not quadratic in its residual`);
  return {
    float64: true,
    note:
      'levenberg-marquardt: residuals, loss and weights in float64 (the network pass in float64 JavaScript, ' +
      'the Gauss-Newton matrix from float32 jets; one thread)',
  };
}
