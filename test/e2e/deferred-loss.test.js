// Adam with deferred loss reads (lossReadEvery > 1, what webgpu runs) trains exactly as the loop
// that reads every iteration: same records, rollbacks, keep-best choice, resampling and weights.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, specDir, UNIT_POISSON, UNIT_POISSON_EXACT } from '../support/fixtures.js';
import { solve } from '../../dist/run/solve.js';

const { dir } = specDir('pinn-deferred-');
let backend;
before(async () => {
  backend = await backendInfo();
});

function specFile(name, training, strategy = 'penalty') {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
${UNIT_POISSON}${UNIT_POISSON_EXACT}constraints: {strategy: ${strategy}}
network: {hidden: [8, 8], activation: tanh}
training:
  points: {domain: 96, boundary: 48}
  seed: 3
  workers: 1
${training}
output:
  grid: [11, 11]
  formats: [csv]
`,
  );
  return file;
}

/** The run's loss.csv, summary (without timings) and saved model files. */
function runWith(file, name, lossReadEvery) {
  const out = join(dir, `${name}-${lossReadEvery}`);
  const s = solve({ specFile: file, outDir: out, sets: [], backend, lossReadEvery });
  const model = Object.fromEntries(
    readdirSync(join(out, 'model')).map((f) => [f, readFileSync(join(out, 'model', f))]),
  );
  return {
    loss: readFileSync(join(out, 'loss.csv'), 'utf8'),
    model,
    summary: {
      ...s,
      train_seconds: 0,
      ms_per_iteration: 0,
      stages: s.stages.map((st) => ({ ...st, seconds: 0, msPerIteration: 0 })),
    },
  };
}

function assertSameRun(file, name) {
  const sync = runWith(file, name, 1);
  const deferred = runWith(file, name, 7);
  assert.equal(deferred.loss, sync.loss);
  assert.deepEqual(deferred.model, sync.model);
  assert.deepEqual(deferred.summary.stages, sync.summary.stages);
  assert.deepEqual(deferred.summary.notes, sync.summary.notes);
  assert.deepEqual(deferred.summary.loss, sync.summary.loss);
  return sync.summary;
}

test('deferred reads: records every 3 iterations, keep-best and an L-BFGS stage as with a read per iteration', () => {
  const s = assertSameRun(
    specFile(
      'keep',
      '  log_every: 3\n  stages:\n    - {optimizer: adam, iterations: 60, lr: 2.0e-1}\n    - {optimizer: lbfgs, iterations: 10}',
    ),
    'keep',
  );
  assert.ok(s.stages[0].best, 'lr 0.2 leaves the last iterate above the best, so keep-best chose');
});

test('deferred reads: a diverging run rolls back to the same snapshots with the same learning rates', () => {
  const s = assertSameRun(
    specFile('diverge', '  log_every: 1\n  stages:\n    - {optimizer: adam, iterations: 120, lr: 3.0}'),
    'diverge',
  );
  assert.ok(
    s.notes.some((n) => /rolled back/.test(n)),
    `expected a rollback: ${s.notes.join('; ')}`,
  );
});

test('deferred reads: resampling and a strategy with state (adaptive weights) as with a read per iteration', () => {
  assertSameRun(
    specFile(
      'resample',
      '  resample_every: 10\n  stages:\n    - {optimizer: adam, iterations: 45, lr: 1.0e-2}',
      'adaptive',
    ),
    'resample',
  );
});
