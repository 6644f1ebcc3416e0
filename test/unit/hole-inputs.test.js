// The network's hole inputs: which subtracted shapes count as holes, the input each adds
// (2 log(r / a) around a disk of radius a), and that models, manifests and the verifier carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specDir } from '../support/fixtures.js';
import * as G from '../../dist/problem/geometry/index.js';
import { evalNumeric } from '../../dist/expr/numeric.js';
import { loadSpecWithFlags } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createModel, disposeModel } from '../../dist/model/model.js';
import { MANIFEST_FILE, modelFiles } from '../../dist/model/format.js';
import { createRng } from '../../dist/util/random.js';
import { verifyModel } from '../../dist/verify/model-view.js';

const at = (e, [x, y, z = 0]) => evalNumeric(e, { value: (n) => ({ x, y, z })[n] ?? NaN, tolerance: 0 });

test('holes: a subtracted disk or sphere inside the outer shape, not a notch in its side', () => {
  const annulus = G.difference([G.disk([0, 0], 1.5), G.disk([0.1, 0], 0.5)]);
  const [hole, ...rest] = annulus.holes();
  assert.equal(rest.length, 0);
  assert.equal(hole.size, 0.5);
  // The distance is zero on the hole and positive in the domain.
  assert.ok(Math.abs(at(hole.distance, [0.6, 0])) < 1e-12);
  assert.ok(at(hole.distance, [1.2, 0.3]) > 0);
  const notch = G.difference([G.rectangle([0, 0], [1, 1]), G.rectangle([0.4, 0.8], [0.6, 1.2])]);
  assert.deepEqual(notch.holes(), []);
  const touching = G.difference([G.disk([0, 0], 1), G.disk([0.6, 0], 0.5)]);
  assert.deepEqual(touching.holes(), []);
  assert.deepEqual(G.disk([0, 0], 1).holes(), []);
  const twoWires = G.difference([G.rectangle([-2, -1], [2, 1]), G.disk([-1, 0], 0.2), G.disk([1, 0], 0.3)]);
  assert.deepEqual(
    twoWires.holes().map((h) => Number(h.size.toFixed(12))),
    [0.2, 0.3],
  );
  const shell = G.difference([G.box([-1, -1, -1], [1, 1, 1]), G.sphere([0, 0, 0], 0.4)]);
  assert.equal(shell.holes().length, 1);
});

const COAX = `
geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1}, name: outer}
    - {disk: {center: [0, 0], radius: 0.25}, name: inner}
fields: [u]
equations:
  - lap(u) = 0
conditions:
  - {on: inner, dirichlet: {u: 1}}
  - {on: outer, dirichlet: {u: 0}}
`;

test('hole inputs: 2 log(r / a) per hole after the coordinates; none with hole_inputs: none', () => {
  const { specFile } = specDir('pinn-holes-');
  const problem = buildProblem(loadSpecWithFlags(specFile('coax', COAX), [], {}));
  const model = createModel(problem, createRng(1), new Map());
  try {
    assert.equal(model.holeInputs.length, 1);
    assert.equal(model.net.shape.inputs, 3);
    for (const r of [0.25, 0.5, 0.9])
      assert.ok(Math.abs(at(model.holeInputs[0], [r * 0.6, r * 0.8]) - 2 * Math.log(r / 0.25)) < 1e-12);
    // The manifest carries the inputs, so a saved model evaluates without the spec's geometry.
    const files = modelFiles({ ...problem, name: 'coax' }, model, 'spec', 'test');
    const manifest = JSON.parse(String(files.find((f) => f.name === MANIFEST_FILE)?.content));
    assert.equal(manifest.hole_inputs.length, 1);
    assert.equal(manifest.layers_model, false);
    assert.equal(verifyModel(problem, model).holeInputs.length, 1);
  } finally {
    disposeModel(model);
  }
  const plain = buildProblem(loadSpecWithFlags(specFile('coax', COAX), ['network.hole_inputs=none'], {}));
  const without = createModel(plain, createRng(1), new Map());
  assert.equal(without.holeInputs, undefined);
  assert.equal(without.net.shape.inputs, 2);
  disposeModel(without);
});
