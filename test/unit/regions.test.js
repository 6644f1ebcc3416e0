// Material regions in process: the spec errors of regions and piecewise constants, interface
// points and normals, and the interface residuals of the dielectric cylinder's closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specDir } from '../support/fixtures.js';
import { residualsOf } from '../support/residuals.js';
import { loadSpecText } from '../../dist/spec/load.js';
import { resolvedSpecYaml } from '../../dist/spec/resolved.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { describeProblem } from '../../dist/problem/describe.js';
import { createModel, disposeModel } from '../../dist/model/model.js';
import { createRng } from '../../dist/util/random.js';
import { parseExpr } from '../../dist/expr/parse.js';

const { specFile } = specDir('pinn-regions-');
const problemOf = (text) => buildProblem(loadSpecText(text, specFile('r', text)));
const refused = (text, ...parts) =>
  assert.throws(
    () => problemOf(text),
    (/** @type {Error} */ err) =>
      err.name === 'SpecError' && parts.every((p) => err.message.includes(p)) && !/\n\s+at /.test(err.message),
    parts.join(' | '),
  );

const EPS = 5;
const A = 0.35;
const K = (EPS - 1) / (EPS + 1);
const INSIDE = `-${2 / (EPS + 1)}*x`;
const OUTSIDE = `-(x - ${K * A * A}*x/(x^2 + y^2))`;
const cylinder = (eps = `{core: ${EPS}, else: 1}`, extra = '') => `geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
regions:
  core: {disk: {center: [0, 0], radius: ${A}}}
constants:
  eps: ${eps}
${extra}equations:
  - electrostatic: {permittivity: eps}
conditions:
  - on: boundary
    dirichlet: {phi: "${OUTSIDE}"}
`;

test('regions: located errors for names, coverage, clashes and unsupported templates', () => {
  refused(cylinder().replace('core: {disk', 'else: {disk'), "r.yaml:3:3: 'else' cannot name a region");
  refused(cylinder('{cor: 5, else: 1}'), "r.yaml:5:9: constant eps: 'cor' is not a region", "did you mean 'core'");
  refused(cylinder('{core: 5}'), "constant eps has no 'else'", 'add else: value');
  refused(cylinder().replace('core: {disk', 'left: {disk'), 'region left has the name of a boundary part');
  refused(cylinder().replace('center: [0, 0]', 'center: [5, 5]'), 'region core lies outside the geometry');
  refused(
    cylinder('{core: 5, else: 1}', 'time: [0, 1]\n').replace(
      'electrostatic: {permittivity: eps}',
      'maxwell-tm: {permittivity: eps}',
    ),
    'maxwell-tm: a permittivity piecewise by region is not supported yet',
  );
  // Regions that cover the domain need no else; a half-plane region's interface is the line x = 0.
  const half = problemOf(
    cylinder('{core: 5, rest: 1}').replace(
      'core: {disk: {center: [0, 0], radius: 0.35}}',
      'core: {disk: {center: [0, 0], radius: 0.35}}\n  rest: {rectangle: {min: [-1, -1], max: [1, 1]}}',
    ),
  );
  assert.equal(half.terms.filter((t) => t.form === 'interface').length, 1, 'rest has no interface inside the box');
});

test('regions: the resolved spec writes regions and piecewise constants back', () => {
  const text = cylinder(`{core: {unknown: 3}, else: 1}`);
  const spec = loadSpecText(text, specFile('r', text));
  const again = loadSpecText(resolvedSpecYaml(spec, ['phi']), specFile('again', ''));
  assert.deepEqual(
    again.regions.map((r) => [r.name, r.shape.kind, r.shape.kind === 'disk' && r.shape.radius]),
    [['core', 'disk', A]],
  );
  assert.deepEqual(
    again.constants[0].pieces.map((p) => [p.region, p.value.text, p.unknown]),
    [
      ['core', '3', true],
      ['else', '1', false],
    ],
  );
  assert.deepEqual(buildProblem(again).unknowns, [{ name: 'eps_core', initial: 3 }]);
});

/** Residuals of every term with phi given as IR (a transform), on sampled points. */
const residuals = (problem, phi) =>
  residualsOf(problem, new Map(phi ? [['phi', phi]] : []), { domain: 256, boundary: 256, initial: 0 });
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const scope = {
  variables: ['x', 'y'],
  fields: [],
  constants: [],
  spatial: ['x', 'y'],
  derivatives: false,
  boundary: false,
};
/** inside ? a : b by the side variable of core, as the interface batches read it. */
const bySide = (inside, outside) => ({
  kind: 'cond',
  test: { kind: 'compare', op: '>', left: { kind: 'var', name: '__side_core' }, right: { kind: 'num', value: 0 } },
  then: parseExpr(inside, scope),
  else: parseExpr(outside, scope),
});

test('regions: validate lists the regions and each piecewise constant', () => {
  const text = cylinder(`{core: {unknown: 3}, else: 1}`);
  const lines = describeProblem(problemOf(text)).split('\n');
  assert.ok(lines.includes('  regions (first listed wins): core'), lines.join('\n'));
  assert.ok(lines.includes('  piecewise eps: trained from 3 in core, 1 elsewhere'), lines.join('\n'));
});

test('regions: the closed-form dielectric cylinder satisfies every residual, interface included', () => {
  const problem = problemOf(cylinder());
  const terms = problem.terms.map((t) => t.form);
  assert.deepEqual(terms, ['equation', 'interface', 'dirichlet']);
  const out = residuals(problem, bySide(INSIDE, OUTSIDE));
  const iface = out.find((r) => r.term.form === 'interface');
  // Interface rows: 2n points (both sides), normals out of the disk, |x| = a.
  const { points, normals } = iface;
  const n = points.length / 4;
  assert.ok(n >= 32);
  for (let i = 0; i < 2 * n; i++) {
    const [x, y] = [points[2 * i], points[2 * i + 1]];
    assert.ok(Math.abs(Math.hypot(x, y) - A) < 1e-9, `interface point at radius ${Math.hypot(x, y)}`);
    assert.ok(Math.abs(normals[2 * i] - x / A) < 1e-9 && Math.abs(normals[2 * i + 1] - y / A) < 1e-9);
  }
  for (const r of out) for (const v of r.values) assert.ok(maxAbs(v) < 2e-4, `${r.term.name}: ${maxAbs(v)}`);
  // The inside field of another permittivity (eps 3) keeps phi continuous only where x = 0 and breaks the flux.
  const wrong = residuals(problem, bySide(`-${2 / 4}*x`, `-(x - ${0.5 * A * A}*x/(x^2 + y^2))`));
  const [, flux] = wrong.find((r) => r.term.form === 'interface').values;
  assert.ok(maxAbs(flux) > 0.1, `flux jump ${maxAbs(flux)}`);
});

test('regions: the distance design is continuous with a free kink at the interface; split is neither', () => {
  const distance = problemOf(cylinder());
  const split = buildProblem(loadSpecText(cylinder() + 'network: {interface: split}\n', specFile('split', '')));
  const [jumpD, fluxD] = residuals(distance).find((r) => r.term.form === 'interface').values;
  const [jumpS] = residuals(split).find((r) => r.term.form === 'interface').values;
  assert.ok(maxAbs(jumpD) < 1e-6, `distance: value jump ${maxAbs(jumpD)}`);
  assert.ok(maxAbs(fluxD) > 1e-3, `distance: flux jump ${maxAbs(fluxD)} (eps 5 against 1 and a kink)`);
  assert.ok(maxAbs(jumpS) > 1e-3, `split: value jump ${maxAbs(jumpS)}`);
  const rng = createRng(0);
  const [mD, mS] = [distance, split].map((p) => createModel(p, rng, new Map()));
  assert.deepEqual([mD.net.shape.inputs, mD.net.shape.outputs, mD.kink.kind], [3, 1, 'distance']);
  assert.deepEqual([mS.net.shape.inputs, mS.net.shape.outputs, mS.kink.kind], [2, 2, 'split']);
  [mD, mS].forEach(disposeModel);
});
