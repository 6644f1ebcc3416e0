/** Strategy registry: the spec's `constraints.strategy` name to its implementation. */
import type { Problem } from '../problem/problem.js';
import { SpecError } from '../spec/diagnostics.js';
import { STRATEGIES, type StrategyName } from '../spec/types.js';
import { composeStrategy } from './compose.js';
import type { Strategy } from './strategy.js';

export function createStrategy(name: StrategyName, problem: Problem): Strategy {
  if (!STRATEGIES.includes(name)) {
    throw new SpecError([{ loc: { file: problem.spec.file, line: 1, col: 1 }, message: `unknown constraint strategy '${name}'; expected one of ${STRATEGIES.join(', ')}` }]);
  }
  return composeStrategy(name, problem);
}
