// Sweep internals without training or child processes: parsing, grid expansion, case ids,
// shards, hash-based reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSweep, expandCases, planSweep, caseId } from '../../dist/sweep/file.js';
import { parseShard, shardFromEnv, shardCases, shardMatrix } from '../../dist/sweep/shard.js';
import { isReusable, planHash } from '../../dist/sweep/run.js';
import { resultsPage } from '../../dist/sweep/results-page.js';
import { SpecError } from '../../dist/spec/diagnostics.js';
import { tempDir } from '../support/temp.js';

const SPEC = resolve('problems/poisson-2d.yaml');
const tmp = () => tempDir('pinn-sweep-unit-');

function sweepText(body) {
  return `spec: ${SPEC}\n${body}`;
}

test('grid expansion: cartesian product, first key slowest, cases crossed with the grid', () => {
  const def = parseSweep(
    sweepText(`grid:
  constraints.strategy: [penalty, hard]
  network.hidden: [[16, 16], [32, 32], [8]]
set:
  training.seed: 1
`),
    'sweep.yaml',
  );
  const combos = expandCases(def);
  assert.equal(combos.length, 6);
  assert.deepEqual(
    combos.map((c) => c.map((o) => o.text)),
    [
      ['constraints.strategy="penalty"', 'network.hidden=[16,16]'],
      ['constraints.strategy="penalty"', 'network.hidden=[32,32]'],
      ['constraints.strategy="penalty"', 'network.hidden=[8]'],
      ['constraints.strategy="hard"', 'network.hidden=[16,16]'],
      ['constraints.strategy="hard"', 'network.hidden=[32,32]'],
      ['constraints.strategy="hard"', 'network.hidden=[8]'],
    ],
  );
  assert.deepEqual(
    def.set.map((o) => o.text),
    ['training.seed=1'],
  );

  const both = parseSweep(
    sweepText(`cases:
  - {training.seed: 1}
  - {training.seed: 2, network.hidden: [4]}
grid:
  network.activation: [tanh, sin]
`),
    'sweep.yaml',
  );
  const c2 = expandCases(both);
  assert.equal(c2.length, 4);
  assert.deepEqual(
    c2.map((c) => c.map((o) => o.path)),
    [
      ['training.seed', 'network.activation'],
      ['training.seed', 'network.activation'],
      ['training.seed', 'network.hidden', 'network.activation'],
      ['training.seed', 'network.hidden', 'network.activation'],
    ],
  );
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
    assert.throws(
      () => planSweep(parseSweep(sweepText(body), 'bad.yaml')),
      (err) => {
        assert.ok(err instanceof SpecError, String(err));
        assert.match(err.message, re);
        return true;
      },
    );
  };
  check('grid:\n  training.seed: 3\n', /bad\.yaml:3:18: grid 'training\.seed' must be a list/);
  check('grid:\n  training.seed: []\n', /bad\.yaml:3:18: .*empty list/);
  check('cases:\n  - {network..x: 1}\n', /bad\.yaml:3:6: .*empty part/);
  check('grid:\n  network.hidden: [[8], wide]\n', /bad\.yaml:3:25: network\.hidden must be a list/);
  check('grid:\n  network.hiden: [[8]]\n', /bad\.yaml:3:19: unknown key 'hiden' in network/);
  check('cases:\n  - {constraints.strategy: penaltyy}\n', /bad\.yaml:3:28: unknown strategy 'penaltyy'/);
  check(
    'set:\n  training.points.domain: -5\ngrid:\n  training.seed: [1]\n',
    /bad\.yaml:3:27: training\.points\.domain must be at least 1/,
  );
  check('grid:\n  training.seed: [1]\nparallel: 0\n', /bad\.yaml:4:11: parallel must be at least 1/);
  check('grid:\n  training.seed: [1]\nbogus: 1\n', /unknown key 'bogus' in the sweep/);
  check('set:\n  training.seed: 1\n', /neither grid: nor cases:/);
  assert.throws(
    () => parseSweep('spec: nowhere.yaml\ncases: [{}]\n', join(tmp(), 's.yaml')),
    /spec 'nowhere\.yaml' does not exist/,
  );
});

test('shard partition: disjoint, complete, deterministic', () => {
  for (const total of [0, 1, 4, 7, 10]) {
    const cases = Array.from({ length: total }, (_, index) => ({ index, id: `c${index}` }));
    for (const n of [1, 2, 3, 5, 11]) {
      const parts = Array.from({ length: n }, (_, i) =>
        shardCases(cases, { index: i + 1, count: n }).map((c) => c.index),
      );
      const all = parts.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        cases.map((c) => c.index),
        `complete and disjoint for ${total} cases in ${n} shards`,
      );
      assert.deepEqual(
        parts,
        Array.from({ length: n }, (_, i) => shardCases(cases, { index: i + 1, count: n }).map((c) => c.index)),
      );
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, 'balanced');
      const m = shardMatrix(cases, n);
      assert.equal(
        m.include.reduce((s, r) => s + r.cases, 0),
        total,
      );
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
  const text = (seed, extra = '') =>
    sweepText(`grid:\n  network.hidden: [[4], [8]]\nset:\n  training.seed: ${seed}\n${extra}`);
  const p1 = planSweep(parseSweep(text(1), 's.yaml'));
  const p1b = planSweep(parseSweep(`# a comment\n${text(1)}`, 's.yaml'));
  const p2 = planSweep(parseSweep(text(2), 's.yaml'));
  const p3 = planSweep(parseSweep(text(1, 'iterations: 5\n'), 's.yaml'));
  assert.deepEqual(
    p1.cases.map((c) => c.specHash),
    p1b.cases.map((c) => c.specHash),
  );
  assert.notEqual(p1.cases[0].specHash, p1.cases[1].specHash);
  assert.deepEqual(
    p1.cases.map((c) => c.id),
    p2.cases.map((c) => c.id),
    'ids depend on the swept values only',
  );
  assert.notEqual(p1.cases[0].specHash, p2.cases[0].specHash);
  assert.notEqual(p1.cases[0].specHash, p3.cases[0].specHash);
  assert.notEqual(planHash(p1), planHash(p2));
  assert.equal(planHash(p1), planHash(p1b));
});

test('spec hash: changes when a data file the spec reads changes', () => {
  const dir = tmp();
  const spec = join(dir, 'fit.yaml');
  writeFileSync(
    spec,
    `name: fit
geometry: {interval: [0, 1]}
fields: [u]
equations: [-u_xx = 1]
conditions:
  - {on: data, file: obs.csv}
training: {points: {domain: 16, boundary: 2}, stages: [{optimizer: adam, iterations: 1}]}
`,
  );
  const sweep = join(dir, 's.yaml');
  writeFileSync(sweep, `spec: fit.yaml\ngrid:\n  training.seed: [1, 2]\n`);
  const hashes = () => planSweep(parseSweep(readFileSync(sweep, 'utf8'), sweep)).cases.map((c) => c.specHash);
  writeFileSync(join(dir, 'obs.csv'), 'x,u\n0.5,0.125\n');
  const before = hashes();
  assert.deepEqual(hashes(), before, 'the same file hashes the same');
  writeFileSync(join(dir, 'obs.csv'), 'x,u\n0.5,0.13\n');
  const after = hashes();
  assert.ok(
    before.every((h, i) => h !== after[i]),
    'an edited data file changes every case hash',
  );
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

test('results.html: each swept key against error and time, the table with links to the reports', () => {
  const cases = [];
  for (const w of [1, 10, 100])
    for (const h of [[8], [8, 8]])
      cases.push({
        params: { 'constraints.weights.conditions': w, 'network.hidden': h },
        error: 0.1 / w,
        seconds: 2 + h.length,
        report: `00${cases.length + 1}-x/report.html`,
      });
  cases[5] = { params: cases[5].params }; // failed: no error, time or report
  const html = resultsPage({
    name: 'study <1>',
    counts: '6 cases: 5 ok, 1 failed',
    keys: ['constraints.weights.conditions', 'network.hidden'],
    errorLabel: 'largest L2 relative error',
    header: ['case', 'status'],
    cells: cases.map((c, i) => [`00${i + 1}-x`, c.report ? 'ok' : '**failed**']),
    cases,
  });
  const pngs = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/]*={0,2})"/g)];
  assert.equal(pngs.length, 4);
  for (const [, b64] of pngs) assert.ok(Buffer.from(b64, 'base64').subarray(1, 4).equals(Buffer.from('PNG')));
  assert.deepEqual(
    [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]),
    [
      'largest L2 relative error by constraints.weights.conditions',
      'seconds by constraints.weights.conditions',
      'largest L2 relative error by network.hidden; network.hidden: 1 = [8], 2 = [8,8]',
      'seconds by network.hidden; network.hidden: 1 = [8], 2 = [8,8]',
    ],
  );
  assert.ok(html.includes('<h1>Sweep study &lt;1&gt;</h1>'));
  assert.ok(html.includes('<tr><td><a href="001-x/report.html">001-x</a></td><td>ok</td></tr>'));
  assert.ok(html.includes('<tr><td>006-x</td><td><strong>failed</strong></td></tr>'));
});

test('results.html has no plots for a key with one value or when no case finished', () => {
  const cases = [{ params: { seed: 1 } }, { params: { seed: 2 } }];
  const page = (keys, cs) =>
    resultsPage({
      name: 's',
      counts: '',
      keys,
      errorLabel: 'largest violation',
      header: ['case'],
      cells: [],
      cases: cs,
    });
  assert.ok(!page(['seed'], cases).includes('<img'));
  assert.ok(!page(['seed'], [{ params: { seed: 1 }, error: 1, seconds: 1 }]).includes('<img'));
});
