// A solve with our wasm SIMD kernels running the network (the default on wasm) gives the numbers of
// the tfjs jet engine (PINN_KERNELS=off) to float32 rounding, and the run's notes say which ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn, specDir, TINY, UNIT_POISSON, UNIT_POISSON_EXACT } from '../support/fixtures.js';

const { dir, specFile } = specDir('pinn-kernels-');
const file = specFile(
  'kernels',
  `name: kernels\n${UNIT_POISSON}${UNIT_POISSON_EXACT}${TINY.replace('iterations: 20', 'iterations: 30')}`,
);

function solveWith(kernels) {
  const out = join(dir, kernels);
  const r = pinn(['solve', file, '--backend', 'wasm', '--out', out, '--quiet'], { PINN_KERNELS: kernels });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const rows = readFileSync(join(out, 'fields.csv'), 'utf8').trim().split('\n').slice(1);
  return { summary, values: rows.flatMap((row) => row.split(',').map(Number)) };
}

test('kernels: a short solve with the kernels on and off gives the same loss and fields to float32 rounding', () => {
  const on = solveWith('on');
  const off = solveWith('off');
  assert.ok(
    on.summary.notes.some((n) => /network passes: wasm SIMD kernels/.test(n)),
    on.summary.notes.join('\n'),
  );
  assert.ok(off.summary.notes.some((n) => /network passes: tfjs jet engine \(PINN_KERNELS=off\)/.test(n)));
  const lossOn = on.summary.loss.total;
  const lossOff = off.summary.loss.total;
  assert.ok(Math.abs(lossOn - lossOff) <= 1e-5 * lossOff, `loss ${lossOn} against ${lossOff}`);
  assert.equal(on.values.length, off.values.length);
  const scale = Math.max(...off.values.map(Math.abs));
  on.values.forEach((v, i) =>
    assert.ok(Math.abs(v - off.values[i]) <= 1e-5 * scale, `fields.csv value ${i}: ${v} against ${off.values[i]}`),
  );
});

test('kernels: two threads share the network passes and give the same bits as one', () => {
  // 1,600 + 200 points through 3 x 32 tanh: the domain's passes (27 MFLOP forward) are large enough for the helper.
  const spec = specFile(
    'threads',
    `name: threads
${UNIT_POISSON}${UNIT_POISSON_EXACT}network: {hidden: [32, 32, 32], activation: tanh}
training:
  points: {domain: 1600, boundary: 200}
  stages: [{optimizer: adam, iterations: 25}, {optimizer: lbfgs, iterations: 10}]
output: {grid: [11, 11], formats: [csv]}
`,
  );
  const run = (workers) => {
    const out = join(dir, `threads-${workers}`);
    const r = pinn(['solve', spec, '--backend', 'wasm', '--workers', workers, '--out', out, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const read = (name) => readFileSync(join(out, name), 'utf8');
    return { summary: JSON.parse(read('summary.json')), fields: read('fields.csv'), loss: read('loss.csv') };
  };
  const one = run('1');
  const two = run('2');
  assert.ok(
    two.summary.notes.includes('training on two threads (they share each network pass: kernels/threads.ts)'),
    two.summary.notes.join('\n'),
  );
  assert.ok(!one.summary.notes.some((n) => /two threads/.test(n)), one.summary.notes.join('\n'));
  assert.equal(two.fields, one.fields);
  assert.equal(two.loss, one.loss);
  assert.equal(two.summary.loss.total, one.summary.loss.total);
});
