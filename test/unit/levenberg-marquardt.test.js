// The Levenberg-Marquardt step on small least-squares problems with known minima, and the
// weighted Gramian it is built from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LM_START, dampedStep, lmStep, predictedDecrease } from '../../dist/trainer/levenberg-marquardt.js';
import { addWeightedGram } from '../../dist/kernels/index.js';

/**
 * The Gauss-Newton system of f = sum r_i^2 at theta for residuals r(theta) and their Jacobian:
 * g = 2 J^T r, G = 2 J^T J.
 */
function system(residuals, jacobian, theta) {
  const r = residuals(theta);
  const J = jacobian(theta);
  const size = theta.length;
  const g = new Float64Array(size);
  const gram = new Float64Array(size * size);
  r.forEach((ri, i) => {
    for (let p = 0; p < size; p++) {
      g[p] += 2 * ri * J[i][p];
      for (let q = 0; q < size; q++) gram[p * size + q] += 2 * J[i][p] * J[i][q];
    }
  });
  return { f: r.reduce((s, x) => s + x * x, 0), g, gram, size };
}

// Rosenbrock as least squares: r = (10 (y - x^2), 1 - x), minimum 0 at (1, 1).
const rosenbrock = (t) => [10 * (t[1] - t[0] ** 2), 1 - t[0]];
const rosenbrockJ = (t) => [
  [-20 * t[0], 10],
  [-1, 0],
];
const loss = (t) => rosenbrock(t).reduce((s, x) => s + x * x, 0);

test('Levenberg-Marquardt reaches the Rosenbrock minimum from (-1.2, 1), never raising the loss', () => {
  /** @type {Float64Array<ArrayBufferLike>} */
  let theta = Float64Array.from([-1.2, 1]);
  let state = LM_START;
  let f = loss(theta);
  let iterations = 0;
  while (f > 1e-20 && iterations < 100) {
    const step = lmStep(system(rosenbrock, rosenbrockJ, theta), theta, state, 1, loss);
    if (!step.accepted) break;
    assert.ok(step.f < f, `iteration ${iterations}: the loss fell (${step.f} < ${f})`);
    ({ theta, f, state } = step);
    iterations++;
  }
  assert.ok(Math.abs(theta[0] - 1) < 1e-8 && Math.abs(theta[1] - 1) < 1e-8, `theta ${theta[0]}, ${theta[1]}`);
  assert.ok(iterations < 40, `${iterations} iterations`);
});

test('a linear least-squares problem: one step with small damping lands on the solution, and the damping falls', () => {
  // r = A theta - b with A = [[2, 1], [1, 3], [0, 1]], b = [1, 2, 3]: the normal equations' solution.
  const A = [
    [2, 1],
    [1, 3],
    [0, 1],
  ];
  const b = [1, 2, 3];
  const residuals = (t) => A.map((row, i) => row[0] * t[0] + row[1] * t[1] - b[i]);
  const f = (t) => residuals(t).reduce((s, x) => s + x * x, 0);
  // The normal equations: A^T A = [[5, 5], [5, 11]], A^T b = [4, 10].
  const det = 5 * 11 - 5 * 5;
  const exact = [(11 * 4 - 5 * 10) / det, (5 * 10 - 5 * 4) / det];
  const theta = Float64Array.from([0, 0]);
  const step = lmStep(
    system(residuals, () => A, theta),
    theta,
    { lambda: 1e-10, nu: 2 },
    1,
    f,
  );
  assert.ok(step.accepted);
  assert.ok(Math.abs(step.theta[0] - exact[0]) < 1e-8 && Math.abs(step.theta[1] - exact[1]) < 1e-8);
  assert.ok(step.state.lambda < 1e-10, `an exact quadratic model lowers the damping (${step.state.lambda})`);
  assert.equal(step.evaluations, 1);
});

test('rejected steps raise the damping until the loss falls; none falls: not accepted, parameters unchanged', () => {
  const theta = Float64Array.from([-1.2, 1]);
  const sys = system(rosenbrock, rosenbrockJ, theta);
  // A loss that pretends every step but a tiny one raises it: only heavy damping is accepted.
  const stiff = (t) => (Math.hypot(t[0] - theta[0], t[1] - theta[1]) < 1e-3 ? sys.f - 1e-9 : sys.f + 1);
  const step = lmStep(sys, theta, { lambda: 1e-3, nu: 2 }, 1, stiff);
  assert.ok(step.accepted);
  assert.ok(step.evaluations > 3 && step.state.lambda > 1, `damping raised (${step.state.lambda})`);
  const never = lmStep(sys, theta, { lambda: 1e-3, nu: 2 }, 1, () => sys.f + 1);
  assert.equal(never.accepted, false);
  assert.deepEqual([...never.theta], [...theta]);
});

test('the damped step solves (G + lambda diag G) x = -g, and its predicted decrease is the quadratic model', () => {
  const sys = { f: 1, g: Float64Array.from([1, -2]), gram: Float64Array.from([4, 1, 1, 3]), size: 2 };
  const x = dampedStep(sys, 0.5);
  // (G + 0.5 diag G) = [[6, 1], [1, 4.5]].
  assert.ok(Math.abs(6 * x[0] + x[1] + 1) < 1e-12 && Math.abs(x[0] + 4.5 * x[1] - 2) < 1e-12);
  const xgx = x[0] * (4 * x[0] + x[1]) + x[1] * (x[0] + 3 * x[1]);
  assert.ok(Math.abs(predictedDecrease(sys, x) + (x[0] - 2 * x[1] + xgx / 2)) < 1e-12);
});

test('addWeightedGram equals the plain weighted sum of outer products (odd sizes, zero and negative weights)', () => {
  for (const [m, size] of [
    [1, 1],
    [70, 7],
    [130, 13],
    [200, 257],
  ]) {
    const rows = Float32Array.from({ length: m * size }, (_, k) => Math.sin(k * 1.7) * 0.9);
    const weights = Float32Array.from({ length: m }, (_, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? -1 : 1 + (i % 3)));
    const gram = new Float64Array(size * size);
    addWeightedGram(gram, size, rows, m, weights);
    for (let p = 0; p < size; p++) {
      for (let q = 0; q < size; q++) {
        let s = 0;
        for (let i = 0; i < m; i++) if (weights[i] > 0) s += weights[i] * rows[i * size + p] * rows[i * size + q];
        assert.ok(Math.abs(gram[p * size + q] - s) <= 1e-9 * (1 + Math.abs(s)), `m ${m} size ${size} (${p}, ${q})`);
      }
    }
  }
});
