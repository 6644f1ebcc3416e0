// Training health findings read from the loss records alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainingHealth } from '../../dist/trainer/health.js';

/** Records of an Adam stage then a second-order stage that stopped by itself, the loss falling geometrically to `end`. */
function records(start, end, stopReason = 'no further decrease possible in float32') {
  const iterations = Array.from({ length: 301 }, (_, k) => k);
  const total = iterations.map((k) => start * (end / start) ** (k / 300));
  return {
    partNames: ['equations'],
    history: { parts: ['equations'], iterations, total, values: [total] },
    logged: [],
    stages: [
      { optimizer: 'adam', iterations: 200, seconds: 1, msPerIteration: 5 },
      { optimizer: 'levenberg-marquardt', iterations: 100, seconds: 1, msPerIteration: 10, stopReason },
    ],
  };
}

test('health: a second-order stage that stops by itself far above a solution is flagged, with advice by strategy', () => {
  const [found] = trainingHealth(records(390, 1.28), 'reparam');
  assert.equal(found?.kind, 'stopped-high');
  assert.equal(found.stage, 2);
  assert.match(found.message, /stopped \(no further decrease possible in float32\) at loss 1\.280e\+0/);
  assert.match(found.advice, /strategy: barrier/);
  assert.deepEqual(trainingHealth(records(390, 390 * 2e-4), 'hard'), [], 'a fall of 2e-4 is a converged run');
  assert.deepEqual(
    trainingHealth(records(390, 1.28, 'iteration limit'), 'penalty'),
    [],
    'out of iterations: not stopped',
  );
  assert.deepEqual(trainingHealth(records(390, 1.28), 'adaptive'), [], 'moving weights: the loss ratio means nothing');
});
