// What makes a training step cheaper without changing it: Adam on plain arrays where tensors live
// in this thread (wasm, cpu), and point-only subexpressions (source terms) kept per batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adamUpdate, createAdamState, ADAM_DEFAULTS } from '../../dist/trainer/adam.js';
import { parseExpr } from '../../dist/expr/index.js';
import { evaluateValue } from '../../dist/derivatives/index.js';
import * as J from '../../dist/derivatives/jet.js';
import {
  createModel,
  disposeBatch,
  disposeModel,
  fieldJets,
  makeBatch,
  trainableVariables,
} from '../../dist/model/model.js';
import { loadSpecText } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createStrategy } from '../../dist/strategies/create.js';
import { createRng } from '../../dist/util/random.js';

tf.setBackend('cpu');

const shapes = [
  [2, 3],
  [1, 3],
  [3, 1],
];

function variables(seed) {
  return shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i)));
}

test('Adam on plain arrays (cpu, wasm) takes the same steps as Adam on tensors', () => {
  const host = variables(1);
  const onTensors = variables(1);
  const hostState = /** @type {{ step: number, m: Float32Array[], v: Float32Array[] }} */ (createAdamState(host));
  assert.ok(hostState.m[0] instanceof Float32Array, 'the cpu backend keeps the moments in arrays');
  const tensorState = {
    step: 0,
    m: onTensors.map((v) => tf.variable(tf.zerosLike(v), false)),
    v: onTensors.map((v) => tf.variable(tf.zerosLike(v), false)),
  };
  for (let k = 0; k < 6; k++) {
    const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 100 * k + i));
    adamUpdate(hostState, host, grads, { lr: 0.05, ...ADAM_DEFAULTS });
    adamUpdate(tensorState, onTensors, grads, { lr: 0.05, ...ADAM_DEFAULTS });
    tf.dispose(grads);
  }
  host.forEach((v, i) => {
    const a = v.dataSync();
    const b = onTensors[i].dataSync();
    a.forEach((x, j) => assert.ok(Math.abs(x - b[j]) <= 1e-6 * Math.max(1, Math.abs(b[j])), `${x} vs ${b[j]}`));
  });
  assert.equal(hostState.step, 6);
  // A checkpoint's moments restore into a state that continues identically.
  const restored = /** @type {{ m: Float32Array[] }} */ (
    createAdamState(host, { step: hostState.step, m: hostState.m, v: hostState.v })
  );
  assert.deepEqual(Array.from(restored.m[1]), Array.from(hostState.m[1]));
  assert.notEqual(restored.m[1], hostState.m[1], 'copies, not the same arrays');
});

test('Adam on plain arrays converges to the minimum of a quadratic', () => {
  const x = tf.variable(tf.tensor1d([3, -2]));
  const target = tf.tensor1d([0.5, 1.5]);
  const state = createAdamState([x]);
  for (let k = 0; k < 2000; k++) {
    const g = tf.tidy(() => tf.mul(tf.sub(x, target), 2));
    adamUpdate(state, [x], [g], { lr: 0.01, ...ADAM_DEFAULTS });
    g.dispose();
  }
  const got = Array.from(x.dataSync());
  assert.ok(Math.abs(got[0] - 0.5) < 1e-3 && Math.abs(got[1] - 1.5) < 1e-3, `${got}`);
});

const scope = {
  variables: ['x', 'y'],
  fields: ['u'],
  constants: ['k', 'c'],
  spatial: ['x', 'y'],
  derivatives: true,
  boundary: false,
};

function envOf(batch, u, c) {
  const ch = J.valueOnly(2);
  return {
    ch,
    n: batch.n,
    varIndex: new Map([
      ['x', 0],
      ['y', 1],
    ]),
    vars: new Map(['x', 'y'].map((v, i) => [v, J.inputVariable(ch, i, batch.columns[i])])),
    consts: new Map([
      ['k', 3],
      ['c', c],
    ]),
    fields: new Map([['u', J.constant(ch, u)]]),
    fieldChannels: ch,
    spatial: [0, 1],
    pointCache: batch.pointCache,
  };
}

test('subexpressions of the points alone are computed once per batch; fields and trained constants every time', () => {
  const points = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const batch = makeBatch(points, 2);
  const e = parseExpr('u * c - k^2 * sin(k*x) * exp(y) + c * x', scope);
  const value = (u, c) => {
    const t = tf.tidy(() => evaluateValue(e, envOf(batch, u, c)));
    const out = Array.from(t.dataSync());
    t.dispose();
    return out;
  };
  const expected = (u, c) =>
    [0, 1, 2].map((i) => {
      const [x, y] = [points[2 * i], points[2 * i + 1]];
      return u[i] * c - 9 * Math.sin(3 * x) * Math.exp(y) + c * x;
    });
  const check = (got, want) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-5, `${g} vs ${want[i]}`));
  const c = tf.scalar(2);
  const u1 = [1, 2, 3];
  const first = value(tf.tensor2d(u1, [3, 1]), c);
  check(first, expected(u1, 2));
  // Kept: exactly the largest point-only subtree, k^2 * sin(k*x) * exp(y) (c is a tensor: trained).
  assert.equal(batch.pointCache.jets.size, 1);
  const kept = [...[...batch.pointCache.jets.values()][0].values()][0].v;
  const tensorsBefore = tf.memory().numTensors;
  // A new field and a new constant value: the kept part is reused, the rest follows them.
  const u2 = [-1, 0.5, 4];
  check(value(tf.tensor2d(u2, [3, 1]), tf.scalar(-1)), expected(u2, -1));
  assert.equal([...[...batch.pointCache.jets.values()][0].values()][0].v, kept);
  assert.ok(tf.memory().numTensors <= tensorsBefore + 2, 'nothing leaked but the two inputs made here');
  disposeBatch(batch);
  assert.ok(kept.isDisposed, 'freed with the batch');
  assert.equal(batch.pointCache.jets.size, 0);
});

test('a hard output transform keeps its distance and data parts per batch, and still follows the network', () => {
  const problem = buildProblem(
    loadSpecText(
      `name: cache
geometry: {disk: {center: [0, 0], radius: 1}}
fields: [u]
equations: ["-lap(u) = 1"]
conditions: [{on: boundary, dirichlet: {u: "x^2 + exp(y)"}}]
constraints: {strategy: hard}
network: {hidden: [8]}
`,
      'cache.yaml',
    ),
  );
  const strategy = createStrategy('hard', problem);
  const model = createModel(problem, createRng(1), strategy.transforms);
  const points = Float64Array.from([0.1, 0.2, -0.5, 0.3, 0.7, -0.1, 0, 0]);
  const cached = makeBatch(points, 2);
  const channels = [J.valueOnly(2), { first: [true, true], second: ['0,0', '1,1'], lap: [0, 1] }];
  const read = (batch, ch) =>
    tf.tidy(() => {
      const u = fieldJets(problem, model, batch, ch).get('u');
      return [u.v, u.lap ?? u.v].map((t) => Array.from(t.dataSync()));
    });
  const fresh = (ch) => {
    const batch = makeBatch(points, 2);
    const out = read(batch, ch);
    disposeBatch(batch);
    return out;
  };
  const same = (a, b) =>
    a.flat().forEach((x, i) => assert.ok(Math.abs(x - b.flat()[i]) < 1e-6, `${x} vs ${b.flat()[i]}`));
  for (const ch of channels) same(read(cached, ch), fresh(ch));
  assert.ok(cached.pointCache.jets.size > 0, 'the transform kept point-only parts');
  // New weights: the cached batch follows them exactly as a fresh one does.
  for (const v of trainableVariables(model)) v.assign(tf.mul(v, 1.7));
  for (const ch of channels) {
    const moved = read(cached, ch);
    same(moved, fresh(ch));
  }
  disposeBatch(cached);
  disposeModel(model);
});
