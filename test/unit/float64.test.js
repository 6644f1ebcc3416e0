// training.precision float64: the float64 network pass and residuals agree with the float32 jet
// engine to its rounding, the loss moved to float64 rows is exact for quadratic losses, and the
// plan says when float64 is not used and why.
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
import { computeResiduals64 } from '../../dist/residuals/residuals64.js';
import { createModel, trainableVariables, disposeModel } from '../../dist/model/model.js';
import { fieldValues64 } from '../../dist/model/network64.js';
import { createStrategy } from '../../dist/strategies/create.js';
import { precisionPlan } from '../../dist/trainer/float64.js';
import { gaussNewtonSystem, quadraticLoss } from '../../dist/trainer/jacobian.js';

await tf.setBackend('cpu');

/** A time-dependent problem reading value, first, mixed second derivatives, the Laplacian, dn() and periodic pairs. */
const SPEC = (activation, extra = '') =>
  [
    'geometry: {rectangle: {min: [-1, 0], max: [3, 1]}}',
    'time: [0, 2]',
    'fields: [u, v]',
    'equations: ["u_t = lap(u) + u_xy - 0.5*v", "v_t = 0.1*lap(v) - u*v + sin(x)*cos(t)"]',
    'conditions:',
    '  - periodic: x',
    '  - {on: bottom, dirichlet: {u: "x^2", v: 0}}',
    '  - {on: top, neumann: {u: "t", v: 0}}',
    '  - {on: initial, value: {u: "sin(pi*x)", v: 1}}',
    `network: {hidden: [12, 10], activation: ${activation}}`,
    extra,
  ].join('\n') + '\n';

function setUp(text) {
  const problem = buildProblem(loadSpecText(text, 'float64.yaml'));
  const model = createModel(problem, createRng(3), new Map());
  const groups = samplePoints(
    problem,
    groupTerms(problem.terms),
    { domain: 40, boundary: 60, initial: 20 },
    makeSampler('sobol', createRng(1)),
    makeSampler('uniform', createRng(2)),
  );
  return { problem, model, batches: prepareBatches(problem, groups) };
}

/** The model's parameters in float64 (trainableVariables order). */
const theta64 = (model) => Float64Array.from(trainableVariables(model).flatMap((v) => [...v.dataSync()]));

for (const activation of ['tanh', 'sin', 'sigmoid', 'silu']) {
  test(`float64 residuals equal the float32 jet engine's to its rounding (${activation})`, () => {
    const { problem, model, batches } = setUp(SPEC(activation));
    const all = () => true;
    const r32 = tf.tidy(() =>
      computeResiduals(problem, model, batches, all).flatMap((r) => r.values.map((v) => v.dataSync())),
    );
    const r64 = computeResiduals64(problem, model, batches, all, theta64(model)).flatMap((r) => r.values);
    assert.equal(r64.length, r32.length, 'one row set per residual expression');
    r64.forEach((rows, k) => {
      assert.equal(rows.length, r32[k].length);
      const scale = Math.max(1, ...r32[k].map(Math.abs));
      rows.forEach((x, i) =>
        assert.ok(Math.abs(x - r32[k][i]) <= 2e-5 * scale, `set ${k} row ${i}: ${x} vs ${r32[k][i]}`),
      );
      assert.ok(rows.some((x, i) => x !== r32[k][i]) || rows.every((x) => x === 0), 'computed apart from float32');
    });
    const values = fieldValues64(problem, model, batches[0].group.points);
    assert.equal(values.get('u').length, batches[0].batch.n);
    disposeBatches(batches);
    disposeModel(model);
  });
}

test('the loss moved to float64 rows is the float32 loss there, and quadraticLoss follows a step exactly', () => {
  const { problem, model, batches } = setUp(SPEC('tanh'));
  const strategy = createStrategy('penalty', problem);
  const all = () => true;
  const theta = theta64(model);
  const size = theta.length;
  const rows = computeResiduals64(problem, model, batches, all, theta).flatMap((r) => r.values);
  const sys = gaussNewtonSystem(problem, model, strategy, batches, size, all, rows);
  const plain = gaussNewtonSystem(problem, model, strategy, batches, size, all);
  assert.ok(sys.rows, 'the system keeps its rows');
  assert.ok(Math.abs(sys.f - plain.f) <= 1e-5 * plain.f, `${sys.f} vs ${plain.f}`);
  for (let p = 0; p < size; p++) assert.ok(Math.abs(sys.g[p] - plain.g[p]) <= 1e-4 * (1 + Math.abs(plain.g[p])));
  // A step: the quadratic in the rows against the strategy's own loss at the new parameters.
  const moved = theta.map((t, p) => t + 1e-3 * Math.sin(p));
  const at = quadraticLoss(
    sys.f,
    sys.rows,
    computeResiduals64(problem, model, batches, all, moved).flatMap((r) => r.values),
  );
  let o = 0;
  for (const v of trainableVariables(model)) {
    v.assign(tf.tensor(Float32Array.from(moved.subarray(o, o + v.size)), v.shape));
    o += v.size;
  }
  const direct = tf.tidy(() => strategy.loss(computeResiduals(problem, model, batches, all)).total.dataSync()[0]);
  assert.ok(Math.abs(at - direct) <= 1e-5 * direct, `${at} vs ${direct}`);
  assert.notEqual(at, sys.f);
  disposeBatches(batches);
  disposeModel(model);
});

test('precisionPlan: float64 where the run allows it, else a note that says why not', () => {
  /** @param {string} text @param {'penalty' | 'hard'} strategyName */
  const plan = (text, strategyName = 'penalty') => {
    const problem = buildProblem(loadSpecText(text, 'plan.yaml'));
    const strategy = createStrategy(strategyName, problem);
    const model = createModel(problem, createRng(0), strategy.transforms);
    const p = precisionPlan(problem, model, strategy, problem.spec.training);
    disposeModel(model);
    return p;
  };
  const lm = 'training: {precision: float64, stages: [{optimizer: levenberg-marquardt, iterations: 5}]}';
  assert.deepEqual(plan(SPEC('tanh')), { float64: false });
  const on = plan(SPEC('tanh', lm));
  assert.equal(on.float64, true);
  assert.match(on.note, /residuals, loss and weights in float64/);
  const noStage = plan(SPEC('tanh', 'training: {precision: float64, stages: [{optimizer: adam, iterations: 5}]}'));
  assert.equal(noStage.float64, false);
  assert.match(noStage.note, /applies to levenberg-marquardt stages, and this run has none/);
  assert.match(plan(SPEC('gelu', lm)).note, /activation gelu/);
  assert.match(plan(SPEC('tanh', lm), 'hard').note, /output transforms/);
  const positive = SPEC('tanh', lm).replace('conditions:', 'inequalities: ["v >= 0"]\nconditions:');
  assert.match(plan(positive).note, /inequality .* is not quadratic/);
});
