// Runs that survive: determinism, checkpoints and --resume after a real SIGINT,
// divergence rollback, tensor leaks, memory refusal, atomic outputs.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, interruptedSolve, pinn, specDir, UNIT_POISSON, UNIT_POISSON_EXACT } from '../support/fixtures.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { solve } from '../../dist/run/solve.js';
import { checkpointPath } from '../../dist/run/checkpoint.js';

const { dir } = specDir('pinn-robust-');
let backend;
before(async () => {
  backend = await backendInfo();
});

function specFile(name, training, extra = '') {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
${UNIT_POISSON}${UNIT_POISSON_EXACT}network: {hidden: [8, 8], activation: tanh}
${extra}training:
  points: {domain: 96, boundary: 48}
  seed: 7
${training}
output:
  grid: [11, 11]
  formats: [csv]
`,
  );
  return file;
}

const read = (d, f) => readFileSync(join(d, f), 'utf8');

/** Every text output of a run folder (recursively), for NaN checks. */
function outputsText(d) {
  let s = '';
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) s += outputsText(p);
    else if (/\.(csv|json|yaml)$/.test(name)) s += readFileSync(p, 'utf8');
  }
  return s;
}

test('determinism: one spec, seed and backend give bit-identical fields.csv and loss.csv', () => {
  const file = specFile(
    'det',
    `  resample_every: 25
  stages:
    - {optimizer: adam, iterations: 60, lr: 3.0e-3}
    - {optimizer: lbfgs, iterations: 10}`,
  );
  const a = join(dir, 'det-a');
  const b = join(dir, 'det-b');
  solve({ specFile: file, outDir: a, sets: [], backend });
  solve({ specFile: file, outDir: b, sets: [], backend });
  assert.equal(read(a, 'fields.csv'), read(b, 'fields.csv'));
  assert.equal(read(a, 'loss.csv'), read(b, 'loss.csv'));
  assert.ok(!existsSync(join(a, 'checkpoint')), 'a finished run leaves no checkpoint');
});

test('SIGINT to a real pinn process mid-training: exit 130, resume hint, and --resume ends with the uninterrupted result', async () => {
  const file = specFile(
    'sig',
    `  resample_every: 40
  log_every: 1
  checkpoint_every: 0
  stages:
    - {optimizer: adam, iterations: 400, lr: 3.0e-3}
    - {optimizer: adam, iterations: 100, lr: 1.0e-3}`,
  );
  const ref = join(dir, 'sig-ref');
  const r0 = pinn(['solve', file, '--out', ref, '--backend', backend.name, '--quiet']);
  assert.equal(r0.status, 0, r0.stderr);

  const out = join(dir, 'sig-run');
  const child = spawn(
    process.execPath,
    ['bin/pinn.js', 'solve', file, '--out', out, '--backend', backend.name, '--json'],
    { env: { ...process.env, NO_COLOR: '1' } },
  );
  let stderr = '';
  let sent = false;
  let buf = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.on('data', (d) => {
    buf += d;
    for (const line of buf.split('\n').slice(0, -1)) {
      const m = JSON.parse(line);
      if (!sent && m.type === 'progress' && m.iteration >= 30) {
        sent = true;
        child.kill('SIGINT');
      }
    }
    buf = buf.slice(buf.lastIndexOf('\n') + 1);
  });
  const code = await new Promise((res) => child.on('close', (c) => res(c)));
  assert.ok(sent, 'progress was seen and a signal sent');
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted \(SIGINT\) at iteration (\d+) of 500/);
  assert.match(stderr, /resume with: pinn solve .*sig\.yaml --out .*sig-run --backend \S+ --resume/);
  const at = Number(/at iteration (\d+)/.exec(stderr)[1]);
  assert.ok(at >= 30 && at < 500, `stopped mid-training (${at})`);
  assert.ok(existsSync(checkpointPath(out)));
  assert.ok(
    !existsSync(join(out, 'fields.csv')) && !existsSync(join(out, 'summary.json')),
    'no results from an interrupted run',
  );

  const r1 = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume', '--quiet']);
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(read(out, 'fields.csv'), read(ref, 'fields.csv'));
  assert.equal(read(out, 'loss.csv'), read(ref, 'loss.csv'));
  assert.ok(!existsSync(checkpointPath(out)), 'the checkpoint goes once the run is complete');
});

test('--resume is refused without a checkpoint, when the spec changed, and after the run finished', async () => {
  const file = specFile(
    'refuse',
    `  stages:
    - {optimizer: adam, iterations: 30, lr: 1.0e-3}`,
  );
  const out = join(dir, 'refuse');
  let r = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no checkpoint to resume from/);
  await interruptedSolve({ specFile: file, outDir: out, sets: [], backend }, 10, 'SIGTERM');
  r = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume', '--seed', '8']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the spec changed since the checkpoint/);
  writeFileSync(file, readFileSync(file, 'utf8').replace('lr: 1.0e-3', 'lr: 2.0e-3'));
  r = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the spec changed since the checkpoint/);
  writeFileSync(file, readFileSync(file, 'utf8').replace('lr: 2.0e-3', 'lr: 1.0e-3'));
  r = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  r = pinn(['solve', file, '--out', out, '--backend', backend.name, '--resume']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no checkpoint to resume from.*finished/);
});

test('in-process stop inside L-BFGS and inside adaptive / augmented-Lagrangian training: resume is bit-identical', async () => {
  for (const [name, strategy, training] of [
    [
      'lb',
      'penalty',
      `  stages:
    - {optimizer: adam, iterations: 20, lr: 3.0e-3}
    - {optimizer: lbfgs, iterations: 40}`,
    ],
    [
      'al',
      'augmented-lagrangian',
      `  resample_every: 15
  stages:
    - {optimizer: adam, iterations: 60, lr: 3.0e-3}`,
    ],
    [
      'ad',
      'adaptive',
      `  stages:
    - {optimizer: adam, iterations: 60, lr: 3.0e-3}`,
    ],
    // Multiplier rounds between L-BFGS inner solves of 10 iterations: the stop lands inside one,
    // or (al-lb-edge) on the boundary right after a round, where a resume starts a fresh solve.
    [
      'al-lb',
      'augmented-lagrangian',
      `  stages:
    - {optimizer: adam, iterations: 20, lr: 3.0e-3}
    - {optimizer: lbfgs, iterations: 40}`,
    ],
    [
      'al-lb-edge',
      'augmented-lagrangian',
      `  stages:
    - {optimizer: adam, iterations: 20, lr: 3.0e-3}
    - {optimizer: lbfgs, iterations: 40}`,
    ],
  ]) {
    const file = specFile(
      `stop-${name}`,
      training,
      `constraints:\n  strategy: ${strategy}\n  options: {round_every: 10, update_every: 5}\n`,
    );
    const ref = join(dir, `stop-${name}-ref`);
    solve({ specFile: file, outDir: ref, sets: [], backend });
    const out = join(dir, `stop-${name}`);
    const target = { lb: 35, 'al-lb': 45, 'al-lb-edge': 30 }[name] ?? 33;
    const e = await interruptedSolve({ specFile: file, outDir: out, sets: [], backend }, target);
    assert.ok(
      e.iteration >= target && (name !== 'al-lb-edge' || e.iteration === target),
      `${name}: stopped at ${e.iteration}`,
    );
    solve({ specFile: file, outDir: out, sets: [], backend, resume: true });
    assert.equal(read(out, 'fields.csv'), read(ref, 'fields.csv'), `${name}: fields`);
    assert.equal(read(out, 'loss.csv'), read(ref, 'loss.csv'), `${name}: loss`);
    if (name === 'al-lb') {
      const rows = read(ref, 'loss.csv').trim().split('\n');
      const col = rows[0].split(',').indexOf('al_round');
      const roundAt = (it) =>
        Number(
          rows
            .slice(1)
            .map((l) => l.split(','))
            .filter((c) => Number(c[0]) <= it)
            .at(-1)[col],
        );
      // The row of iteration 20 is written before that iteration's round: one round there, two by the stage's end.
      assert.equal(roundAt(20), 1);
      assert.ok(roundAt(60) >= 4, `rounds go on in the L-BFGS stage (${roundAt(60)} in all)`);
    }
  }
});

test('learning rate 1e4: exit 1 with a clear message, or recovery; never NaN in any output', () => {
  const file = specFile(
    'diverge',
    `  stages:
    - {optimizer: adam, iterations: 150, lr: 1.0e+4}`,
  );
  const out = join(dir, 'diverge');
  const r = pinn(['solve', file, '--out', out, '--backend', backend.name]);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  if (r.status === 1) {
    assert.match(r.stderr, /training diverged: .*rolled back \d+ times.*Try a smaller learning rate/s);
    assert.ok(!existsSync(join(out, 'fields.csv')), 'no fields from a diverged run');
  }
  if (existsSync(out)) assert.doesNotMatch(outputsText(out), /NaN|Infinity/);
});

test('a blow-up rolls back and lowers the learning rate (in process)', () => {
  const file = specFile(
    'rollback',
    `  stages:
    - {optimizer: adam, iterations: 120, lr: 3.0e-2}`,
  );
  const seen = [];
  let summary;
  try {
    summary = solve({
      specFile: file,
      outDir: join(dir, 'rollback'),
      sets: ['training.stages.0.lr=1000'],
      backend,
      onRollback: (r) => seen.push(r),
    });
  } catch (e) {
    assert.match(e.message, /training diverged/);
  }
  assert.ok(seen.length >= 1, 'at least one rollback');
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i].lr, seen[i - 1].lr / 2);
  if (summary) {
    assert.ok(Number.isFinite(summary.loss.total));
    assert.ok(summary.notes.some((n) => /rolled back/.test(n)));
  }
});

test('no tensor leaks: numTensors constant across Adam and L-BFGS iterations, and across runs', () => {
  for (const [name, training, strategy] of [
    [
      'leak-adam',
      `  resample_every: 7
  log_every: 1
  stages:
    - {optimizer: adam, iterations: 40, lr: 1.0e-3}`,
      'penalty',
    ],
    [
      'leak-lbfgs',
      `  log_every: 1
  stages:
    - {optimizer: lbfgs, iterations: 25}`,
      'penalty',
    ],
    [
      'leak-al',
      `  log_every: 1
  stages:
    - {optimizer: adam, iterations: 40, lr: 1.0e-3}`,
      'augmented-lagrangian',
    ],
  ]) {
    const file = specFile(name, training, `constraints:\n  strategy: ${strategy}\n  options: {round_every: 5}\n`);
    const counts = new Map();
    const before = tf.memory().numTensors;
    solve({
      specFile: file,
      outDir: join(dir, name),
      sets: [],
      backend,
      checkpointEvery: 9,
      onProgress: (p) => counts.set(p.iteration, tf.memory().numTensors),
    });
    const values = [...counts.values()].slice(2);
    assert.ok(values.length >= 15, `${name}: ${values.length} samples`);
    // Multipliers appear at the first round (iteration 5); constant after.
    const steady = strategy === 'augmented-lagrangian' ? values.slice(6) : values;
    assert.equal(Math.max(...steady), Math.min(...steady), `${name}: ${JSON.stringify([...counts])}`);
    assert.equal(tf.memory().numTensors, before, `${name}: tensors left after the run`);
  }
});

test('a point count that cannot fit is refused up front with the estimate (exit 2)', () => {
  const file = specFile(
    'huge',
    `  stages:
    - {optimizer: adam, iterations: 10}`,
  );
  const out = join(dir, 'huge');
  let r = pinn([
    'solve',
    file,
    '--out',
    out,
    '--set',
    'training.points.domain=5000000',
    '--set',
    'network.hidden=[512, 512, 512, 512]',
  ]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /GiB of memory per iteration \(estimate: .*points.*at most .* GiB is allowed here/);
  assert.ok(!existsSync(out), 'nothing written');
  // The limit is a fraction of this machine's memory.
  r = pinn(['validate', file, '--set', 'training.points.domain=200000'], { PINN_MEMORY_FRACTION: '0.00001' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PINN_MEMORY_FRACTION=0.00001/);
});

test('outputs: files the run does not produce are left alone; a stale summary is replaced last', () => {
  const file = specFile(
    'keep',
    `  stages:
    - {optimizer: adam, iterations: 5}`,
  );
  const out = join(dir, 'keep');
  solve({ specFile: file, outDir: out, sets: [], backend });
  writeFileSync(join(out, 'notes.txt'), 'mine');
  writeFileSync(join(out, 'checkpoint-not-mine.bin'), 'x');
  solve({ specFile: file, outDir: out, sets: [], backend });
  assert.equal(read(out, 'notes.txt'), 'mine');
  assert.equal(read(out, 'checkpoint-not-mine.bin'), 'x');
  assert.ok(!readdirSync(out).some((f) => f.endsWith('.tmp')), 'no temporary files left');
});
