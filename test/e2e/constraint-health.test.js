// Constrained problems the strategies were not tuned on: a complementarity residual through min(),
// hard data singular inside the domain, a run whose loss does not fall (flagged, exit 0), and
// tolerances (--fail-above, constraints.tolerance) that exit 1 when missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn, specDir, TINY, UNIT_POISSON, UNIT_POISSON_EXACT } from '../support/fixtures.js';

const { dir, specFile } = specDir('pinn-health-');
const summaryOf = (out) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));

test('the obstacle problem as min(-u_xx + 8, u + 1) = 0 trains (min has a gradient)', () => {
  const r = pinn([
    'solve',
    'bench/constrained/obstacle-1d.yaml',
    '--iterations',
    '60',
    '--out',
    join(dir, 'obstacle'),
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const s = summaryOf(join(dir, 'obstacle'));
  assert.equal(s.iterations, 60);
  assert.ok(Number.isFinite(s.loss.total));
  assert.ok(Number.isFinite(s.errors.u.l2_relative));
});

test('hard data singular inside the domain are restricted to the faces: finite, exact on the boundary', () => {
  const file = specFile(
    'far-field',
    `name: far-field
geometry:
  rectangle: {min: [-1, -1], max: [1, 1]}
fields: [u]
equations:
  - -lap(u) = 0
conditions:
  - {on: boundary, dirichlet: {u: "-(1 - 0.05/(x^2 + y^2))*x"}}
constraints: {strategy: hard}
${TINY}`,
  );
  const r = pinn(['solve', file, '--out', join(dir, 'far'), '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const s = summaryOf(join(dir, 'far'));
  const note = s.notes.find((n) => n.startsWith('dirichlet u on boundary: exact'));
  assert.match(note, /restricted to each face/);
  assert.match(note, /not finite at x = 0, y = 0/);
  assert.ok(s.violations[0].max < 1e-5, `boundary violation ${s.violations[0].max}`);
});

test('a transform not finite at a grid point names the transform, not the learning rate', () => {
  const file = specFile(
    'sinc',
    `name: sinc
geometry:
  rectangle: {min: [-1, -1], max: [2, 1]}
fields: [u]
equations:
  - -lap(u) = 0
conditions:
  - {on: boundary, dirichlet: {u: "sin(x)/x"}}
constraints: {strategy: hard}
${TINY.replace('grid: [11, 11]', 'grid: [31, 11]')}`,
  );
  const r = pinn(['solve', file, '--out', join(dir, 'sinc'), '--quiet']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /u = NaN at x = 0/);
  assert.match(r.stderr, /output transform of u .* is not finite there whatever the network gives/);
  assert.doesNotMatch(r.stderr, /learning rate/);
});

test('a saturated reparam is flagged in summary.json, on stderr and in the verdict, and exits 0', () => {
  // A bump on the disk (on the unit square the product phi of a box lets softplus train out of its flat side).
  const file = specFile(
    'bump',
    `name: bump
geometry:
  disk: {center: [0, 0], radius: 1}
fields: [u]
equations:
  - "-lap(u) = 8 - 16*(x^2 + y^2)"
conditions:
  - {on: boundary, dirichlet: {u: 0}}
inequalities:
  - u >= 0
exact: {u: "(1 - x^2 - y^2)^2"}
constraints: {strategy: reparam, positivity: softplus}
network: {hidden: [16, 16], activation: tanh}
training:
  points: {domain: 200, boundary: 64}
  seed: 0
  stages:
    - {optimizer: adam, iterations: 150, lr: 2.0e-3}
output: {grid: [11, 11], formats: [csv]}
`,
  );
  const out = join(dir, 'bump');
  const r = pinn(['solve', file, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const s = summaryOf(out);
  assert.deepEqual(
    s.health.map((h) => h.kind),
    ['loss-flat'],
  );
  assert.match(s.health[0].advice, /positivity: abs/);
  assert.match(r.stderr, /not training: the loss did not fall/);
  assert.match(r.stdout, /warning the loss did not fall/);
});

test('--fail-above and constraints.tolerance exit 1 when missed, 0 when met', () => {
  const file = specFile('tol', `name: tol\n${UNIT_POISSON}${UNIT_POISSON_EXACT}${TINY}`);
  const missed = pinn(['solve', file, '--out', join(dir, 'tol-missed'), '--quiet', '--fail-above', '1e-6']);
  assert.equal(missed.status, 1);
  assert.match(
    missed.stderr,
    /tolerance missed \(0\.000001\): max violation of dirichlet u on boundary .* > 1e-6; u L2 relative error/,
  );
  const s = summaryOf(join(dir, 'tol-missed'));
  assert.equal(s.tolerance.value, 1e-6);
  assert.equal(s.tolerance.missed.length, 2);
  const met = pinn(['solve', file, '--out', join(dir, 'tol-met'), '--quiet', '--set', 'constraints.tolerance=1e3']);
  assert.equal(met.status, 0, met.stderr);
  assert.deepEqual(summaryOf(join(dir, 'tol-met')).tolerance, { value: 1000, missed: [] });
  const none = pinn(['solve', file, '--out', join(dir, 'tol-none'), '--quiet']);
  assert.equal(none.status, 0);
  assert.equal(summaryOf(join(dir, 'tol-none')).tolerance, undefined);
  const cmp = pinn([
    'compare',
    file,
    '--strategies',
    'penalty,hard',
    '--out',
    join(dir, 'cmp'),
    '--quiet',
    '--fail-above',
    '1e-6',
  ]);
  assert.equal(cmp.status, 1);
  assert.match(cmp.stderr, /tolerance missed \(0\.000001\) by penalty/);
  assert.match(readFileSync(join(dir, 'cmp', 'compare.md'), 'utf8'), /\| flagged \|/);
});
