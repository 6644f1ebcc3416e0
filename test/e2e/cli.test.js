// The real CLI on the shipped examples with small budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';

const tiny = [
  '--iterations',
  '30',
  '--set',
  'training.points.domain=200',
  '--set',
  'training.points.boundary=64',
  '--set',
  'training.points.initial=64',
  '--set',
  'network.hidden=[8,8]',
  '--quiet',
];

function readCsv(file) {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  return { columns: header.split(','), rows: rows.map((r) => r.split(',').map(Number)) };
}

for (const [example, grid] of [
  ['poisson-2d', '[21,21]'],
  ['heat-1d', '[21]'],
  ['helmholtz-2d', '[21,21]'],
]) {
  test(`solve ${example}: summary, fields and loss files are written and consistent`, () => {
    const out = mkdtempSync(join(tmpdir(), `pinn-${example}-`));
    const r = pinn([
      'solve',
      `problems/${example}.yaml`,
      '--out',
      out,
      ...tiny,
      '--set',
      `output.grid=${grid}`,
      '--set',
      'output.formats=[csv, json]',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(s.name, example);
    assert.equal(s.iterations, 30);
    assert.ok(['wasm', 'cpu', 'webgpu', 'tensorflow'].includes(s.backend));
    assert.ok(Number.isFinite(s.loss.total) && s.loss.total > 0);
    assert.ok(s.errors.u.l2_relative > 0 && Number.isFinite(s.errors.u.l2_relative));
    assert.ok(s.violations.length >= 1 && s.violations.every((v) => Number.isFinite(v.rms) && v.max >= v.rms));
    const f = readCsv(join(out, 'fields.csv'));
    assert.deepEqual(f.columns.slice(-3), ['u', 'u_exact', 'u_error']);
    const perTime = example === 'heat-1d' ? 21 : 441;
    const times = example === 'heat-1d' ? 5 : 1;
    assert.equal(f.rows.length, perTime * times);
    // The L2 relative error in summary.json is the one fields.csv gives.
    const ui = f.columns.indexOf('u');
    let num = 0,
      den = 0;
    for (const row of f.rows) {
      num += (row[ui] - row[ui + 1]) ** 2;
      den += row[ui + 1] ** 2;
    }
    assert.ok(Math.abs(Math.sqrt(num / den) - s.errors.u.l2_relative) < 1e-3 * s.errors.u.l2_relative + 1e-7);
    const loss = readCsv(join(out, 'loss.csv'));
    assert.deepEqual(loss.columns.slice(0, 2), ['iteration', 'total']);
    assert.ok(loss.rows.length >= 2);
    assert.ok(existsSync(join(out, 'spec.resolved.yaml')));
  });
}

test('the resolved spec reruns: validate accepts spec.resolved.yaml', () => {
  const out = mkdtempSync(join(tmpdir(), 'pinn-resolved-'));
  const r = pinn([
    'solve',
    'problems/poisson-2d.yaml',
    '--out',
    out,
    ...tiny,
    '--set',
    'output.grid=[11,11]',
    '--set',
    'output.formats=[csv]',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const v = pinn(['validate', join(out, 'spec.resolved.yaml')]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /residual/);
});

test('a bad spec exits 2 with file:line:col, no stack trace, and writes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-bad-'));
  const spec = join(dir, 'bad.yaml');
  writeFileSync(
    spec,
    'geometry:\n  rectangle: {min: [0, 0], max: [1, 1]}\nfields: [u]\nequations:\n  - -lap(u) = sin(pi*xx)\nconditons: []\n',
  );
  const out = join(dir, 'out');
  const r = pinn(['solve', spec, '--out', out]);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    new RegExp(
      `${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:1: unknown key 'conditons' in the spec \\(did you mean 'conditions'\\?\\)`,
    ),
  );
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  assert.equal(existsSync(out), false);
});

test('expression errors point inside the expression', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinn-bad-'));
  const spec = join(dir, 'bad.yaml');
  writeFileSync(
    spec,
    'geometry:\n  rectangle: {min: [0, 0], max: [1, 1]}\nfields: [u]\nequations:\n  - -lap(u) = sin(pi*xx)\n',
  );
  const r = pinn(['validate', spec]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml:5:22: unknown name 'xx' \(did you mean 'x'\?\)/);
});

test('backends lists every backend with its availability, wasm available here', () => {
  const r = pinn(['backends']);
  assert.equal(r.status, 0, r.stderr);
  for (const b of ['tensorflow', 'webgpu', 'wasm', 'cpu']) assert.match(r.stdout, new RegExp(`\\b${b}\\b`));
  assert.match(r.stdout, /available\s+wasm/);
});

test('--backend cpu is honoured and recorded', () => {
  const out = mkdtempSync(join(tmpdir(), 'pinn-cpu-'));
  const r = pinn([
    'solve',
    'problems/poisson-2d.yaml',
    '--backend',
    'cpu',
    '--out',
    out,
    ...tiny,
    '--iterations',
    '3',
    '--set',
    'output.grid=[5,5]',
    '--set',
    'output.formats=[csv]',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).backend, 'cpu');
  const bad = pinn(['solve', 'problems/poisson-2d.yaml', '--backend', 'quantum']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown backend 'quantum'/);
});

test('files in the run folder that the run does not produce are left alone', () => {
  const out = mkdtempSync(join(tmpdir(), 'pinn-keep-'));
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const r = pinn([
    'solve',
    'problems/poisson-2d.yaml',
    '--out',
    out,
    ...tiny,
    '--iterations',
    '2',
    '--set',
    'output.grid=[5,5]',
    '--set',
    'output.formats=[csv]',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
  assert.ok(!readdirSync(out).some((f) => f.endsWith('.tmp')));
});

test('--workers takes 1 or 2 only', () => {
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--workers', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--workers must be 1 or 2/);
});

test('solve: the final lines point to the report and say its verdict (none for a clean run)', () => {
  const out = mkdtempSync(join(tmpdir(), 'pinn-verdict-'));
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--out', out, ...tiny.filter((a) => a !== '--quiet')]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(`report: ${out}/report.html`), r.stdout);
  assert.doesNotMatch(r.stdout, /warning/);
});
