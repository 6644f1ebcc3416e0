// Error bars of identified unknowns: stated noise weighs the data, the reported standard deviation
// matches the one the data carry, and unknowns the data cannot determine are flagged, not reported
// as found. Spec errors in the noise key are located.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';
import { gaussian, mulberry32 } from '../../problems/make-data.mjs';
import { tempDir } from '../support/temp.js';

const dir = tempDir('pinn-uncertainty-');

/**
 * -D u'' = 2 pi^2 sin(pi x), u(0) = u(1) = 0: u = (2 / D) sin(pi x). Observations of
 * u = sin(pi x) + noise fix D = 2 / A, A the fitted amplitude.
 */
const spec = ({ constants = ['  D: {unknown: 1}'], equation = '-D*u_xx = 2*pi^2*sin(pi*x)', data = '' }) =>
  [
    'name: uncertainty',
    'geometry:',
    '  interval: [0, 1]',
    'fields: [u]',
    'constants:',
    ...constants,
    'equations:',
    `  - ${equation}`,
    'conditions:',
    '  - {on: boundary, dirichlet: {u: 0}}',
    ...(data ? [`  - ${data}`] : []),
    'network: {hidden: [20, 20], activation: tanh}',
    'training:',
    '  points: {domain: 100, boundary: 2}',
    '  stages:',
    '    - {optimizer: adam, iterations: 500, lr: 1.0e-2}',
    '    - {optimizer: lbfgs, iterations: 300}',
    '',
  ].join('\n');

const SIGMA = 0.01;
const COUNT = 30;
const rand = mulberry32(7);
const xs = Array.from({ length: COUNT }, (_, i) => (i + 0.5) / COUNT);
writeFileSync(
  join(dir, 'noisy.csv'),
  ['x,u', ...xs.map((x) => `${x},${Math.sin(Math.PI * x) + SIGMA * gaussian(rand)}`)].join('\n') + '\n',
);
/** The standard deviation of D = 2 / A from COUNT observations of A sin(pi x) with noise SIGMA: 2 SIGMA / sqrt(sum sin^2). */
const EXPECTED_STD = (2 * SIGMA) / Math.sqrt(xs.reduce((s, x) => s + Math.sin(Math.PI * x) ** 2, 0));

function solve(name, text, extra = []) {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, text);
  const out = join(dir, `out-${name}`);
  const r = pinn(['solve', path, '--out', out, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return { r, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), out };
}

test('with stated noise, D comes with the standard deviation its data carry and an interval that holds it', () => {
  const { r, summary, out } = solve(
    'noisy',
    spec({ data: `{on: data, file: noisy.csv, noise: {absolute: ${SIGMA}}}` }),
  );
  const D = summary.unknowns.D;
  const u = summary.unknowns_uncertainty.D;
  assert.ok(u.std > 0.5 * EXPECTED_STD && u.std < 2 * EXPECTED_STD, `std ${u.std}, expected about ${EXPECTED_STD}`);
  assert.ok(Math.abs(D - 2) < 3 * u.std, `D = ${D} lies more than 3 std (${u.std}) from 2`);
  assert.deepEqual(u.interval_2sigma, [D - 2 * u.std, D + 2 * u.std]);
  assert.equal(u.identifiable, true, JSON.stringify(u));
  assert.match(r.stdout, /unknown D = [\d.]+ \+- [\d.e+-]+ \(1 std\. deviation\)/);
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(report.includes('2-sigma interval'), 'the report shows the interval');
  assert.ok(summary.files.includes('unknown_D.png'), `no unknown_D.png in ${summary.files}`);
  // verify reports the data misfit beside the certified conditions, and certifies nothing about it.
  const v = pinn(['verify', out, '--budget', '2']);
  assert.match(
    v.stdout,
    /data noisy\.csv: misfit rms [\d.e+-]+, max [\d.e+-]+ at its 30 observation points \(reported, not certified\)/,
  );
  const misfit = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8')).data;
  const solved = summary.violations.find((x) => x.kind === 'data');
  assert.equal(misfit.length, 1);
  assert.equal(misfit[0].points, 30);
  assert.ok(Math.abs(misfit[0].rms - solved.rms) < 1e-6, `verify ${misfit[0].rms} vs solve ${solved.rms}`);
});

test('two unknowns seen only as a product are flagged as not separately identifiable', () => {
  const { r, summary } = solve(
    'product',
    spec({
      constants: ['  a: {unknown: 1}', '  b: {unknown: 1.5}'],
      equation: '-a*b*u_xx = 2*pi^2*sin(pi*x)',
      data: `{on: data, file: noisy.csv, noise: {absolute: ${SIGMA}}}`,
    }),
  );
  const { a, b } = summary.unknowns;
  assert.ok(Math.abs(a * b - 2) < 0.05, `a b = ${a * b}, expected 2`);
  for (const name of ['a', 'b']) {
    const u = summary.unknowns_uncertainty[name];
    assert.equal(u.identifiable, false, JSON.stringify(u));
    assert.match(u.warning, /not (separately )?identifiable/);
  }
  assert.match(r.stdout, /warning .*not (separately )?identifiable/);
  assert.ok(
    summary.notes.some((n) => /not (separately )?identifiable/.test(n)),
    JSON.stringify(summary.notes),
  );
});

test('an unknown without data is reported as not identifiable', () => {
  const { summary } = solve('no-data', spec({}), ['--iterations', '50']);
  const u = summary.unknowns_uncertainty.D;
  assert.equal(u.identifiable, false);
  assert.match(u.warning, /no data condition/);
  assert.equal(u.std, undefined);
});

test('a bounded unknown starts inside its bounds, stays there and is still identified', () => {
  // D's truth (2) lies inside (1.5, 10); the start 9 lies near the upper bound.
  const { summary, out } = solve(
    'bounded',
    spec({
      constants: ['  D: {unknown: 9, min: 1.5, max: 10}'],
      data: `{on: data, file: noisy.csv, noise: {absolute: ${SIGMA}}}`,
    }),
  );
  const D = summary.unknowns.D;
  assert.ok(Math.abs(D - 2) < 3 * summary.unknowns_uncertainty.D.std, `D = ${D}`);
  const history = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').slice(1);
  const values = history.map((line) => Number(line.split(',').at(-1)));
  assert.ok(Math.abs(values[0] - 9) < 1e-5, `the first record has the start 9, not ${values[0]}`);
  assert.ok(
    values.every((v) => v > 1.5 && v < 10),
    'every recorded value lies inside the bounds',
  );
});

test('a start outside its bounds is an error at the start value', () => {
  const path = join(dir, 'bad-bounds.yaml');
  writeFileSync(path, spec({ constants: ['  D: {unknown: 0.5, min: 1}'] }));
  const r = pinn(['validate', path]);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stderr.includes(`${path}:6:16: D.unknown = 0.5 must lie strictly inside its bounds (1, inf)`), r.stderr);
});

/** @type {[string, string, number, number, string][]} */
const badNoise = [
  [
    'weight and noise',
    '{on: data, file: noisy.csv, weight: 2, noise: {relative: 0.01}}',
    11,
    41,
    'has both weight and noise',
  ],
  ['a zero noise', '{on: data, file: noisy.csv, noise: {relative: 0}}', 11, 51, 'must be greater than 0'],
  [
    'two noise kinds',
    '{on: data, file: noisy.csv, noise: {relative: 0.1, absolute: 1}}',
    11,
    40,
    'exactly one of relative',
  ],
  ['an unknown noise key', '{on: data, file: noisy.csv, noise: {std: 0.1}}', 11, 41, "unknown key 'std'"],
];

for (const [what, data, line, col, message] of badNoise) {
  test(`a data condition with ${what} stops validate at its line and column`, () => {
    const path = join(dir, `bad-${what.replace(/ /g, '-')}.yaml`);
    writeFileSync(path, spec({ data }));
    const r = pinn(['validate', path]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`${path}:${line}:${col}: `), `expected ${path}:${line}:${col} in\n${r.stderr}`);
    assert.ok(r.stderr.includes(message), `expected '${message}' in\n${r.stderr}`);
  });
}

test('an unknown coefficient field is an extra output: reported with its range, its error, and in the resolved spec', () => {
  const out = join(dir, 'out-coefficient');
  const r = pinn(['solve', 'problems/inverse-coefficient.yaml', '--iterations', '60', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.fields, ['u', 'k']);
  const k = summary.unknown_fields.k;
  assert.ok(k.min <= k.mean && k.mean <= k.max, JSON.stringify(k));
  assert.ok(Number.isFinite(summary.errors.k.l2_relative), 'k is compared with its exact field');
  const resolved = readFileSync(join(out, 'spec.resolved.yaml'), 'utf8');
  assert.match(resolved, /^fields:\n {2}- u\nunknown_fields:\n {2}- k$/m);
  // The run reloads (its data files found from the spec it was started from): eval gives k too.
  const points = join(dir, 'points.csv');
  writeFileSync(points, 'x\n0.25\n0.75\n');
  const ev = pinn(['eval', out, '--points', points, '--out', join(dir, 'k.csv')]);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(readFileSync(join(dir, 'k.csv'), 'utf8'), /^x,u,k\n/);
});

test("DeepXDE's diffusion inverse example moves C from 2 toward 1 on a small budget", () => {
  const out = join(dir, 'out-diffusion');
  const stages = 'training.stages=[{optimizer: adam, iterations: 1000}, {optimizer: lbfgs, iterations: 600}]';
  const r = pinn(['solve', 'problems/diffusion-inverse.yaml', '--set', stages, '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const { unknowns, unknowns_uncertainty } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(Math.abs(unknowns.C - 1) < 0.05, `C = ${unknowns.C}, expected 1 within 5% (the full budget: 3.5e-4)`);
  assert.ok(unknowns_uncertainty.C.std > 0);
});
