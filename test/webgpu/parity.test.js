// Short solves on webgpu (a software Vulkan driver in CI: .ci/stages/webgpu-lavapipe.sh) against the
// same solves on wasm: Adam, L-BFGS, a hard-constraint transform, a Maxwell template, two fields.
// Not part of `npm test`: it needs a WebGPU adapter (the stage provides lavapipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('pinn-webgpu-parity-');

// One network size and point count for every case, so lavapipe compiles few distinct shaders.
const SMALL = [
  '--set',
  'network.hidden=[8,8]',
  '--set',
  'training.points.domain=64',
  '--set',
  'training.points.boundary=32',
  '--set',
  'training.points.initial=32',
  '--set',
  'training.workers=1',
  '--set',
  'output.formats=[csv]',
  '--quiet',
];

const TWO_FIELDS = `name: two-fields
geometry:
  rectangle: {min: [0, 0], max: [1, 1]}
fields: [u, v]
equations:
  - -lap(u) = 2*pi^2*sin(pi*x)*sin(pi*y)
  - -lap(v) + u = 0
conditions:
  - on: boundary
    dirichlet: {u: 0, v: 0}
output:
  grid: [11, 11]
`;

/** fields.csv as columns of numbers. */
function fields(out) {
  const [head, ...rows] = readFileSync(join(out, 'fields.csv'), 'utf8').trim().split('\n');
  const names = head.split(',');
  const cols = Object.fromEntries(names.map((n) => [n, []]));
  for (const row of rows) row.split(',').forEach((v, j) => cols[names[j]].push(Number(v)));
  return cols;
}

/**
 * The solve on webgpu and on wasm; fields and loss agree within what float32 round-off explains:
 * measured on lavapipe, at most 5e-6 relative (L-BFGS), about 1e-6 for the rest; 1e-4 is the bound.
 */
function assertParity(name, spec, args, fieldNames) {
  const runs = {};
  for (const backend of ['wasm', 'webgpu']) {
    const out = join(dir, `${name}-${backend}`);
    const r = pinn(['solve', spec, '--out', out, '--backend', backend, ...SMALL, ...args]);
    assert.equal(r.status, 0, `${backend}: ${r.stderr}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.backend, backend);
    runs[backend] = { summary, fields: fields(out) };
  }
  const { wasm, webgpu } = runs;
  assert.equal(webgpu.summary.iterations, wasm.summary.iterations);
  const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);
  assert.ok(
    rel(webgpu.summary.loss.total, wasm.summary.loss.total) < 1e-4,
    `loss: webgpu ${webgpu.summary.loss.total} vs wasm ${wasm.summary.loss.total}`,
  );
  for (const f of fieldNames) {
    const a = wasm.fields[f];
    const b = webgpu.fields[f];
    const scale = Math.max(...a.map(Math.abs), 1e-6);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(worst <= 1e-4 * scale, `${f}: max difference ${worst} against max |${f}| ${scale}`);
  }
}

test('Adam: poisson-2d on webgpu matches wasm', () => {
  assertParity('adam', 'problems/poisson-2d.yaml', ['--iterations', '20', '--set', 'output.grid=[11,11]'], ['u']);
});

test('L-BFGS after Adam: poisson-2d on webgpu matches wasm', () => {
  assertParity(
    'lbfgs',
    'problems/poisson-2d.yaml',
    [
      '--set',
      'training.stages=[{optimizer: adam, iterations: 5, lr: 0.001}, {optimizer: lbfgs, iterations: 8}]',
      '--set',
      'output.grid=[11,11]',
    ],
    ['u'],
  );
});

test('hard constraints (an exact Dirichlet transform): poisson-2d on webgpu matches wasm', () => {
  assertParity(
    'hard',
    'problems/poisson-2d.yaml',
    ['--strategy', 'hard', '--iterations', '15', '--set', 'output.grid=[11,11]'],
    ['u'],
  );
});

test('Maxwell TM template (three fields, hard PEC wall, causal weights) on webgpu matches wasm', () => {
  assertParity(
    'maxwell',
    'problems/maxwell-tm-cavity.yaml',
    ['--iterations', '10', '--set', 'output.grid=[6,6]', '--set', 'output.times=[0,0.75]'],
    ['Ez', 'Hx', 'Hy'],
  );
});

test('two coupled fields on webgpu match wasm', () => {
  const spec = join(dir, 'two-fields.yaml');
  writeFileSync(spec, TWO_FIELDS);
  assertParity('two', spec, ['--iterations', '15'], ['u', 'v']);
});
