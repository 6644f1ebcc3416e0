// A parametric solve (spec `parameters:`) on a tiny budget: its summary measures every listed value
// and the residuals over the range, its model records the ranges, and `pinn eval --param` answers
// inside the range (the same as a parameter column), refusing values outside it, unset or given twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn, specDir } from '../support/fixtures.js';

const { dir, specFile } = specDir('pinn-parametric-');
const spec = specFile(
  'rod',
  `geometry: {interval: [0, 1]}
time: [0, 1]
parameters:
  D: [0.05, 0.2]
  k: {range: [1, 4], scale: log}
equations:
  - heat: {diffusivity: D}
conditions:
  - {on: boundary, dirichlet: {u: 0}}
  - {on: initial, value: {u: "sin(pi*x)"}}
exact: {u: "exp(-D*pi^2*t)*sin(pi*x)"}
constraints: {strategy: hard}
network: {hidden: [8, 8], activation: tanh}
training:
  points: {domain: 128, boundary: 32, initial: 32}
  stages: [{optimizer: adam, iterations: 30, lr: 1.0e-2}]
output: {grid: [11], times: [0, 1], formats: [csv, json], parameters: [{D: 0.1}, {D: 0.2, k: 4}]}
`,
);
const run = join(dir, 'run');
const solved = pinn(['solve', spec, '--out', run]);

test('a parametric solve measures each listed value and the residuals over the ranges', () => {
  assert.equal(solved.status, 0, solved.stderr);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.variables, ['x', 't', 'D', 'k']);
  const p = summary.parametric;
  assert.deepEqual(p.values, [
    { D: 0.1, k: 2 },
    { D: 0.2, k: 4 },
  ]);
  assert.equal(p.errors.length, 2);
  // summary.errors keeps its meaning: the first listed value's errors.
  assert.deepEqual(p.errors[0], summary.errors);
  assert.notEqual(p.errors[1].u.l2_relative, p.errors[0].u.l2_relative);
  assert.equal(p.residuals.points, 4096);
  assert.ok(p.residuals.worst >= p.residuals.rms && p.residuals.rms > 0);
  assert.deepEqual(Object.keys(p.residuals.by_parameter), ['D', 'k']);
  assert.equal(p.residuals.by_parameter.k.length, 8);
  assert.ok(Math.abs(p.residuals.by_parameter.k[4].low - 2) < 1e-12, 'log bins meet at the geometric middle');
  const manifest = JSON.parse(readFileSync(join(run, 'model', 'pinn.json'), 'utf8'));
  assert.deepEqual(manifest.parameters, [
    { name: 'D', min: 0.05, max: 0.2, scale: 'linear' },
    { name: 'k', min: 1, max: 4, scale: 'log' },
  ]);
  assert.deepEqual(manifest.input.log, [3]);
  // fields.csv holds space-time columns only, at the first listed value.
  assert.equal(readFileSync(join(run, 'fields.csv'), 'utf8').split('\n')[0], 'x,t,u,u_exact,u_error');
});

test('pinn eval --param gives the fields at a parameter value, as a parameter column does', () => {
  const flagged = join(dir, 'xt.csv');
  const column = join(dir, 'xtD.csv');
  writeFileSync(flagged, 'x,t,k\n0.25,0.5,3\n0.5,1,1.5\n');
  writeFileSync(column, 'x,t,k,D\n0.25,0.5,3,0.08\n0.5,1,1.5,0.08\n');
  const a = pinn(['eval', run, '--points', flagged, '--param', 'D=0.08']);
  const b = pinn(['eval', run, '--points', column]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const u = (text) =>
    text
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',').at(-1)));
  assert.deepEqual(u(a.stdout), u(b.stdout));
  assert.equal(a.stdout, b.stdout, 'the --param value is echoed as the column D');
  const grid = pinn(['eval', run, '--grid', '--param', 'D=0.1', '--param', 'k=2']);
  assert.equal(grid.status, 0, grid.stderr);
  assert.equal(
    grid.stdout,
    readFileSync(join(run, 'fields.csv'), 'utf8'),
    'the grid at the first listed value is fields.csv',
  );
});

test('pinn eval refuses a parameter value outside its range, unset, unknown or given twice (exit 2)', () => {
  const points = join(dir, 'xt2.csv');
  writeFileSync(points, 'x,t,D\n0.25,0.5,0.1\n');
  /** @type {[string[], string][]} */
  const cases = [
    [
      ['--grid', '--param', 'D=0.3', '--param', 'k=2'],
      'D = 0.3 is outside the range the model was trained over, [0.05, 0.2]',
    ],
    [
      ['--grid', '--param', 'D=0.1'],
      'the model takes the parameter k [1, 4] (log scale); give it with --param k=value',
    ],
    [['--grid', '--param', 'E=0.1'], "'E' is not a parameter of the model"],
    [['--points', points, '--param', 'k=2', '--param', 'D=0.1'], "'D' is both a column here and --param D=0.1"],
    [['--points', points, '--param', 'k=5'], 'k = 5 is outside the range'],
  ];
  for (const [args, message] of cases) {
    const r = pinn(['eval', run, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  }
});
