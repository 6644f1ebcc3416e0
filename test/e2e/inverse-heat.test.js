// The shipped inverse example (problems/inverse-heat.yaml) validates, and its data generator
// problems/make-data.mjs is deterministic and writes rows of the exact solution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const node = (args) => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const HEAT = 'exp(-0.07*pi^2*t)*sin(pi*x)';
const exact = (x, t) => Math.exp(-0.07 * Math.PI ** 2 * t) * Math.sin(Math.PI * x);
const makeData = (extra = []) =>
  node(['problems/make-data.mjs', HEAT, 'x=0:1', 't=0:1', '--count', '240', '--seed', '1', ...extra]);

/** The CSV's data rows as numbers. */
const rows = (csv) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));

test('the inverse-heat example validates with its 240 observations and the unknown D', () => {
  const r = node(['bin/pinn.js', 'validate', 'problems/inverse-heat.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /unknowns \(trained\): D from 0\.5/);
  assert.match(r.stdout, /^ {4}data inverse-heat-data\.csv: 240 observation points$/m);
});

test('make-data writes the same bytes for the same arguments: the shipped CSV', () => {
  const a = makeData();
  const b = makeData();
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, readFileSync('problems/inverse-heat-data.csv', 'utf8'));
});

test('make-data rows lie strictly inside the ranges and satisfy the exact solution', () => {
  const r = makeData();
  assert.equal(r.stdout.split('\n')[0], 'x,t,u');
  const data = rows(r.stdout);
  assert.equal(data.length, 240);
  for (const [x, t, u] of data) {
    assert.ok(x > 0 && x < 1 && t > 0 && t < 1, `point (${x}, ${t}) not strictly inside`);
    assert.ok(Math.abs(u - exact(x, t)) <= 1e-15, `u(${x}, ${t}) = ${u}, exact ${exact(x, t)}`);
  }
  assert.equal(new Set(data.map(([x, t]) => `${x},${t}`)).size, 240, 'points are distinct');
});

test('make-data noise is seeded, relative and of the requested size', () => {
  const a = makeData(['--noise', '0.01']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, makeData(['--noise', '0.01']).stdout);
  const rel = rows(a.stdout).map(([x, t, u]) => u / exact(x, t) - 1);
  const rms = Math.sqrt(rel.reduce((s, e) => s + e * e, 0) / rel.length);
  assert.ok(rms > 0.008 && rms < 0.012, `relative noise rms ${rms}, expected about 0.01`);
  assert.notEqual(
    a.stdout,
    node(['problems/make-data.mjs', HEAT, 'x=0:1', 't=0:1', '--count', '240', '--seed', '2', '--noise', '0.01']).stdout,
  );
});

test('make-data refuses a bad range with exit status 2', () => {
  const r = node(['problems/make-data.mjs', HEAT, 'x=1:0', '--count', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad range 'x=1:0'/);
});
