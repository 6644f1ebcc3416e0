// Data conditions end to end: an inverse problem identifies an unknown constant from observations,
// a bad data file stops validate and solve with its location, and a spec without conditions trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('pinn-data-');

/** -D u'' = D pi^2 sin(pi x) on [0, 1] with u(0) = u(1) = 0: u = sin(pi x) for every D; the data fix D = 2. */
const TRUE_D = 2;
const spec = (file, conditions = ['  - {on: boundary, dirichlet: {u: 0}}', `  - {on: data, file: ${file}}`]) =>
  [
    'name: inverse-1d',
    'geometry:',
    '  interval: [0, 1]',
    'fields: [u]',
    'constants:',
    '  D: {unknown: 0.5}',
    'equations:',
    `  - -D*u_xx = ${TRUE_D}*pi^2*sin(pi*x)`,
    'conditions:',
    ...conditions,
    'exact: {u: "sin(pi*x)"}',
    'network: {hidden: [20, 20], activation: tanh}',
    'training:',
    '  points: {domain: 100, boundary: 2}',
    '  seed: 0',
    '  stages:',
    '    - {optimizer: adam, iterations: 500, lr: 1.0e-2}',
    '    - {optimizer: lbfgs, iterations: 300}',
    '',
  ].join('\n');

/** Writes a spec reading `file` (the spec's line 11, column 22 holds the file name) and returns its path. */
function writeSpec(name, file, conditions) {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, spec(file, conditions));
  return path;
}

const observations = [
  'x,u',
  ...Array.from({ length: 30 }, (_, i) => (i + 0.5) / 30).map((x) => `${x},${Math.sin(Math.PI * x)}`),
];
writeFileSync(join(dir, 'obs.csv'), observations.join('\n') + '\n');

test('an unknown coefficient is identified from 30 observations, and the data misfit is reported', () => {
  const out = join(dir, 'out-inverse');
  const r = pinn(['solve', writeSpec('inverse', 'obs.csv'), '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const D = summary.unknowns.D;
  assert.ok(Math.abs(D - TRUE_D) < 0.02 * TRUE_D, `D = ${D}, expected ${TRUE_D} within 2%`);
  assert.ok(summary.loss.parts.data >= 0, 'the loss has a data part');
  const loss = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n');
  assert.equal(loss[0], 'iteration,total,equations,conditions,data,unknown_D');
  assert.equal(Number(loss[1].split(',').at(-1)), 0.5, 'the first record has the starting D');
  assert.equal(Number(loss.at(-1).split(',').at(-1)), Math.fround(D), 'the last record has the reported D');
  const misfit = summary.violations.find((v) => v.name === 'data obs.csv');
  assert.ok(misfit, `no data violation in ${JSON.stringify(summary.violations)}`);
  assert.equal(misfit.kind, 'data');
  assert.equal(misfit.points, 30);
  assert.ok(misfit.rms < 1e-2 && misfit.max < 2e-2, JSON.stringify(misfit));
  assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes('data obs.csv'));
});

test('validate describes the data term and its anchors', () => {
  const r = pinn(['validate', writeSpec('describe', 'obs.csv')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {4}data obs\.csv: 30 observation points$/m);
  assert.match(r.stdout, /points domain 100 \(and 30 data anchors\)/);
});

/** @type {[string, string | undefined, string, number, number, string][]} */
const bad = [
  ['missing file', undefined, 'spec', 11, 22, "data file '"],
  ['bad cell', 'x,u\n0.5,abc\n', 'csv', 2, 5, "'abc' is not a number"],
  ['unknown column', 'x,u,w\n0.5,1,2\n', 'csv', 1, 5, "unknown column 'w'"],
  ['no field column', 'x\n0.5\n', 'csv', 1, 1, 'the header names no field'],
  ['no rows', 'x,u\n', 'csv', 1, 1, 'the data file has no rows'],
  ['point outside the domain', 'x,u\n0.5,1\n1.5,0\n', 'csv', 3, 1, 'the point x = 1.5 lies outside the domain'],
];

for (const [what, csv, where, line, col, message] of bad) {
  test(`a data file with ${what} stops validate and solve at its line and column`, () => {
    const name = what.replace(/ /g, '-');
    const file = `${name}.csv`;
    if (csv !== undefined) writeFileSync(join(dir, file), csv);
    const specPath = writeSpec(name, file);
    const at = `${where === 'spec' ? specPath : join(dir, file)}:${line}:${col}: `;
    const out = join(dir, `out-${name}`);
    for (const args of [
      ['validate', specPath],
      ['solve', specPath, '--out', out, '--quiet'],
    ]) {
      const r = pinn(args);
      assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.ok(r.stderr.includes(at + message), `${args[0]}: expected ${at}${message} in\n${r.stderr}`);
    }
    assert.equal(existsSync(out), false, 'solve wrote nothing');
  });
}

test('points on the boundary count as inside the domain', () => {
  writeFileSync(join(dir, 'edge.csv'), 'x,u\n0,0\n1,0\n');
  const r = pinn(['validate', writeSpec('edge', 'edge.csv')]);
  assert.equal(r.status, 0, r.stderr);
});

test('a spec whose only condition is data trains', () => {
  const out = join(dir, 'out-data-only');
  const r = pinn([
    'solve',
    writeSpec('data-only', 'obs.csv', ['  - {on: data, file: obs.csv}']),
    '--iterations',
    '20',
    '--out',
    out,
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(Number.isFinite(summary.loss.total));
  assert.deepEqual(
    summary.violations.map((v) => v.kind),
    ['data'],
  );
});

test('conditions: [] trains (the last bias, invisible to -lap(u), gets a zero gradient)', () => {
  const out = join(dir, 'out-empty');
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--set', 'conditions=[]', '--iterations', '20', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(Number.isFinite(summary.loss.total));
  assert.deepEqual(summary.violations, []);
});
