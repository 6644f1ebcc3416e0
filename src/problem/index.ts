/** A Spec made into a Problem: variables, fields, geometry, terms (residual IR on point sets), and collocation sampling. */
export { everyDiagnostic } from './complete.js';
export { describeProblem, estimateCost } from './describe.js';
export type { AxisBox, BoundarySelector, Hole, UnitSampler } from './geometry/types.js';
export { CURVE_PARAMETER } from './geometry/primitive.js';
export { buildProblem } from './problem.js';
export { groupTerms, samplePoints, type PointCounts, type PointGroup } from './sampling/collocation.js';
export { makeSampler } from './sampling/samplers.js';
export { shuffledRows } from './sampling/shuffle.js';
export {
  isPaired,
  type PointSet,
  type Region,
  type Problem,
  type Term,
  type TermForm,
  type TermKind,
} from './types.js';
export { sideName } from './regions.js';
