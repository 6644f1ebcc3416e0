// L-BFGS with strong-Wolfe line search on functions with known minima.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lbfgs } from '../../dist/trainer/lbfgs.js';

const rosenbrock = (th) => {
  const [x, y] = th;
  return {
    f: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    g: Float64Array.from([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]),
  };
};

test('minimises the Rosenbrock function to its minimum at (1, 1)', () => {
  const r = lbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { iterations: 200, history: 10, lr: 1 });
  assert.ok(Math.abs(r.theta[0] - 1) < 1e-6 && Math.abs(r.theta[1] - 1) < 1e-6, `theta ${r.theta}`);
  assert.ok(r.f < 1e-12);
  assert.ok(r.evaluations < 3 * r.iterations + 10, `evaluations ${r.evaluations} for ${r.iterations} iterations`);
});

test('the loss never increases from one iteration to the next', () => {
  const seen = [];
  lbfgs(rosenbrock, Float64Array.from([2, -1]), {
    iterations: 100,
    history: 5,
    lr: 1,
    onIteration: ({ f }) => {
      seen.push(f);
    },
  });
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] <= seen[i - 1], `step ${i}: ${seen[i]} > ${seen[i - 1]}`);
});

test('a non-finite loss at trial points only shortens the step (no NaN result)', () => {
  // f = x^2 with a wall: NaN beyond |x| > 3, start near the wall.
  const walled = (th) => {
    const x = th[0];
    return Math.abs(x) > 3
      ? { f: NaN, g: Float64Array.from([NaN]) }
      : { f: (x - 1) ** 2, g: Float64Array.from([2 * (x - 1)]) };
  };
  const r = lbfgs(walled, Float64Array.from([-2.9]), { iterations: 50, history: 5, lr: 100 });
  assert.ok(Number.isFinite(r.f));
  assert.ok(Math.abs(r.theta[0] - 1) < 1e-6, `x = ${r.theta[0]}`);
});

test('float32-noisy objective stops cleanly instead of diverging', () => {
  const noisy = (th) => {
    const f = Math.fround(th.reduce((s, v) => s + v * v, 0) + 1);
    return { f, g: th.map((v) => Math.fround(2 * v)) };
  };
  const r = lbfgs(noisy, Float64Array.from([1, -2, 3]), { iterations: 500, history: 10, lr: 1 });
  assert.ok(Number.isFinite(r.f) && r.f <= 1 + 1e-6, `f = ${r.f}`);
  assert.ok(r.theta.every((v) => Math.abs(v) < 1e-3));
});
