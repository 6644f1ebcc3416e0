/** Strategy registry: the spec's `constraints.strategy` name to its implementation. */
import type { Problem } from '../problem/index.js';
import { SpecError, STRATEGIES, type StrategyName } from '../spec/index.js';
import { composeStrategy } from './compose.js';
import type { Strategy } from './strategy.js';

export function createStrategy(name: StrategyName, problem: Problem): Strategy {
  if (!STRATEGIES.includes(name)) {
    throw new SpecError([
      {
        loc: { file: problem.spec.file, line: 1, col: 1 },
        message: `unknown constraint strategy '${name}'; expected one of ${STRATEGIES.join(', ')}`,
      },
    ]);
  }
  return composeStrategy(name, problem);
}
