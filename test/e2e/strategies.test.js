// Constraint strategies end to end: solves under each strategy, exact conditions after training,
// reparam bounds on the grid, and compare (tables, CSV, loss overlay, seeds).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, POSITIVE_POISSON, specDir, TINY } from '../support/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { solve } from '../../dist/run/solve.js';
import { loadSpecWithFlags as loadWithOverrides } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { boundOf } from '../../dist/strategies/reparam.js';
import { compareStrategies, readLossCurve } from '../../dist/run/compare.js';

let backend;
const { dir, specFile } = specDir('pinn-strategies-');
before(async () => {
  backend = await backendInfo();
});

/** Two sides with different data and a third with its own: transfinite blending must hit each exactly. */
const MIXED = specFile(
  'mixed',
  `name: mixed
geometry:
  rectangle: {min: [0, 0], max: [2, 1]}
fields: [u]
equations:
  - -lap(u) = 1
conditions:
  - on: left
    dirichlet: {u: "1 + y^2"}
  - on: right
    dirichlet: {u: "sin(3*y)"}
  - on: top
    dirichlet: {u: "x/2"}
  - on: bottom
    neumann: {u: 0}
${TINY}`,
);

const HEAT = specFile(
  'heat',
  `name: heat
geometry:
  interval: [0, 1]
time: [0, 2]
fields: [u]
equations:
  - u_t = 0.1*u_xx
conditions:
  - on: left
    dirichlet: {u: "t"}
  - on: right
    dirichlet: {u: 0}
  - on: initial
    value: {u: "sin(pi*x)"}
${TINY.replace('grid: [11, 11]', 'grid: [11]\n  times: [0, 1, 2]')}`,
);

const POSITIVE = specFile('positive', POSITIVE_POISSON);

const run = (file, strategy, iterations, extra = {}) =>
  solve({
    specFile: file,
    outDir: join(dir, `${strategy}-${iterations}-${Math.random().toString(36).slice(2, 8)}`),
    sets: extra.sets ?? [],
    strategy,
    iterations,
    backend,
  });

test('hard: Dirichlet data on several parts (transfinite blend) holds exactly (one step)', () => {
  const s = run(MIXED, 'hard', 1);
  const v = Object.fromEntries(s.violations.map((x) => [x.name, x]));
  for (const side of ['left', 'right', 'top']) {
    const x = v[`dirichlet u on ${side}`];
    assert.equal(x.imposed, 'exact');
    assert.ok(x.max <= 1e-5, `${side}: max violation ${x.max}`);
  }
  assert.equal(v['neumann u on bottom'].imposed, 'penalty');
  assert.ok(
    s.notes.some((n) => n.startsWith('neumann u on bottom: penalty')),
    s.notes.join('\n'),
  );
});

test('hard: initial value and time-dependent boundary data together hold exactly', () => {
  const s = run(HEAT, 'hard', 1);
  assert.equal(s.violations.length, 3);
  for (const x of s.violations) {
    assert.equal(x.imposed, 'exact');
    assert.ok(x.max <= 1e-5, `${x.name}: max violation ${x.max}`);
  }
  // Still exact after training moved the network.
  const t = run(HEAT, 'hard', 20);
  for (const x of t.violations) assert.ok(x.max <= 1e-5, `${x.name} after training: ${x.max}`);
});

test('per-condition override: strategy: hard on one condition under a penalty run', () => {
  const file = specFile(
    'override',
    readFileSync(MIXED, 'utf8').replace('  - on: right\n', '  - on: right\n    strategy: hard\n'),
  );
  const s = run(file, 'penalty', 1);
  const v = Object.fromEntries(s.violations.map((x) => [x.name, x]));
  assert.equal(v['dirichlet u on right'].imposed, 'exact');
  assert.ok(v['dirichlet u on right'].max <= 1e-5);
  assert.equal(v['dirichlet u on left'].imposed, 'penalty');
});

test('reparam: bounds are recognized and the field stays within them on the grid', () => {
  const p = buildProblem(loadWithOverrides(POSITIVE, [], {}));
  const ineq = p.terms.find((t) => t.kind === 'inequality');
  assert.deepEqual(boundOf(ineq.residuals[0]), { field: 'u', lower: 0 });
  for (const positivity of ['square', 'softplus', 'exp', 'abs']) {
    const s = solve({
      specFile: POSITIVE,
      outDir: join(dir, `reparam-${positivity}`),
      sets: [`constraints.positivity=${positivity}`],
      strategy: 'reparam',
      iterations: 10,
      backend,
    });
    assert.equal(s.violations.find((x) => x.kind === 'inequality').imposed, 'exact');
    const rows = readFileSync(join(dir, `reparam-${positivity}`, 'fields.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const col = 2;
    const min = Math.min(...rows.map((r) => Number(r.split(',')[col])));
    assert.ok(min >= 0, `${positivity}: min ${min}`);
  }
  // Two-sided bounds through the sine map, the boundary data (0, inside the bounds) carried exactly.
  const file = specFile('bounded', readFileSync(POSITIVE, 'utf8').replace('  - u >= 0', '  - -1 <= u <= 2'));
  const s = solve({
    specFile: file,
    outDir: join(dir, 'bounded'),
    sets: [],
    strategy: 'reparam',
    iterations: 1,
    backend,
  });
  assert.ok(
    s.notes.some((n) => n.includes('-1 <= u <= 2: exact (u = -1 + 3 * (1 + sin(c + phi * N)) / 2')),
    s.notes.join('\n'),
  );
  assert.equal(s.violations.find((x) => x.kind === 'condition').imposed, 'exact');
});

test('end to end: every strategy trains a few iterations and logs its values in loss.csv', () => {
  const expect = { adaptive: 'w_dirichlet_u_on_boundary', 'augmented-lagrangian': 'al_mu', barrier: 'barrier_weight' };
  for (const strategy of ['penalty', 'adaptive', 'augmented-lagrangian', 'hard', 'barrier', 'reparam']) {
    const out = join(dir, `e2e-${strategy}`);
    const s = solve({ specFile: POSITIVE, outDir: out, sets: [], strategy, iterations: 12, backend });
    assert.equal(s.iterations, 12);
    assert.equal(s.strategy, strategy);
    assert.ok(Number.isFinite(s.loss.total), `${strategy}: loss ${s.loss.total}`);
    const [headerLine, firstLine] = readFileSync(join(out, 'loss.csv'), 'utf8').split('\n');
    const header = headerLine.split(',');
    if (expect[strategy]) assert.ok(header.includes(expect[strategy]), `${strategy}: ${header}`);
    if (strategy === 'barrier') {
      // No barrier_start in the spec: the weight starts at 0.1 of the other terms' loss at the initial weights.
      const first = firstLine.split(',').map(Number);
      const at = (name) => (header.includes(name) ? first[header.indexOf(name)] : 0);
      const others = at('equations') + at('conditions') + at('data');
      assert.ok(others > 0);
      assert.ok(Math.abs(at('barrier_weight') - 0.1 * others) <= 1e-5 * others, `${at('barrier_weight')} vs ${others}`);
    }
  }
});

test('hard with an inequality: two threads share the network passes; without our kernels it trains on one thread', () => {
  const run = (name) =>
    solve({
      specFile: POSITIVE,
      outDir: join(dir, name),
      sets: [],
      strategy: 'hard',
      iterations: 2,
      backend,
      workers: 2,
    });
  // The barrier weight that holds the inequality is state of this thread: a worker evaluating half
  // the points would weigh its half differently, but the kernels' helper thread shares passes only.
  const shared = run('hard-threads');
  assert.ok(
    shared.notes.includes('training on two threads (they share each network pass: kernels/threads.ts)'),
    shared.notes.join('\n'),
  );
  process.env.PINN_KERNELS = 'off';
  try {
    const jets = run('hard-threads-jets');
    assert.ok(
      jets.notes.includes(
        'training on one thread: strategy barrier keeps state a worker would not share (weights, multipliers)',
      ),
      jets.notes.join('\n'),
    );
  } finally {
    delete process.env.PINN_KERNELS;
  }
});

test('compare: table, CSV and loss overlay for two strategies', () => {
  const out = join(dir, 'compare');
  const { rows, files } = compareStrategies({
    specFile: POSITIVE,
    strategies: ['penalty', 'hard'],
    outDir: out,
    iterations: 6,
    sets: [],
    backend,
  });
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.summary));
  assert.deepEqual(files, ['compare.md', 'compare.csv', 'compare-loss.png']);
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(md, /\| penalty \|/);
  assert.match(md, /\| hard \|/);
  const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.ok(csv[0].startsWith('strategy,u L2 rel,u max abs'));
  assert.equal(readLossCurve(join(out, 'hard', 'loss.csv')).iterations.length > 0, true);
  const png = readFileSync(join(out, 'compare-loss.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
});

test('compare --seeds: one run per strategy and seed, a summary over the seeds', async () => {
  const { existsSync } = await import('node:fs');
  const { parseSeeds } = await import('../../dist/cli/compare.js');
  assert.deepEqual(parseSeeds('2, 1,2'), [2, 1]);
  assert.throws(() => parseSeeds('1,-3'), /whole numbers/);
  const out = join(dir, 'compare-seeds');
  const { rows, files } = compareStrategies({
    specFile: POSITIVE,
    strategies: ['penalty', 'hard'],
    seeds: [1, 2],
    outDir: out,
    iterations: 4,
    sets: [],
    backend,
  });
  assert.deepEqual(
    rows.map((r) => `${r.strategy}/${r.seed}`),
    ['penalty/1', 'penalty/2', 'hard/1', 'hard/2'],
  );
  assert.ok(rows.every((r) => r.summary && r.summary.seed === r.seed));
  assert.notEqual(
    rows[0].summary.errors.u.l2_relative,
    rows[1].summary.errors.u.l2_relative,
    'other seeds, other runs',
  );
  for (const r of rows) assert.ok(existsSync(join(out, r.strategy, `seed-${r.seed}`, 'summary.json')));
  assert.deepEqual(files, ['compare.md', 'compare.csv', 'compare-loss.png']);
  const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 5);
  assert.ok(csv[0].startsWith('strategy,seed,u L2 rel'));
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(md, /seeds 1, 2/);
  const errs = rows
    .filter((r) => r.strategy === 'penalty')
    .map((r) => r.summary.errors.u.l2_relative)
    .sort((a, b) => a - b);
  const median = ((errs[0] + errs[1]) / 2).toExponential(2);
  assert.ok(md.includes(`| penalty | 2 | ${median} [${errs[0].toExponential(2)}, ${errs[1].toExponential(2)}] |`), md);
});
