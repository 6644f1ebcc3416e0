// L-BFGS's two-loop recursion in kernels/pairs.c against the textbook recursion written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CurvaturePairs } from '../../dist/kernels/index.js';
import { lbfgsSteps } from '../../dist/trainer/lbfgs.js';

const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Nocedal & Wright, algorithm 7.4, pairs oldest first, initial scaling s.y / y.y of the newest. */
function reference(g, S, Y) {
  const q = Float64Array.from(g);
  const m = S.length;
  const rho = S.map((s, k) => 1 / dot(s, Y[k]));
  const alpha = new Array(m);
  for (let k = m - 1; k >= 0; k--) {
    alpha[k] = rho[k] * dot(S[k], q);
    for (let i = 0; i < q.length; i++) q[i] -= alpha[k] * Y[k][i];
  }
  const gamma = m ? dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]) : 1;
  for (let i = 0; i < q.length; i++) q[i] *= gamma;
  for (let k = 0; k < m; k++) {
    const b = rho[k] * dot(Y[k], q);
    for (let i = 0; i < q.length; i++) q[i] += (alpha[k] - b) * S[k][i];
  }
  return q.map((v) => -v);
}

function random(seed) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
}

/** A pair with s.y > 0 (y = A s + noise for a positive diagonal A). */
function pair(n, next) {
  const s = Float64Array.from({ length: n }, next);
  const y = s.map((v, i) => (1 + (i % 7)) * v + 0.01 * next());
  return [s, y];
}

test('the kernel direction equals the textbook recursion, through the ring of slots and a clear', () => {
  // n odd and not a multiple of 4: the SIMD loops' tails run too.
  const n = 103;
  const next = random(7);
  const pairs = new CurvaturePairs(n, 4);
  const kept = [];
  const g = Float64Array.from({ length: n }, next);
  assert.deepEqual(
    pairs.direction(g),
    g.map((v) => -v),
    'no pairs: steepest descent',
  );
  for (let k = 0; k < 7; k++) {
    const [s, y] = pair(n, next);
    pairs.push(s, y, 1 / dot(s, y));
    kept.push([s, y]);
    const last = kept.slice(-4);
    assert.equal(pairs.length, last.length);
    const want = reference(
      g,
      last.map((p) => p[0]),
      last.map((p) => p[1]),
    );
    const got = pairs.direction(g);
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-12 * scale, `pair ${k}, component ${i}`));
    // The state's views show the pairs oldest first.
    assert.deepEqual([...pairs.S[0]], [...last[0][0]]);
    assert.deepEqual([...pairs.Y.at(-1)], [...last.at(-1)[1]]);
  }
  pairs.clear();
  assert.equal(pairs.length, 0);
  const [s, y] = pair(n, next);
  pairs.push(s, y, 1 / dot(s, y));
  const want = reference(g, [s], [y]);
  pairs.direction(g).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12 * Math.abs(want[i]) + 1e-15));
});

test('an L-BFGS run resumed from a yielded state continues exactly as the uninterrupted run', () => {
  const n = 41;
  const a = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 13) % 29));
  const objective = (x) => {
    let f = 0;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      f += 0.5 * a[i] * x[i] * x[i] + 0.25 * x[i] ** 4;
      g[i] = a[i] * x[i] + x[i] ** 3;
    }
    return { f, g };
  };
  const x0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const opts = { iterations: 12, history: 5, lr: 1 };
  const whole = lbfgsSteps(objective, x0, opts);
  let r = whole.next();
  while (!r.done) r = whole.next();
  const first = lbfgsSteps(objective, x0, opts);
  for (let k = 0; k < 5; k++) first.next();
  const step = first.next();
  assert.equal(step.done, false);
  const saved = structuredClone(/** @type {import('../../dist/trainer/lbfgs.js').LbfgsState} */ (step.value));
  const resumed = lbfgsSteps(objective, x0, opts, saved);
  let q = resumed.next();
  while (!q.done) q = resumed.next();
  assert.deepEqual([...q.value.theta], [...r.value.theta]);
  assert.equal(q.value.evaluations, r.value.evaluations);
});
