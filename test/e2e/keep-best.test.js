// Adam stages end with their lowest-loss parameters when the objective is fixed (trainer keepBest).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, interruptedSolve, specDir, UNIT_POISSON, UNIT_POISSON_EXACT } from '../support/fixtures.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { solve } from '../../dist/run/solve.js';
import { stageLearningRate } from '../../dist/trainer/adam-stage.js';

const { dir } = specDir('pinn-best-');
let backend;
before(async () => {
  backend = await backendInfo();
});

function specFile(name, strategy, stages) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
${UNIT_POISSON}${UNIT_POISSON_EXACT}constraints: {strategy: ${strategy}, options: {update_every: 5}}
network: {hidden: [8, 8], activation: tanh}
training:
  points: {domain: 96, boundary: 48}
  seed: 3
  log_every: 1
  stages:
${stages}
output:
  grid: [11, 11]
  formats: [csv]
`,
  );
  return file;
}

const lossRows = (d) =>
  readFileSync(join(d, 'loss.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));

test('a fixed objective: the Adam stage ends with its lowest loss, reported in stages and notes', () => {
  // lr 0.2 makes Adam jump, so the last iterate is not the best.
  const file = specFile('best', 'penalty', '    - {optimizer: adam, iterations: 150, lr: 2.0e-1}');
  const out = join(dir, 'best');
  const s = solve({ specFile: file, outDir: out, sets: [], backend });
  const rows = lossRows(out);
  const min = Math.min(...rows.map((r) => r[1]));
  assert.equal(s.loss.total, min, 'final loss is the lowest recorded');
  const st = s.stages[0];
  assert.ok(st.best, 'lr 0.2 leaves the last iterate above the best');
  assert.ok(st.best.loss < st.best.lastLoss);
  assert.ok(st.best.iteration < 150);
  assert.ok(s.notes.some((n) => /lowest-loss parameters, of iteration/.test(n)));
});

test('a changing objective (adaptive weights) keeps the last iterate', () => {
  const file = specFile('best-adaptive', 'adaptive', '    - {optimizer: adam, iterations: 60, lr: 5.0e-2}');
  const s = solve({ specFile: file, outDir: join(dir, 'best-adaptive'), sets: [], backend });
  assert.equal(s.stages[0].best, undefined);
});

test('stop inside an Adam stage and resume: bit-identical to the uninterrupted run (the best parameters are in the checkpoint)', async () => {
  const file = specFile(
    'best-resume',
    'penalty',
    '    - {optimizer: adam, iterations: 80, lr: 5.0e-2}\n    - {optimizer: adam, iterations: 40, lr: 1.0e-2}',
  );
  const ref = join(dir, 'best-resume-ref');
  solve({ specFile: file, outDir: ref, sets: [], backend });
  const out = join(dir, 'best-resume');
  await interruptedSolve({ specFile: file, outDir: out, sets: [], backend }, 50);
  solve({ specFile: file, outDir: out, sets: [], backend, resume: true });
  assert.equal(readFileSync(join(out, 'fields.csv'), 'utf8'), readFileSync(join(ref, 'fields.csv'), 'utf8'));
  assert.equal(readFileSync(join(out, 'loss.csv'), 'utf8'), readFileSync(join(ref, 'loss.csv'), 'utf8'));
});

test('lr_final: geometric decay from lr at the first iteration to lr_final at the last', () => {
  const loc = { file: 'keep-best.yaml', line: 1, col: 1 };
  /** @type {import('../../dist/spec/index.js').StageSpec} */
  const st = { optimizer: 'adam', iterations: 5, lr: 1e-2, lrFinal: 1e-4, loc };
  const lrs = [0, 1, 2, 3, 4].map((k) => stageLearningRate(st, k));
  assert.equal(lrs[0], 1e-2);
  assert.ok(Math.abs(lrs[4] - 1e-4) < 1e-18);
  for (let k = 1; k < 5; k++) assert.ok(Math.abs(lrs[k] / lrs[k - 1] - 10 ** -0.5) < 1e-12);
  assert.equal(stageLearningRate({ optimizer: 'adam', iterations: 5, lr: 1e-3, loc }, 3), 1e-3);
  // A decaying stage trains and the resolved spec keeps the key.
  const file = specFile('decay', 'penalty', '    - {optimizer: adam, iterations: 30, lr: 1.0e-2, lr_final: 1.0e-4}');
  const out = join(dir, 'decay');
  const s = solve({ specFile: file, outDir: out, sets: [], backend });
  assert.equal(s.iterations, 30);
  assert.match(readFileSync(join(out, 'spec.resolved.yaml'), 'utf8'), /lr_final: 0\.0001/);
});
