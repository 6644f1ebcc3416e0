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
