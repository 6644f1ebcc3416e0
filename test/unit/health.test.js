// Training health findings read from the loss records alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainingHealth } from '../../dist/trainer/health.js';

/**
 * Records of an Adam stage then a second-order stage that stopped by itself, the loss falling geometrically to `end`.
 * @returns {import('../../dist/trainer/records.js').Records}
 */
function records(start, end, stopReason = 'no further decrease possible in float32') {
  const iterations = Array.from({ length: 301 }, (_, k) => k);
  const total = iterations.map((k) => start * (end / start) ** (k / 300));
  return {
    partNames: ['equations'],
    history: { parts: ['equations'], iterations, total, values: [total] },
    logged: [],
    stages: [
      { optimizer: /** @type {const} */ ('adam'), iterations: 200, seconds: 1, msPerIteration: 5 },
      {
        optimizer: /** @type {const} */ ('levenberg-marquardt'),
        iterations: 100,
        seconds: 1,
        msPerIteration: 10,
        stopReason,
      },
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
  const [ended] = trainingHealth(records(390, 1.28, 'iteration limit'), 'penalty');
  assert.equal(ended?.kind, 'stopped-high', 'the last, second-order stage out of iterations far above');
  assert.match(ended.message, /ran out of iterations at loss 1\.280e\+0/);
  assert.match(ended.advice, /^more iterations if the loss was still falling/);
  const notLast = records(390, 1.28, 'iteration limit');
  notLast.stages.push({ optimizer: 'adam', iterations: 0, seconds: 0, msPerIteration: 0 });
  assert.deepEqual(trainingHealth(notLast, 'penalty'), [], 'out of iterations before another stage: not judged');
  assert.deepEqual(trainingHealth(records(390, 1.28), 'adaptive'), [], 'moving weights: the loss ratio means nothing');
});

test('health: a value condition or plain bound held by a loss term and missed by over 1 % of the fields flags the run', async () => {
  const { missedConstraints } = await import('../../dist/outputs/violations.js');
  const { loadSpecWithFlags } = await import('../../dist/spec/load.js');
  const { buildProblem } = await import('../../dist/problem/problem.js');
  const { specDir } = await import('../support/fixtures.js');
  const { specFile } = specDir('pinn-health-unit-');
  const file = specFile(
    'missed',
    `name: missed
geometry: {interval: [0, 1]}
fields: [u]
equations: ["-u_xx = 1"]
conditions:
  - {on: left, dirichlet: {u: 0}}
  - {on: right, neumann: {u: 0}}
inequalities: [u >= 0, u_x >= -5]
`,
  );
  const problem = buildProblem(loadSpecWithFlags(file, [], {}));
  // Fields up to 2 on the grid: 1 % of it is 0.02.
  /** @type {import('../../dist/outputs/table.js').FieldTable} */
  const table = {
    variables: ['x'],
    fields: ['u'],
    columns: ['x', 'u'],
    data: Float64Array.from([0, 2, 1, -0.5]),
    rows: 2,
    grid: { counts: [2], min: [0], max: [1], inside: Uint8Array.from([1, 1]) },
    times: [],
  };
  /**
   * @param {string} name
   * @param {'condition' | 'inequality'} kind
   * @param {number} max
   * @returns {import('../../dist/outputs/violations.js').Violation}
   */
  const v = (name, kind, max, imposed = 'penalty') => ({ name, kind, rms: max / 2, max, points: 100, imposed });
  const names = (list) => missedConstraints(problem, list, table).map((h) => h.message.split(' (')[0]);
  const dirichlet = problem.terms.find((t) => t.kind === 'condition' && t.hardValues?.length).name;
  const neumann = problem.terms.find((t) => t.kind === 'condition' && !t.hardValues?.length).name;
  const [bound, slope] = problem.terms.filter((t) => t.kind === 'inequality').map((t) => t.name);
  assert.deepEqual(
    names([
      v(dirichlet, 'condition', 0.05),
      v(neumann, 'condition', 0.5),
      v(bound, 'inequality', 0.03),
      v(slope, 'inequality', 0.5),
    ]),
    [dirichlet, bound],
    'derivative conditions and bounds on derivatives are in other units: not judged',
  );
  assert.deepEqual(
    names([v(dirichlet, 'condition', 0.01), v(bound, 'inequality', 0.05, 'exact')]),
    [],
    'within 1 %, or exact',
  );
  const [found] = missedConstraints(problem, [v(dirichlet, 'condition', 0.05)], table);
  assert.equal(found.kind, 'constraint-missed');
  assert.match(
    found.message,
    /missed by up to 5\.00e-2 on fresh points, 2\.5 % of the fields' largest value 2\.00e\+0/,
  );
  assert.match(found.advice, /strategy: hard/);
});

test('health: a stage whose loss moved from below zero to near zero did not end where it started', () => {
  const r = records(-0.646, 2e-8);
  r.history.total = r.history.iterations.map((k) => -0.646 + (0.646 + 2e-8) * (k / 300));
  r.history.values = [r.history.total];
  assert.deepEqual(trainingHealth(r, 'augmented-lagrangian'), []);
});
