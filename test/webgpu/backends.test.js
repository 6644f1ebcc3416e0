// With a software WebGPU adapter visible (lavapipe, provided by .ci/stages/webgpu-lavapipe.sh),
// `pinn backends` shows it as available but not chosen, and a solve without --backend runs on
// wasm. With a Mesa that Dawn refuses (bookworm's own, PINN_TEST_REFUSED_ICD), nothing Dawn
// prints reaches pinn's output. Not part of `npm test`: it needs those drivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('pinn-webgpu-backends-');
const TINY = ['--iterations', '2', '--set', 'network.hidden=[8,8]', '--set', 'training.points.domain=64'];
const TINY_OUT = [
  '--set',
  'training.points.boundary=32',
  '--set',
  'output.grid=[5,5]',
  '--set',
  'output.formats=[csv]',
];

/**
 * The CLI with stderr a pipe (FIFO), as in a shell pipeline or a terminal: Node's own child pipes
 * are sockets, which cannot be reopened, so Dawn's output when it starts in-process goes through.
 */
function pinnPiped(args) {
  const script = '{ "$0" bin/pinn.js "$@" 2>&1 1>&3 | cat >&2; } 3>&1';
  return spawnSync('sh', ['-c', script, process.execPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

test('pinn backends: the software adapter is available, not chosen; wasm is chosen', () => {
  const r = pinnPiped(['backends']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^available\s+webgpu\s+.*llvmpipe.*software adapter.*--backend webgpu/m);
  assert.match(r.stdout, /^available\s+wasm\s+.*\(chosen when --backend is not given\)$/m);
  assert.equal(r.stderr, '', 'Dawn printed nothing through pinn');
});

test('solve without --backend runs on wasm when the only adapter is a software one', () => {
  const out = join(dir, 'auto');
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--out', out, ...TINY, ...TINY_OUT, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).backend, 'wasm');
});

// The refused Mesa replaces the working one for these tests (its ICD file and libraries).
const refused = process.env['PINN_TEST_REFUSED_ICD'];
const refusedEnv = refused && {
  VK_ICD_FILENAMES: refused,
  LD_LIBRARY_PATH: process.env['PINN_TEST_REFUSED_LIBS'] ?? '',
};
const skipRefused = refused
  ? false
  : 'PINN_TEST_REFUSED_ICD is not set (the stage could not fetch the distribution Mesa)';
if (skipRefused) process.stdout.write(`# skipping the refused-Mesa tests: ${skipRefused}\n`);

test('a Mesa Dawn refuses: a bad spec prints only its diagnostics', { skip: skipRefused }, () => {
  const spec = join(dir, 'bad.yaml');
  writeFileSync(spec, 'name: bad\nbogus: 1\n');
  const r = pinn(['solve', spec], refusedEnv);
  assert.equal(r.status, 2);
  for (const line of r.stderr.trim().split('\n')) assert.match(line, /^error .*bad\.yaml:\d+:\d+: /);
});

test('a Mesa Dawn refuses: a solve prints no Dawn output; backends says why in one line', { skip: skipRefused }, () => {
  const out = join(dir, 'refused');
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--out', out, ...TINY, ...TINY_OUT], refusedEnv);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Warning|Dawn|PhysicalDeviceVk|XDG_RUNTIME_DIR|TensorFlow\.js/);
  assert.match(r.stderr, /^pinn poisson-2d: backend wasm/m);
  const b = pinn(['backends'], refusedEnv);
  assert.equal(b.stderr, '');
  assert.match(b.stdout, /^unavailable webgpu\s+.*no WebGPU adapter.*\(.*required\)$/m);
  const v = pinn(['backends', '--verbose'], refusedEnv);
  assert.match(v.stderr, /^\[webgpu\] .*PhysicalDeviceVk\.cpp/m);
});
