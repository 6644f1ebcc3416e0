/** Which derivative channels a set of expressions reads, for one jet pass that computes exactly those. */
import { collectNeeds, emptyNeeds } from '../expr/index.js';
import type { Channels } from './jet.js';

/** The variables of a problem and which of them are spatial (the Laplacian sums over those). */
interface VariableLayout {
  variables: string[];
  spatialIndex: number[];
}

/** The channels needed to evaluate these expressions. */
export function channelsFor(problem: VariableLayout, exprs: Parameters<typeof collectNeeds>[0][]): Channels {
  const needs = emptyNeeds();
  for (const e of exprs) collectNeeds(e, problem.variables, problem.spatialIndex, needs);
  const first = problem.variables.map((_, i) => needs.first.has(i));
  return { first, second: [...needs.second].sort(), lap: needs.lap ? problem.spatialIndex : null };
}
