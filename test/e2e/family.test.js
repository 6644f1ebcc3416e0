// The held-out family (bench/family/) as a regression check on the defaults: two of its specs,
// which set no network or training keys, solved with stages of 100 Adam + 100 L-BFGS iterations
// (so the first-order network of the default recipe, 3 x 50 tanh; default points, sampler and
// learning rates). Bounds: 10x the L2
// relative error measured at seed 0 on 2026-11-30 (heat-mode2 3.6e-2, annulus-laplace 2.1e-2):
// loose enough for other machines, tight enough to catch a broken default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const TINY_STAGES = 'training.stages=[{optimizer: adam, iterations: 100}, {optimizer: lbfgs, iterations: 100}]';

/** Solves a family spec with these extra arguments (JSON output only) and returns its summary. */
function solveFamily(problem, args) {
  const out = tempDir(`pinn-family-${problem}-`);
  const r = pinn([
    'solve',
    `bench/family/${problem}.yaml`,
    '--out',
    out,
    '--quiet',
    ...args,
    '--set',
    'output.formats=[json]',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
}

for (const [problem, bound] of /** @type {const} */ ([
  ['heat-mode2', 0.36],
  ['annulus-laplace', 0.21],
])) {
  test(`family ${problem}: default settings at a tiny budget end below ${bound}`, () => {
    const summary = solveFamily(problem, ['--set', TINY_STAGES]);
    assert.equal(summary.iterations, 200);
    const l2 = summary.errors.u.l2_relative;
    assert.ok(Number.isFinite(l2) && l2 < bound, `L2 ${l2}`);
  });
}

// The default recipe itself (1 x 64 tanh, Adam 500 then Levenberg-Marquardt), cut to its Adam
// stage and 40 Levenberg-Marquardt iterations by --iterations. Bounds: 10x seed 0 on 2026-11-30
// (poisson-mode21 1.2e-2, wave-1d 1.0e-2; after the Adam stage alone: 2.7 and 0.92).
for (const [problem, bound] of /** @type {const} */ ([
  ['poisson-mode21', 0.12],
  ['wave-1d', 0.1],
])) {
  test(`family ${problem}: the default recipe at 500 Adam + 40 Levenberg-Marquardt iterations ends below ${bound}`, () => {
    const summary = solveFamily(problem, ['--iterations', '540']);
    assert.deepEqual(
      summary.stages.map((s) => [s.optimizer, s.iterations]),
      [
        ['adam', 500],
        ['levenberg-marquardt', 40],
      ],
    );
    const l2 = summary.errors.u.l2_relative;
    assert.ok(Number.isFinite(l2) && l2 < bound, `L2 ${l2}`);
  });
}
