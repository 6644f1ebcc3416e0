// The sweep runner and collect against a stand-in CLI (child processes, no training):
// crashes and failures per case, reruns, renumbered cases, merged shard artifacts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSweep, planSweep } from '../../dist/sweep/file.js';
import { runSweep } from '../../dist/sweep/run.js';
import { collectResults } from '../../dist/sweep/collect.js';
import { tempDir } from '../support/temp.js';

const SPEC = resolve('problems/poisson-2d.yaml');
const tmp = () => tempDir('pinn-sweep-unit-');

function sweepText(body) {
  return `spec: ${SPEC}\n${body}`;
}

/** A stand-in for bin/pinn.js: seed 13 crashes, seed 7 fails, the rest write a summary. */
function fakeCli(dir) {
  const file = join(dir, 'fake-pinn.mjs');
  writeFileSync(
    file,
    `import { writeFileSync, appendFileSync } from 'node:fs';
const a = process.argv.slice(2);
const out = a[a.indexOf('--out') + 1];
const sets = a.filter((_, i) => a[i - 1] === '--set');
const seed = Number((sets.find((s) => s.startsWith('training.seed=')) ?? 'x=0').split('=')[1]);
if (process.env.FAKE_COUNT) appendFileSync(process.env.FAKE_COUNT, seed + '\\n');
if (seed === 13) { process.stderr.write('about to crash\\n'); process.kill(process.pid, 'SIGKILL'); }
if (seed === 7) { process.stderr.write('pinn failed: diverged at iteration 3\\n'); process.exit(1); }
writeFileSync(out + '/summary.json', JSON.stringify({ iterations: 5, wall_seconds: 0.1, loss: { total: seed },
  errors: { u: { l2_relative: seed / 100, max_abs: seed / 10 } }, violations: [{ max: 0.5 }, { max: seed }] }));
`,
  );
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

test('runner: crashes and failures stay in their case, reruns skip finished cases', () =>
  withFakeCli(async ({ dir, cli, count }) => {
    const def = parseSweep(sweepText('grid:\n  training.seed: [1, 13, 7, 2]\nparallel: 2\n'), join(dir, 's.yaml'));
    const plan = planSweep(def);
    const out = join(dir, 'out');
    const events = [];
    const r1 = await runSweep({ plan, outDir: out, cli, onEvent: (e) => events.push(`${e.case.id}:${e.state}`) });
    assert.deepEqual(
      r1.cases.map((c) => c.state),
      ['ok', 'failed', 'failed', 'ok'],
    );
    assert.equal(r1.cases[1].record.signal, 'SIGKILL');
    assert.match(r1.cases[2].record.error, /diverged/);
    assert.match(readFileSync(join(out, r1.cases[2].case.id, 'case.log'), 'utf8'), /diverged at iteration 3/);
    assert.deepEqual(
      r1.results.rows.map((r) => r.status),
      ['ok', 'failed', 'failed', 'ok'],
    );
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 5);
    assert.equal(
      csv[0],
      'case,training.seed,status,l2_relative(u),max_abs(u),max_violation,loss,iterations,seconds,folder',
    );
    assert.match(csv[4], /^004-[0-9a-f]{8},2,ok,0\.02,0\.2,2,2,5,/);
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /## Failed[\s\S]*signal SIGKILL[\s\S]*exit 1/);
    assert.equal(readFileSync(count, 'utf8').trim().split('\n').length, 4);

    // Same sweep again: only the two failed cases run.
    const r2 = await runSweep({ plan, outDir: out, cli });
    assert.deepEqual(
      r2.cases.map((c) => c.state),
      ['reused', 'failed', 'failed', 'reused'],
    );
    assert.deepEqual(
      readFileSync(count, 'utf8')
        .trim()
        .split('\n')
        .map(Number)
        .sort((a, b) => a - b),
      [1, 2, 7, 7, 13, 13],
    );

    // A changed spec setting reruns everything under the same ids.
    const changed = planSweep(
      parseSweep(
        sweepText('grid:\n  training.seed: [1, 13, 7, 2]\nset:\n  network.hidden: [4]\n'),
        join(dir, 's.yaml'),
      ),
    );
    assert.deepEqual(
      changed.cases.map((c) => c.id),
      plan.cases.map((c) => c.id),
    );
    const r3 = await runSweep({ plan: changed, outDir: out, cli, shard: { index: 1, count: 2 } });
    assert.deepEqual(
      r3.cases.map((c) => [c.case.index, c.state]),
      [
        [0, 'ok'],
        [2, 'failed'],
      ],
    );
    // The other shard's folders are from the old spec: stale in the table, not reused.
    assert.deepEqual(
      r3.results.rows.map((r) => r.status),
      ['ok', 'stale', 'failed', 'stale'],
    );
  }));

test('runner: a value added to the grid renumbers cases; their finished runs move, not rerun', () =>
  withFakeCli(async ({ dir, cli, count }) => {
    const out = join(dir, 'out');
    const p1 = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 4]\n'), join(dir, 's.yaml')));
    await runSweep({ plan: p1, outDir: out, cli });
    const p2 = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 3, 4]\n'), join(dir, 's.yaml')));
    assert.notEqual(p2.cases[3].id, p1.cases[2].id);
    const r = await runSweep({ plan: p2, outDir: out, cli });
    assert.deepEqual(
      r.cases.map((c) => c.state),
      ['reused', 'reused', 'ok', 'reused'],
    );
    assert.deepEqual(readFileSync(count, 'utf8').trim().split('\n').map(Number), [1, 2, 4, 3]);
    const moved = JSON.parse(readFileSync(join(out, p2.cases[3].id, 'case.json'), 'utf8'));
    assert.equal(moved.id, p2.cases[3].id);
    assert.equal(moved.index, 3);
    assert.equal(JSON.parse(readFileSync(join(out, p2.cases[3].id, 'summary.json'), 'utf8')).loss.total, 4);
    assert.deepEqual(
      r.results.rows.map((x) => x.status),
      ['ok', 'ok', 'ok', 'ok'],
    );
  }));

test('collect: merges shard artifacts from subfolders, names missing cases, refuses mixed sweeps', async () => {
  const dir = tmp();
  const cli = fakeCli(dir);
  const plan = planSweep(parseSweep(sweepText('grid:\n  training.seed: [1, 2, 3, 4, 5]\n'), join(dir, 's.yaml')));
  const art = join(dir, 'artifacts');
  await runSweep({ plan, outDir: join(art, 'shard-1'), cli, shard: { index: 1, count: 3 } });
  await runSweep({ plan, outDir: join(art, 'shard-3'), cli, shard: { index: 3, count: 3 } });
  let { results } = collectResults(art);
  assert.deepEqual(
    results.rows.map((r) => r.status),
    ['ok', 'missing', 'ok', 'ok', 'missing'],
  );
  assert.equal(results.rows[0].folder, join('shard-1', plan.cases[0].id));
  assert.ok(existsSync(join(art, 'results.csv')));
  assert.match(readFileSync(join(art, 'results.md'), 'utf8'), /## Not finished[\s\S]*training\.seed=2/);
  await runSweep({ plan, outDir: join(art, 'shard-2'), cli, shard: { index: 2, count: 3 } });
  ({ results } = collectResults(art));
  assert.deepEqual(
    results.rows.map((r) => r.status),
    ['ok', 'ok', 'ok', 'ok', 'ok'],
  );
  assert.equal(readFileSync(join(art, 'results.csv'), 'utf8').trim().split('\n').length, 6);

  const other = planSweep(parseSweep(sweepText('grid:\n  training.seed: [9]\n'), join(dir, 's.yaml')));
  await runSweep({ plan: other, outDir: join(art, 'other'), cli });
  assert.throws(() => collectResults(art), /different sweeps/);
  assert.throws(() => collectResults(join(dir, 'nothing')), /no sweep\.json/);
});
