/** Strategy registry: the spec's `constraints.strategy` name to its implementation. */
import type { Problem } from '../problem/problem.js';
import { SpecError } from '../spec/diagnostics.js';
import type { StrategyName } from '../spec/types.js';
import { penaltyStrategy } from './penalty.js';
import type { Strategy } from './strategy.js';

export function createStrategy(name: StrategyName, problem: Problem): Strategy {
  switch (name) {
    case 'penalty': return penaltyStrategy(problem.spec);
    default:
      throw new SpecError([{ loc: { file: problem.spec.file, line: 1, col: 1 }, message: `constraint strategy '${name}' is not supported yet; expected penalty` }]);
  }
}
