// Sweep internals without training: parsing, grid expansion, case ids, shards,
// hash-based reuse, results tables, and the runner against a stand-in CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseSweep, expandCases, planSweep, caseId } from '../dist/sweep/file.js';
import { parseShard, shardFromEnv, shardCases, shardMatrix } from '../dist/sweep/shard.js';
import { runSweep, isReusable, planHash } from '../dist/sweep/run.js';
import { collectResults } from '../dist/sweep/collect.js';
import { SpecError } from '../dist/spec/diagnostics.js';

const SPEC = resolve('problems/poisson-2d.yaml');
const tmp = () => mkdtempSync(join(tmpdir(), 'pinn-sweep-unit-'));

function sweepText(body) {
  return `spec: ${SPEC}\n${body}`;
}

test('grid expansion: cartesian product, first key slowest, cases crossed with the grid', () => {
  const def = parseSweep(sweepText(`grid:
  constraints.strategy: [penalty, hard]
  network.hidden: [[16, 16], [32, 32], [8]]
set:
  training.seed: 1
`), 'sweep.yaml');
  const combos = expandCases(def);
  assert.equal(combos.length, 6);
  assert.deepEqual(combos.map((c) => c.map((o) => o.text)), [
    ['constraints.strategy="penalty"', 'network.hidden=[16,16]'],
    ['constraints.strategy="penalty"', 'network.hidden=[32,32]'],
    ['constraints.strategy="penalty"', 'network.hidden=[8]'],
    ['constraints.strategy="hard"', 'network.hidden=[16,16]'],
    ['constraints.strategy="hard"', 'network.hidden=[32,32]'],
    ['constraints.strategy="hard"', 'network.hidden=[8]'],
  ]);
  assert.deepEqual(def.set.map((o) => o.text), ['training.seed=1']);

  const both = parseSweep(sweepText(`cases:
  - {training.seed: 1}
  - {training.seed: 2, network.hidden: [4]}
grid:
  network.activation: [tanh, sin]
`), 'sweep.yaml');
  const c2 = expandCases(both);
  assert.equal(c2.length, 4);
  assert.deepEqual(c2.map((c) => c.map((o) => o.path)), [
    ['training.seed', 'network.activation'], ['training.seed', 'network.activation'],
    ['training.seed', 'network.hidden', 'network.activation'], ['training.seed', 'network.hidden', 'network.activation'],
  ]);
  const plan = planSweep(both);
  assert.deepEqual(plan.keys, ['training.seed', 'network.activation', 'network.hidden']);
});

test('case ids: index plus hash of the swept values, stable and independent of key order', () => {
  const a = parseSweep(sweepText('cases:\n  - {training.seed: 1, network.hidden: [4]}\n'), 's.yaml');
  const b = parseSweep(sweepText('cases:\n  - {network.hidden: [4], training.seed: 1}\n'), 's.yaml');
  const ida = planSweep(a).cases[0].id;
  assert.match(ida, /^001-[0-9a-f]{8}$/);
  assert.equal(ida, planSweep(b).cases[0].id);
  assert.notEqual(caseId(0, 1, a.cases[0]), caseId(0, 1, [a.cases[0][0]]));
  assert.equal(caseId(41, 1234, []).slice(0, 5), '0042-');
  const big = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 3, 4]\n'), 's.yaml'));
  assert.equal(new Set(big.cases.map((c) => c.id)).size, 4);
});

test('sweep file errors are located in the sweep file', () => {
  const check = (body, re) => {
    assert.throws(() => planSweep(parseSweep(sweepText(body), 'bad.yaml')), (err) => {
      assert.ok(err instanceof SpecError, String(err));
      assert.match(err.message, re);
      return true;
    });
  };
  check('grid:\n  training.seed: 3\n', /bad\.yaml:3:18: grid 'training\.seed' must be a list/);
  check('grid:\n  training.seed: []\n', /bad\.yaml:3:18: .*empty list/);
  check('cases:\n  - {network..x: 1}\n', /bad\.yaml:3:6: .*empty part/);
  check('grid:\n  network.hidden: [[8], wide]\n', /bad\.yaml:3:25: network\.hidden must be a list/);
  check('grid:\n  network.hiden: [[8]]\n', /bad\.yaml:3:19: unknown key 'hiden' in network/);
  check('cases:\n  - {constraints.strategy: penaltyy}\n', /bad\.yaml:3:28: unknown strategy 'penaltyy'/);
  check('set:\n  training.points.domain: -5\ngrid:\n  training.seed: [1]\n', /bad\.yaml:3:27: training\.points\.domain must be at least 1/);
  check('grid:\n  training.seed: [1]\nparallel: 0\n', /bad\.yaml:4:11: parallel must be at least 1/);
  check('grid:\n  training.seed: [1]\nbogus: 1\n', /unknown key 'bogus' in the sweep/);
  check('set:\n  training.seed: 1\n', /neither grid: nor cases:/);
  assert.throws(() => parseSweep('spec: nowhere.yaml\ncases: [{}]\n', join(tmp(), 's.yaml')), /spec 'nowhere\.yaml' does not exist/);
});

test('shard partition: disjoint, complete, deterministic', () => {
  for (const total of [0, 1, 4, 7, 10]) {
    const cases = Array.from({ length: total }, (_, index) => ({ index, id: `c${index}` }));
    for (const n of [1, 2, 3, 5, 11]) {
      const parts = Array.from({ length: n }, (_, i) => shardCases(cases, { index: i + 1, count: n }).map((c) => c.index));
      const all = parts.flat().sort((a, b) => a - b);
      assert.deepEqual(all, cases.map((c) => c.index), `complete and disjoint for ${total} cases in ${n} shards`);
      assert.deepEqual(parts, Array.from({ length: n }, (_, i) => shardCases(cases, { index: i + 1, count: n }).map((c) => c.index)));
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, 'balanced');
      const m = shardMatrix(cases, n);
      assert.equal(m.include.reduce((s, r) => s + r.cases, 0), total);
      for (const r of m.include) assert.equal(r.shard, `${r.index}/${n}`);
    }
  }
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.throws(() => parseShard('0/4'), /1 <= i <= n/);
  assert.throws(() => parseShard('5/4'), /1 <= i <= n/);
  assert.throws(() => parseShard('two'), /not i\/n/);
  assert.deepEqual(shardFromEnv(3, { JOB_COMPLETION_INDEX: '0' }), { index: 1, count: 3 });
  assert.deepEqual(shardFromEnv(3, { JOB_COMPLETION_INDEX: '2' }), { index: 3, count: 3 });
  assert.throws(() => shardFromEnv(3, { JOB_COMPLETION_INDEX: '3' }), /outside/);
  assert.throws(() => shardFromEnv(3, {}), /needs JOB_COMPLETION_INDEX/);
});

test('spec hash: changes with the spec, the set values and the run settings, not with the case alone', () => {
  const text = (seed, extra = '') => sweepText(`grid:\n  network.hidden: [[4], [8]]\nset:\n  training.seed: ${seed}\n${extra}`);
  const p1 = planSweep(parseSweep(text(1), 's.yaml'));
  const p1b = planSweep(parseSweep(`# a comment\n${text(1)}`, 's.yaml'));
  const p2 = planSweep(parseSweep(text(2), 's.yaml'));
  const p3 = planSweep(parseSweep(text(1, 'iterations: 5\n'), 's.yaml'));
  assert.deepEqual(p1.cases.map((c) => c.specHash), p1b.cases.map((c) => c.specHash));
  assert.notEqual(p1.cases[0].specHash, p1.cases[1].specHash);
  assert.deepEqual(p1.cases.map((c) => c.id), p2.cases.map((c) => c.id), 'ids depend on the swept values only');
  assert.notEqual(p1.cases[0].specHash, p2.cases[0].specHash);
  assert.notEqual(p1.cases[0].specHash, p3.cases[0].specHash);
  assert.notEqual(planHash(p1), planHash(p2));
  assert.equal(planHash(p1), planHash(p1b));
});

test('spec hash: changes when a data file the spec reads changes', () => {
  const dir = tmp();
  const spec = join(dir, 'fit.yaml');
  writeFileSync(spec, `name: fit
geometry: {interval: [0, 1]}
fields: [u]
equations: [-u_xx = 1]
conditions:
  - {on: data, file: obs.csv}
training: {points: {domain: 16, boundary: 2}, stages: [{optimizer: adam, iterations: 1}]}
`);
  const sweep = join(dir, 's.yaml');
  writeFileSync(sweep, `spec: fit.yaml\ngrid:\n  training.seed: [1, 2]\n`);
  const hashes = () => planSweep(parseSweep(readFileSync(sweep, 'utf8'), sweep)).cases.map((c) => c.specHash);
  writeFileSync(join(dir, 'obs.csv'), 'x,u\n0.5,0.125\n');
  const before = hashes();
  assert.deepEqual(hashes(), before, 'the same file hashes the same');
  writeFileSync(join(dir, 'obs.csv'), 'x,u\n0.5,0.13\n');
  const after = hashes();
  assert.ok(before.every((h, i) => h !== after[i]), 'an edited data file changes every case hash');
});

test('hash-based skipping: only ok cases with the same hash are reusable', () => {
  const dir = tmp();
  const write = (name, record, summary = true) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'case.json'), JSON.stringify(record));
    if (summary) writeFileSync(join(dir, name, 'summary.json'), '{}');
    return join(dir, name);
  };
  assert.equal(isReusable(write('a', { id: 'a', status: 'ok', spec_hash: 'h1' }), 'h1'), true);
  assert.equal(isReusable(write('b', { id: 'b', status: 'ok', spec_hash: 'h1' }), 'h2'), false);
  assert.equal(isReusable(write('c', { id: 'c', status: 'failed', spec_hash: 'h1' }), 'h1'), false);
  assert.equal(isReusable(write('d', { id: 'd', status: 'ok', spec_hash: 'h1' }, false), 'h1'), false);
  assert.equal(isReusable(join(dir, 'none'), 'h1'), false);
});

/** A stand-in for bin/pinn.js: seed 13 crashes, seed 7 fails, the rest write a summary. */
function fakeCli(dir) {
  const file = join(dir, 'fake-pinn.mjs');
  writeFileSync(file, `import { writeFileSync, appendFileSync } from 'node:fs';
const a = process.argv.slice(2);
const out = a[a.indexOf('--out') + 1];
const sets = a.filter((_, i) => a[i - 1] === '--set');
const seed = Number((sets.find((s) => s.startsWith('training.seed=')) ?? 'x=0').split('=')[1]);
if (process.env.FAKE_COUNT) appendFileSync(process.env.FAKE_COUNT, seed + '\\n');
if (seed === 13) { process.stderr.write('about to crash\\n'); process.kill(process.pid, 'SIGKILL'); }
if (seed === 7) { process.stderr.write('pinn failed: diverged at iteration 3\\n'); process.exit(1); }
writeFileSync(out + '/summary.json', JSON.stringify({ iterations: 5, wall_seconds: 0.1, loss: { total: seed },
  errors: { u: { l2_relative: seed / 100, max_abs: seed / 10 } }, violations: [{ max: 0.5 }, { max: seed }] }));
`);
  return file;
}

/** Runs `body` with a stand-in CLI in a fresh folder; the CLI appends each case's seed to `count`. */
async function withFakeCli(body) {
  const dir = tmp();
  const count = join(dir, 'count.txt');
  process.env.FAKE_COUNT = count;
  try {
    await body({ dir, cli: fakeCli(dir), count });
  } finally {
    delete process.env.FAKE_COUNT;
  }
}

test('runner: crashes and failures stay in their case, reruns skip finished cases', () => withFakeCli(async ({ dir, cli, count }) => {
  const def = parseSweep(sweepText('grid:\n  training.seed: [1, 13, 7, 2]\nparallel: 2\n'), join(dir, 's.yaml'));
  const plan = planSweep(def);
  const out = join(dir, 'out');
  const events = [];
  const r1 = await runSweep({ plan, outDir: out, cli, onEvent: (e) => events.push(`${e.case.id}:${e.state}`) });
  assert.deepEqual(r1.cases.map((c) => c.state), ['ok', 'failed', 'failed', 'ok']);
  assert.equal(r1.cases[1].record.signal, 'SIGKILL');
  assert.match(r1.cases[2].record.error, /diverged/);
  assert.match(readFileSync(join(out, r1.cases[2].case.id, 'case.log'), 'utf8'), /diverged at iteration 3/);
  assert.deepEqual(r1.results.rows.map((r) => r.status), ['ok', 'failed', 'failed', 'ok']);
  const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 5);
  assert.equal(csv[0], 'case,training.seed,status,l2_relative(u),max_abs(u),max_violation,loss,iterations,seconds,folder');
  assert.match(csv[4], /^004-[0-9a-f]{8},2,ok,0\.02,0\.2,2,2,5,/);
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## Failed[\s\S]*signal SIGKILL[\s\S]*exit 1/);
  assert.equal(readFileSync(count, 'utf8').trim().split('\n').length, 4);

  // Same sweep again: only the two failed cases run.
  const r2 = await runSweep({ plan, outDir: out, cli });
  assert.deepEqual(r2.cases.map((c) => c.state), ['reused', 'failed', 'failed', 'reused']);
  assert.deepEqual(readFileSync(count, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b), [1, 2, 7, 7, 13, 13]);

  // A changed spec setting reruns everything under the same ids.
  const changed = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 13, 7, 2]\nset:\n  network.hidden: [4]\n'), join(dir, 's.yaml')));
  assert.deepEqual(changed.cases.map((c) => c.id), plan.cases.map((c) => c.id));
  const r3 = await runSweep({ plan: changed, outDir: out, cli, shard: { index: 1, count: 2 } });
  assert.deepEqual(r3.cases.map((c) => [c.case.index, c.state]), [[0, 'ok'], [2, 'failed']]);
  // The other shard's folders are from the old spec: stale in the table, not reused.
  assert.deepEqual(r3.results.rows.map((r) => r.status), ['ok', 'stale', 'failed', 'stale']);
}));

test('runner: a value added to the grid renumbers cases; their finished runs move, not rerun', () => withFakeCli(async ({ dir, cli, count }) => {
  const out = join(dir, 'out');
  const p1 = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 4]\n'), join(dir, 's.yaml')));
  await runSweep({ plan: p1, outDir: out, cli });
  const p2 = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 3, 4]\n'), join(dir, 's.yaml')));
  assert.notEqual(p2.cases[3].id, p1.cases[2].id);
  const r = await runSweep({ plan: p2, outDir: out, cli });
  assert.deepEqual(r.cases.map((c) => c.state), ['reused', 'reused', 'ok', 'reused']);
  assert.deepEqual(readFileSync(count, 'utf8').trim().split('\n').map(Number), [1, 2, 4, 3]);
  const moved = JSON.parse(readFileSync(join(out, p2.cases[3].id, 'case.json'), 'utf8'));
  assert.equal(moved.id, p2.cases[3].id);
  assert.equal(moved.index, 3);
  assert.equal(JSON.parse(readFileSync(join(out, p2.cases[3].id, 'summary.json'), 'utf8')).loss.total, 4);
  assert.deepEqual(r.results.rows.map((x) => x.status), ['ok', 'ok', 'ok', 'ok']);
}));

test('collect: merges shard artifacts from subfolders, names missing cases, refuses mixed sweeps', async () => {
  const dir = tmp();
  const cli = fakeCli(dir);
  const plan = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 3, 4, 5]\n'), join(dir, 's.yaml')));
  const art = join(dir, 'artifacts');
  await runSweep({ plan, outDir: join(art, 'shard-1'), cli, shard: { index: 1, count: 3 } });
  await runSweep({ plan, outDir: join(art, 'shard-3'), cli, shard: { index: 3, count: 3 } });
  let { results } = collectResults(art);
  assert.deepEqual(results.rows.map((r) => r.status), ['ok', 'missing', 'ok', 'ok', 'missing']);
  assert.equal(results.rows[0].folder, join('shard-1', plan.cases[0].id));
  assert.ok(existsSync(join(art, 'results.csv')));
  assert.match(readFileSync(join(art, 'results.md'), 'utf8'), /## Not finished[\s\S]*training\.seed=2/);
  await runSweep({ plan, outDir: join(art, 'shard-2'), cli, shard: { index: 2, count: 3 } });
  ({ results } = collectResults(art));
  assert.deepEqual(results.rows.map((r) => r.status), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.equal(readFileSync(join(art, 'results.csv'), 'utf8').trim().split('\n').length, 6);

  const other = planSweep(parseSweep(sweepText('grid:\n  training.seed: [9]\n'), join(dir, 's.yaml')));
  await runSweep({ plan: other, outDir: join(art, 'other'), cli });
  assert.throws(() => collectResults(art), /different sweeps/);
  assert.throws(() => collectResults(join(dir, 'nothing')), /no sweep\.json/);
});
