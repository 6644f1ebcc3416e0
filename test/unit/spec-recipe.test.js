// The default recipe: what a spec leaves out of network.hidden and training.stages follows from
// what it gives (spec/recipe.ts, docs/accuracy.md#the-default-recipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, loadSpecText, overridesFromFlags } from '../../dist/spec/index.js';

const BASE = `geometry:
  rectangle: {min: [0, 0], max: [1, 1]}
fields: [u]
equations:
  - -lap(u) = 1
conditions:
  - on: boundary
    dirichlet: {u: 0}
`;
const load = (extra) => loadSpecText(BASE + extra, 'recipe.yaml');
const optimizers = (spec) => spec.training.stages.map((s) => s.optimizer);

test('neither network.hidden nor training.stages: one layer of 64 units, Adam then Levenberg-Marquardt', () => {
  const spec = load('');
  assert.deepEqual(spec.network.hidden, [64]);
  assert.deepEqual(optimizers(spec), ['adam', 'levenberg-marquardt']);
  assert.deepEqual(
    spec.training.stages.map((s) => s.iterations),
    DEFAULTS.training.stages.map((s) => s.iterations),
  );
});

test("a network of the spec's own: the second-order stages up to 2000 weights, the first-order ones beyond", () => {
  // 2 inputs, one output: (3 x 32) + (33 x 32) + 33 = 1185 weights; (3 x 50) + 2 (51 x 50) + 51 = 5301.
  assert.deepEqual(optimizers(load('network: {hidden: [32, 32]}\n')), ['adam', 'levenberg-marquardt']);
  const big = load('network: {hidden: [50, 50, 50]}\n');
  assert.deepEqual(optimizers(big), ['adam', 'lbfgs']);
  assert.deepEqual(
    big.training.stages.map((s) => s.iterations),
    DEFAULTS.firstOrder.stages.map((s) => s.iterations),
  );
  // Outputs count: [42, 42] has 3 x 42 + 43 x 42 + 43 = 1975 weights with one output, 2018 with two.
  assert.deepEqual(optimizers(load('network: {hidden: [42, 42]}\n')), ['adam', 'levenberg-marquardt']);
  const two = loadSpecText(
    BASE.replace('fields: [u]', 'fields: [u, v]')
      .replace('  - -lap(u) = 1', '  - -lap(u) = 1\n  - -lap(v) = 1')
      .replace('{u: 0}', '{u: 0, v: 0}') + 'network: {hidden: [42, 42]}\n',
    'recipe.yaml',
  );
  assert.deepEqual(optimizers(two), ['adam', 'lbfgs']);
});

test("stages of the spec's own: the first-order network without a Levenberg-Marquardt stage, the recipe's with one", () => {
  const adam = load('training:\n  stages:\n    - {optimizer: adam, iterations: 10}\n');
  assert.deepEqual(adam.network.hidden, DEFAULTS.firstOrder.hidden);
  const lm = load('training:\n  stages:\n    - {optimizer: levenberg-marquardt, iterations: 10}\n');
  assert.deepEqual(lm.network.hidden, [64]);
  const both = load('network: {hidden: [50, 50, 50]}\ntraining:\n  stages:\n    - {optimizer: adam, iterations: 10}\n');
  assert.deepEqual([both.network.hidden, optimizers(both)], [[50, 50, 50], ['adam']]);
});

test("the recipe's sin network starts with the unit first layer, unless the spec gives one or its own network", () => {
  assert.equal(load('network: {activation: sin}\n').network.firstLayer, 'unit');
  assert.equal(load('network: {activation: sin, first_layer: glorot}\n').network.firstLayer, undefined);
  assert.equal(load('network: {activation: sin, hidden: [20, 20]}\n').network.firstLayer, undefined);
  assert.equal(load('').network.firstLayer, undefined);
});

test('penalty with a Levenberg-Marquardt stage weighs conditions by the second-order weight, unless the spec or a flag sets it', () => {
  const weight = (extra, overrides) => loadSpecText(BASE + extra, 'recipe.yaml', overrides).constraints.weights;
  assert.equal(weight('').conditions, DEFAULTS.secondOrder.conditionsWeight);
  assert.equal(DEFAULTS.secondOrder.conditionsWeight, 100);
  // The other groups keep their defaults; a given weight (file or --set) wins, even when it is the default 1.
  assert.deepEqual(weight(''), { ...DEFAULTS.constraints.weights, conditions: 100 });
  assert.equal(weight('constraints: {weights: {conditions: 1}}\n').conditions, 1);
  assert.equal(weight('constraints: {weights: {equations: 3}}\n').conditions, 100);
  assert.equal(weight('', overridesFromFlags(['constraints.weights.conditions=7'], {})).conditions, 7);
  // Other strategies, and first-order stages, keep 1.
  for (const s of ['adaptive', 'augmented-lagrangian', 'hard', 'barrier', 'reparam'])
    assert.equal(weight(`constraints: {strategy: ${s}}\n`).conditions, 1, s);
  assert.equal(weight('training:\n  stages:\n    - {optimizer: adam, iterations: 10}\n').conditions, 1);
});
