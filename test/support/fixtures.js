// Shared fixtures for end-to-end tests: a temporary folder for specs and the selected backend.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { selectBackend } from '../../dist/backend/backends.js';
import { solveAsync, InterruptedError } from '../../dist/run/solve.js';
import { tempDir } from './temp.js';

/** Runs the CLI (bin/pinn.js) to the end with colour off; `env` adds variables to this process's. */
export function pinn(args, env = {}) {
  return spawnSync(process.execPath, ['bin/pinn.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

/** A fresh temporary folder and a writer of spec files into it. */
export function specDir(prefix) {
  const dir = tempDir(prefix);
  const specFile = (name, text) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  return { dir, specFile };
}

/**
 * Runs solveAsync(opts) and sends `signal` once its progress reaches iteration `at`, as a user's
 * Ctrl-C (SIGINT) or a scheduler's SIGTERM would; fails unless the solve ends interrupted, and
 * returns that InterruptedError (its `iteration` says where the checkpoint stands).
 * @param {Parameters<typeof solveAsync>[0]} opts
 * @param {number} at
 * @param {'SIGINT' | 'SIGTERM'} [signal]
 * @returns {Promise<InterruptedError>}
 */
export async function interruptedSolve(opts, at, signal = 'SIGINT') {
  /** @type {{ signal?: 'SIGINT' | 'SIGTERM' }} */
  const stop = {};
  /** @type {InterruptedError | undefined} */
  let thrown;
  await assert.rejects(
    solveAsync(
      {
        ...opts,
        onProgress: (p) => {
          if (p.iteration >= at) stop.signal = signal;
        },
      },
      stop,
    ),
    (e) => {
      if (!(e instanceof InterruptedError)) return false;
      thrown = e;
      return true;
    },
  );
  return /** @type {InterruptedError} */ (thrown);
}

/** The backend a run would choose here, as solve() takes it. */
export async function backendInfo() {
  const b = await selectBackend();
  return { name: b.name, detail: b.detail };
}

/**
 * A small causal heat rod (u_t = 0.1 u_xx, u = sin(pi x) at t = 0, zero ends; 8 tanh units, 64 +
 * 16 + 16 points); `training` holds the lines of `training:` after `causal` and `points`, its
 * stages first among them (spec lines, no name).
 */
export const causalHeat = (training) => `geometry: {interval: [0, 1]}
time: [0, 1]
fields: [u]
equations: [u_t = 0.1*u_xx]
conditions:
  - {on: boundary, dirichlet: {u: 0}}
  - {on: initial, value: {u: "sin(pi*x)"}}
network: {hidden: [8], activation: tanh}
training:
  causal: true
  points: {domain: 64, boundary: 16, initial: 16}
${training}
output: {grid: [11], times: [0, 1], formats: [csv]}
`;

/** -lap(u) = 2 pi^2 sin(pi x) sin(pi y) on the unit square with u = 0 on the boundary (spec lines, no name). */
export const UNIT_POISSON = `geometry:
  rectangle: {min: [0, 0], max: [1, 1]}
fields: [u]
equations:
  - -lap(u) = 2*pi^2*sin(pi*x)*sin(pi*y)
conditions:
  - on: boundary
    dirichlet: {u: 0}
`;

/** Its exact solution, as the spec line. */
export const UNIT_POISSON_EXACT = 'exact: {u: "sin(pi*x)*sin(pi*y)"}\n';

/** Network, points, one short Adam stage and a small CSV output: appended to a spec for quick solves. */
export const TINY = `network: {hidden: [8, 8], activation: tanh}
training:
  points: {domain: 64, boundary: 32, initial: 32}
  sampling: sobol
  seed: 1
  stages:
    - {optimizer: adam, iterations: 20, lr: 1.0e-3}
output:
  grid: [11, 11]
  formats: [csv]
`;

/** A time-dependent Maxwell template with a PEC wall on `on`. */
export const pecCavity = (geometry, template, on = 'boundary', extra = '') => `geometry: ${geometry}
time: [0, 1]
equations:
  - ${template}: {}
conditions:
  - on: ${on}
    pec: true
${extra}`;
export const PEC_BOX = (extra = '') =>
  pecCavity('{box: {min: [0, 0, 0], max: [1, 2, 1]}}', 'maxwell-3d', 'boundary', extra);

/** The unit-square Poisson problem with u >= 0, weights and round lengths for short strategy runs. */
export const POSITIVE_POISSON = `name: positive
${UNIT_POISSON}inequalities:
  - u >= 0
${UNIT_POISSON_EXACT}constraints:
  weights: {equations: 1, conditions: 10, inequalities: 10}
  options: {round_every: 5, update_every: 5}
${TINY}`;
