// Shared fixtures for end-to-end tests: a temporary folder for specs and the selected backend.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../dist/backend/backends.js';

/** Runs the CLI (bin/pinn.js) to the end with colour off; `env` adds variables to this process's. */
export function pinn(args, env = {}) {
  return spawnSync(process.execPath, ['bin/pinn.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

/** A fresh temporary folder and a writer of spec files into it. */
export function specDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const specFile = (name, text) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  return { dir, specFile };
}

/** The backend a run would choose here, as solve() takes it. */
export async function backendInfo() {
  const b = await selectBackend();
  return { name: b.name, detail: b.detail };
}

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
