// `pinn verify` end to end on tiny runs: a counterexample for a penalty run, certificates
// for the conditions that hard and reparam impose exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TIME_SCALE } from '../support/time.js';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

// `pinn verify` stops checking a constraint once it is certified or violated, so --budget is only a
// ceiling there, scaled for busy machines. The PDE residual report after the constraints never stops
// early and takes a quarter of the budget: the ceilings are generous (several times what a loaded
// machine needs) rather than huge.
const budget = (seconds) => String(seconds * TIME_SCALE);

const SPEC = `name: verify-tiny
geometry:
  rectangle: {min: [0, 0], max: [1, 1]}
fields: [u]
equations:
  - -lap(u) = SOURCE
conditions:
  - on: boundary
    dirichlet: {u: 0}
inequalities:
  - u >= 0
constraints:
  strategy: penalty
  weights: {equations: 1, conditions: 10, inequalities: 0.01}
  positivity: square
network: {hidden: [12, 12], activation: tanh}
training:
  points: {domain: 200, boundary: 64}
  seed: 1
  stages:
    - {optimizer: adam, iterations: 120, lr: 1.0e-2}
output:
  grid: [11, 11]
  formats: [csv]
`;

function tinyRun(strategy, source, inequality = true) {
  const dir = tempDir(`pinn-verify-${strategy}-`);
  const spec = join(dir, 'tiny.yaml');
  const text = SPEC.replace('SOURCE', source);
  writeFileSync(spec, inequality ? text : text.replace('inequalities:\n  - u >= 0\n', ''));
  const r = pinn(['solve', spec, '--strategy', strategy, '--out', join(dir, 'run'), '--quiet']);
  return { run: join(dir, 'run'), r };
}

test('verify e2e: a penalty run whose field dips below zero gets a counterexample (exit 1)', () => {
  // The exact solution is -sin(pi x) sin(pi y) <= 0, and u >= 0 is barely weighted.
  const { run, r } = tinyRun('penalty', '-2*pi^2*sin(pi*x)*sin(pi*y)');
  assert.equal(r.status, 0, r.stderr);
  const v = pinn(['verify', run, '--budget', budget(20)]);
  assert.equal(v.status, 1, v.stdout + v.stderr);
  const report = JSON.parse(readFileSync(join(run, 'verify.json'), 'utf8'));
  const ineq = report.constraints.find((c) => c.kind === 'inequality');
  assert.equal(ineq.status, 'violated');
  assert.ok(ineq.counterexample.value > 1e-5 && ineq.counterexample.point.x > 0 && ineq.counterexample.point.x < 1);
  assert.ok(ineq.bound >= ineq.counterexample.violation);
  assert.match(v.stdout, /counterexample for u >= 0/);
  // tfjs's Node.js banner (its cpu backend's first use) is not printed without --verbose.
  assert.doesNotMatch(v.stderr, /TensorFlow\.js in Node\.js/);
  const eq = report.constraints.find((c) => c.kind === 'equation');
  assert.equal(eq.status, 'reported');

  // The Dirichlet condition, off by what solve measured: the search is seeded with solve's own
  // violation points and a dense grid of the sides (corners included), so it finds at least that much
  // and certifies a counterexample at 1e-4 with a small budget.
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  const measured = summary.violations.find((x) => x.name.startsWith('dirichlet')).max;
  assert.ok(measured > 1e-3, `solve measured ${measured}`);
  const v4 = pinn(['verify', run, '--budget', budget(10), '--tolerance', '1e-4', '--json']);
  assert.equal(v4.status, 1, v4.stderr);
  const dir = JSON.parse(v4.stdout).constraints.find((c) => c.name.startsWith('dirichlet'));
  assert.equal(dir.status, 'violated');
  assert.ok(dir.counterexample.violation > 1e-4 && dir.counterexample.arithmetic === 'float32');
  assert.ok(dir.evaluated_max >= 0.99 * measured, `evaluated ${dir.evaluated_max} vs measured ${measured}`);
  assert.ok(dir.sampled_max <= dir.evaluated_max + 1e-6 && dir.points_evaluated > 1000);
});

const CURVED = {
  disk: `geometry:
  disk: {center: [0, 0], radius: 1}
fields: [u]
equations:
  - -lap(u) = 4
conditions:
  - on: boundary
    dirichlet: {u: "x*y"}
`,
  annulus: `geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1}, name: outer}
    - {disk: {center: [0, 0], radius: 0.25}, name: inner}
fields: [u]
equations:
  - -lap(u) = 0
conditions:
  - on: inner
    dirichlet: {u: 1}
  - on: outer
    dirichlet: {u: 0}
`,
};

test('verify e2e: hard Dirichlet conditions on a disk and an annulus certify at 1e-5 (covers along the circles)', () => {
  for (const [name, problem] of Object.entries(CURVED)) {
    const dir = tempDir(`pinn-verify-${name}-`);
    const spec = join(dir, `${name}.yaml`);
    writeFileSync(
      spec,
      `name: ${name}\n${problem}constraints: {strategy: hard}\n${SPEC.slice(SPEC.indexOf('network:'))}`,
    );
    const r = pinn(['solve', spec, '--out', join(dir, 'run'), '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    // About 8000 boxes per circle (5 s on a loaded machine); boxes straddling the circles needed over
    // 80 000 for a bound of 8e-4.
    const v = pinn(['verify', join(dir, 'run'), '--budget', budget(40)]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'run', 'verify.json'), 'utf8'));
    for (const c of report.constraints.filter((x) => x.kind === 'condition')) {
      assert.equal(c.status, 'certified', JSON.stringify(c));
      assert.ok(c.bound <= 1e-5 && c.evaluated_max <= c.bound);
    }
  }
});

test('verify e2e: hard certifies the Dirichlet condition to 1e-5; reparam (square) certifies u >= 0', () => {
  const hard = tinyRun('hard', '2*pi^2*sin(pi*x)*sin(pi*y)', false);
  assert.equal(hard.r.status, 0, hard.r.stderr);
  // Certified in about 1.5 s unloaded, 5 s on a loaded machine.
  pinn(['verify', hard.run, '--budget', budget(40)]);
  const rh = JSON.parse(readFileSync(join(hard.run, 'verify.json'), 'utf8'));
  const dir = rh.constraints.find((c) => c.name.startsWith('dirichlet'));
  assert.equal(dir.status, 'certified', JSON.stringify(dir));
  assert.ok(dir.bound <= 1e-5);

  // reparam also imposes the zero Dirichlet data (u = phi * N^2): both constraints certify, u >= 0 after
  // refining along the boundary, where the interval of phi * N^2 dips below zero until boxes are small.
  const rep = tinyRun('reparam', '2*pi^2*sin(pi*x)*sin(pi*y)');
  assert.equal(rep.r.status, 0, rep.r.stderr);
  // u >= 0 certifies after about 42000 boxes: 4 s unloaded, over 13 s on a loaded machine.
  pinn(['verify', rep.run, '--budget', budget(80)]);
  const rr = JSON.parse(readFileSync(join(rep.run, 'verify.json'), 'utf8'));
  const pos = rr.constraints.find((c) => c.kind === 'inequality');
  assert.equal(pos.status, 'certified', JSON.stringify(pos));
  assert.ok(pos.bound <= 1e-5);
  assert.equal(rr.constraints.find((c) => c.name.startsWith('dirichlet')).status, 'certified');
});
