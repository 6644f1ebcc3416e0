// End to end: `pinn sweep` running real (tiny) solves as child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TIME_SCALE } from '../support/time.js';
import { tempDir } from '../support/temp.js';

const CLI = resolve('bin/pinn.js');
const SPEC = resolve('problems/poisson-2d.yaml');
const TINY = `set:
  training.points.domain: 200
  training.points.boundary: 100
  output.grid: [11, 11]
iterations: 20
parallel: 2
`;

function pinn(args, cwd) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 300_000 * TIME_SCALE,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A sweep file in a fresh folder, its spec given relative to it. */
function sweepFile(body) {
  const dir = tempDir('pinn-sweep-');
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, `spec: ${relative(dir, SPEC)}\n${body}${TINY}`);
  return { dir, file };
}

const csvRows = (dir) =>
  readFileSync(join(dir, 'results.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(/,(?![^"]*"(?:[^"]*"[^"]*")*[^"]*$)/));
const caseDirs = (dir) =>
  readdirSync(dir)
    .filter((n) => /^\d{3}-[0-9a-f]{8}$/.test(n) && statSync(join(dir, n)).isDirectory())
    .sort();

const GRID = `grid:
  constraints.weights.conditions: [1, 10]
  network.hidden: [[8], [8, 8]]
`;

test('a 4-case sweep gives 4 rows, and a rerun reuses them', () => {
  const { dir, file } = sweepFile(GRID);
  const out = join(dir, 'out');
  const r = pinn(['sweep', file, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const rows = csvRows(out);
  assert.deepEqual(rows[0].slice(0, 4), ['case', 'constraints.weights.conditions', 'network.hidden', 'status']);
  assert.equal(rows.length, 5);
  assert.deepEqual(
    rows.slice(1).map((x) => x[3]),
    ['ok', 'ok', 'ok', 'ok'],
  );
  assert.deepEqual(
    rows.slice(1).map((x) => [x[1], x[2]]),
    [
      ['1', '[8]'],
      ['1', '"[8,8]"'],
      ['10', '[8]'],
      ['10', '"[8,8]"'],
    ],
  );
  const header = rows[0];
  const l2 = header.indexOf('l2_relative(u)');
  assert.ok(l2 > 0 && rows.slice(1).every((x) => Number(x[l2]) > 0), 'errors per field');
  assert.ok(header.includes('max_violation') && header.includes('iterations') && header.includes('seconds'));
  assert.ok(rows.slice(1).every((x) => x[header.indexOf('iterations')] === '20'));
  const cases = caseDirs(out);
  assert.equal(cases.length, 4);
  for (const c of cases) {
    for (const f of ['summary.json', 'case.json', 'case.log', 'fields.csv'])
      assert.ok(existsSync(join(out, c, f)), `${c}/${f}`);
    const summary = JSON.parse(readFileSync(join(out, c, 'summary.json'), 'utf8'));
    assert.equal(summary.iterations, 20);
    assert.deepEqual(summary.points.domain, 200);
  }
  const md = readFileSync(join(out, 'results.md'), 'utf8');
  assert.match(md, /\| case \| constraints\.weights\.conditions \| network\.hidden \| status \|/);
  assert.match(r.stdout, /4 cases: 4 ok/);
  const page = readFileSync(join(out, 'results.html'), 'utf8');
  assert.equal([...page.matchAll(/<img /g)].length, 4, 'error and seconds against each of the 2 swept keys');
  for (const c of cases) assert.ok(page.includes(`<a href="${c}/report.html">${c}</a>`), `a link to ${c}'s report`);

  const before = cases.map((c) => JSON.parse(readFileSync(join(out, c, 'case.json'), 'utf8')).started_at);
  const again = pinn(['sweep', file, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stderr.match(/reused/g) ?? []).length, 4);
  assert.deepEqual(
    cases.map((c) => JSON.parse(readFileSync(join(out, c, 'case.json'), 'utf8')).started_at),
    before,
  );
});

test('shards 1/2 and 2/2 into one folder, collected, give the same 4 cases', () => {
  const { dir, file } = sweepFile(GRID);
  const plan = pinn(['sweep', 'plan', file, '--shards', '2']);
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(JSON.parse(plan.stdout), {
    include: [
      { shard: '1/2', index: 1, count: 2, cases: 2 },
      { shard: '2/2', index: 2, count: 2, cases: 2 },
    ],
  });

  const out = join(dir, 'out');
  const s1 = pinn(['sweep', file, '--out', out, '--shard', '1/2']);
  assert.equal(s1.code, 0, s1.stderr);
  assert.deepEqual(
    caseDirs(out).map((c) => c.slice(0, 3)),
    ['001', '003'],
  );
  // Kubernetes style: the second shard from JOB_COMPLETION_INDEX.
  const r2 = spawnSync(process.execPath, [CLI, 'sweep', file, '--out', out, '--shard-count', '2'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', JOB_COMPLETION_INDEX: '1' },
  });
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(
    caseDirs(out).map((c) => c.slice(0, 3)),
    ['001', '002', '003', '004'],
  );

  const col = pinn(['sweep', 'collect', out]);
  assert.equal(col.code, 0, col.stderr);
  const rows = csvRows(out);
  assert.equal(rows.length, 5);
  assert.deepEqual(
    rows.slice(1).map((x) => x[3]),
    ['ok', 'ok', 'ok', 'ok'],
  );

  // The same cases as one unsharded run would have.
  const whole = pinn(['sweep', 'plan', file, '--shards', '1']);
  assert.equal(JSON.parse(whole.stdout).include[0].cases, 4);
  const ids = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).cases.map((c) => c.id);
  assert.deepEqual(
    rows.slice(1).map((x) => x[0]),
    ids,
  );
  assert.deepEqual(caseDirs(out), ids);
});

test('a failing case is reported, the others finish, exit code 1', () => {
  const { dir, file } = sweepFile(`cases:
  - {network.hidden: [8]}
  - {network.hidden: [8], exact.u: "sin(pi*q)"}
  - {network.hidden: [6]}
`);
  const out = join(dir, 'out');
  const r = pinn(['sweep', file, '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  const rows = csvRows(out);
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.slice(1).map((x) => x[rows[0].indexOf('status')]),
    ['ok', 'failed', 'ok'],
  );
  const failed = caseDirs(out)[1];
  assert.match(r.stderr, new RegExp(`failed ${failed}`));
  assert.match(r.stderr, /unknown name 'q'/, "tail of the failed case's output");
  assert.match(r.stderr, /1 of 3 cases failed/);
  assert.match(readFileSync(join(out, failed, 'case.log'), 'utf8'), /unknown name 'q'/);
  const rec = JSON.parse(readFileSync(join(out, failed, 'case.json'), 'utf8'));
  assert.equal(rec.status, 'failed');
  assert.equal(rec.exit_code, 2);
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## Failed[\s\S]*exit 2/);

  const col = pinn(['sweep', 'collect', out]);
  assert.equal(col.code, 1);
  assert.match(col.stderr, /failed/);
});

test('a sweep with a bad override fails before running anything, located in the sweep file', () => {
  const { dir, file } = sweepFile(`grid:
  network.hidden: [[8], wide]
`);
  const out = join(dir, 'out');
  const r = pinn(['sweep', file, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sweep\.yaml:3:25: network\.hidden must be a list/);
  assert.equal(existsSync(out), false);
  assert.equal(pinn(['sweep', file, '--shard', '3/2']).code, 2);
});
