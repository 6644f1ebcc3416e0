/**
 * Builds the strategy of a run. Each term is handled by its own `strategy:`
 * or the run's: hard and reparam become output transforms (the terms they
 * satisfy leave the loss; plan.ts); penalty, adaptive, augmented-lagrangian
 * and barrier shape the term's loss (loss.ts). Whatever a strategy cannot do
 * for a term falls back to penalty, and `notes` say so.
 */
import type { Problem, Term } from '../problem/index.js';
import type { StrategyName } from '../spec/index.js';
import type { Strategy } from './strategy.js';
import { planExact } from './plan.js';
import { composeLoss, planLoss } from './loss.js';

export function composeStrategy(name: StrategyName, problem: Problem): Strategy {
  const exact = planExact(problem, name);
  const lossPlan = planLoss(problem, name, exact);
  return {
    name,
    transforms: exact.transforms,
    exactTerms: exact.exactTerms,
    notes: [...exact.notes, ...lossPlan.notes],
    imposed: (t: Term) => (exact.exactTerms.has(t) ? 'exact' : (lossPlan.modeOf.get(t) ?? 'penalty')),
    ...composeLoss(problem, lossPlan),
  };
}
