// Periodic conditions: paired points on opposite sides, residuals low minus high.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { loadSpecText } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createRng } from '../../dist/util/random.js';
import { makeSampler } from '../../dist/problem/sampling/samplers.js';
import { groupTerms, samplePoints } from '../../dist/problem/sampling/collocation.js';
import { computeResiduals, prepareBatches, disposeBatches } from '../../dist/residuals/residuals.js';
import { createModel } from '../../dist/model/model.js';
import { parseExpr } from '../../dist/expr/parse.js';

await tf.setBackend('cpu');

const spec = (geometry, extra = '') =>
  loadSpecText(
    [
      `geometry: ${geometry}`,
      'time: [0, 2]',
      'fields: [u, v]',
      'equations: [u_t = lap(u), v_t = lap(v)]',
      'conditions:',
      '  - periodic: x',
      extra,
      'network: {hidden: [4]}',
    ].join('\n') + '\n',
    'periodic.yaml',
  );

function sample(problem) {
  const rng = createRng(1);
  return samplePoints(
    problem,
    groupTerms(problem.terms),
    { domain: 64, boundary: 128, initial: 32 },
    makeSampler('sobol', rng),
    makeSampler('uniform', createRng(2)),
  );
}

test('periodic x: one term per field on paired sides, matching values and x-derivatives', () => {
  const p = buildProblem(spec('{rectangle: {min: [-1, 0], max: [3, 1]}}'));
  const per = p.terms.filter((t) => t.form === 'periodic');
  assert.deepEqual(
    per.map((t) => t.name),
    ['periodic u in x', 'periodic v in x'],
  );
  assert.equal(per[0].set, per[1].set, 'both fields share one point set');
  assert.deepEqual(per[0].set, { kind: 'periodic', axis: 0, label: 'x = -1 and x = 3' });
  const g = sample(p).find((x) => x.set.kind === 'periodic');
  const n = g.points.length / 3 / 2;
  assert.ok(n >= 32);
  for (let i = 0; i < n; i++) {
    const lo = g.points.subarray(i * 3, i * 3 + 3);
    const hi = g.points.subarray((i + n) * 3, (i + n) * 3 + 3);
    assert.equal(lo[0], -1);
    assert.equal(hi[0], 3);
    assert.equal(lo[1], hi[1]);
    assert.equal(lo[2], hi[2]);
    assert.ok(lo[1] >= 0 && lo[1] <= 1 && lo[2] >= 0 && lo[2] <= 2);
  }
});

test('periodic on an L-shaped union keeps only heights where both sides are in the domain', () => {
  const p = buildProblem(
    spec('{union: [{rectangle: {min: [0, 0], max: [2, 1]}}, {rectangle: {min: [0, 0], max: [1, 2]}}]}'),
  );
  const g = sample(p).find((x) => x.set.kind === 'periodic');
  const n = g.points.length / 6;
  for (let i = 0; i < n; i++) assert.ok(g.points[i * 3 + 1] <= 1 + 1e-12, 'y above 1 has no right side at x = 2');
});

test('periodic residuals vanish for a periodic field and not for a non-periodic one', () => {
  const p = buildProblem(spec('{rectangle: {min: [0, 0], max: [1, 1]}}'));
  const scope = {
    variables: p.variables,
    fields: [],
    constants: [],
    spatial: ['x', 'y'],
    derivatives: false,
    boundary: false,
  };
  // Output transforms replace the network: u is periodic in x, v = x is not (v(0) - v(1) = -1, v_x matches).
  const transforms = new Map([
    ['u', parseExpr('sin(2*pi*x)*(1 + y) + cos(2*pi*x)*t', scope)],
    ['v', parseExpr('x + y', scope)],
  ]);
  const model = createModel(p, createRng(0), transforms);
  const groups = sample(p).filter((g) => g.set.kind === 'periodic');
  const batches = prepareBatches(p, groups);
  try {
    const res = tf.tidy(() =>
      computeResiduals(p, model, batches).map((r) => ({
        name: r.term.name,
        values: r.values.map((v) => Array.from(v.dataSync())),
      })),
    );
    const u = res.find((r) => r.name === 'periodic u in x');
    const v = res.find((r) => r.name === 'periodic v in x');
    const n = groups[0].points.length / 6;
    assert.equal(u.values[0].length, n);
    for (const vals of u.values) for (const x of vals) assert.ok(Math.abs(x) < 1e-4, `u residual ${x}`);
    for (const x of v.values[0]) assert.ok(Math.abs(x + 1) < 1e-5, `v value residual ${x}`);
    for (const x of v.values[1]) assert.ok(Math.abs(x) < 1e-5, `v_x residual ${x}`);
  } finally {
    disposeBatches(batches);
  }
});
