// `pinn sweep` over a trained parametric run (`run:` in the sweep file): each case is an evaluation on
// the run's output grid, its errors those `pinn eval --grid --param` gives, and a swept key that is not
// a parameter or a value outside the range fails the whole sweep before anything runs (exit 2, located).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn, specDir } from '../support/fixtures.js';

const { dir, specFile } = specDir('pinn-sweep-parametric-');
const spec = specFile(
  'rod',
  `geometry: {interval: [0, 1]}
time: [0, 1]
parameters:
  D: [0.05, 0.2]
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
output: {grid: [11], times: [0, 0.5, 1], formats: [csv, json]}
`,
);
const run = join(dir, 'run');
const solved = pinn(['solve', spec, '--out', run]);
const VALUES = [0.05, 0.08, 0.125, 0.16, 0.2];

/** L2 relative and max abs error of u from a `pinn eval --grid` CSV (columns u_exact, u_error). */
function csvErrors(text) {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  const ex = cols.indexOf('u_exact');
  let num = 0;
  let den = 0;
  let max = 0;
  for (const row of rows) {
    const cells = row.split(',').map(Number);
    num += cells[ex + 1] ** 2;
    den += cells[ex] ** 2;
    max = Math.max(max, Math.abs(cells[ex + 1]));
  }
  return { l2: Math.sqrt(num / den), max };
}

/** results.csv as one object per row, by column name. */
function readResults(file) {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((c, k) => [cols[k], c])));
}

test('a sweep over a parametric run evaluates each value, matching pinn eval --grid --param', () => {
  assert.equal(solved.status, 0, solved.stderr);
  const sweep = join(dir, 'over-d.yaml');
  writeFileSync(sweep, `run: run\ngrid:\n  D: [${VALUES.join(', ')}]\n`);
  const out = join(dir, 'sweep-out');
  const r = pinn(['sweep', sweep, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const rows = readResults(join(out, 'results.csv'));
  assert.equal(rows.length, VALUES.length);
  for (const [k, D] of VALUES.entries()) {
    const row = rows[k];
    assert.equal(Number(row.D), D);
    assert.equal(row.status, 'ok');
    assert.equal(row.mode, 'evaluated');
    assert.equal(row.iterations, '', 'nothing was trained');
    const ev = pinn(['eval', run, '--grid', '--param', `D=${D}`]);
    assert.equal(ev.status, 0, ev.stderr);
    const want = csvErrors(ev.stdout);
    // eval's CSV rounds its numbers; the sweep's errors come from the unrounded values.
    assert.ok(
      Math.abs(Number(row['l2_relative(u)']) - want.l2) <= 1e-4 * want.l2 + 1e-9,
      `D=${D}: ${row['l2_relative(u)']} vs ${want.l2}`,
    );
    assert.ok(Math.abs(Number(row['max_abs(u)']) - want.max) <= 1e-4 * want.max + 1e-9, `D=${D}`);
    assert.equal(
      readFileSync(join(out, row.folder, 'fields.csv'), 'utf8'),
      ev.stdout,
      'the case folder holds the eval grid',
    );
  }
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /\| mode \|/);
  const again = pinn(['sweep', sweep, '--out', out]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((again.stderr.match(/reused/g) ?? []).length, VALUES.length, 'an unchanged run is not reevaluated');
});

test('a swept key that is not a parameter, or a value outside the range, is a located error (exit 2)', () => {
  /** @type {[string, string][]} */
  const cases = [
    [`run: run\ngrid:\n  D: [0.1]\n  E: [1, 2]\n`, ":4:3: 'E' is not a parameter of run"],
    [
      `run: run\ngrid:\n  D: [0.1, 0.3]\n`,
      ':3:12: D = 0.3 is outside the range the model was trained over, [0.05, 0.2]',
    ],
  ];
  cases.forEach(([text, message], k) => {
    const file = join(dir, `bad-${k}.yaml`);
    writeFileSync(file, text);
    const r = pinn(['sweep', file, '--out', join(dir, `bad-${k}`)]);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`${file}${message}`), r.stderr);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });
});
