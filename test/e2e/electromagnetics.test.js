// Electromagnetics end to end: PEC imposed exactly through a solve, causal weighting in a run,
// and every shipped electromagnetic example on a tiny budget.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, pinn, specDir, pecCavity, PEC_BOX as BOX } from '../support/fixtures.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { solve } from '../../dist/run/solve.js';
import { loadSpecWithFlags } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createStrategy } from '../../dist/strategies/index.js';
import { show } from '../../dist/expr/ir.js';

let backend;
const { dir, specFile } = specDir('pinn-em-');
before(async () => {
  backend = await backendInfo();
});

const problemOf = (text, name = 'p') => buildProblem(loadSpecWithFlags(specFile(name, text), [], {}));

// ---------- PEC with hard ----------

test('PEC with hard: tangential E exact on box faces (3D, TE), TM Ez exact; other geometries fall back to penalty', () => {
  const p3 = problemOf(BOX(), 'box-hard');
  const s3 = createStrategy('hard', p3);
  const pec3 = p3.terms.find((t) => t.form === 'pec');
  assert.ok(s3.exactTerms.has(pec3), s3.notes.join('\n'));
  assert.ok(
    s3.notes.some((n) => n.startsWith('pec on boundary: exact (tangential E = 0 on the faces')),
    s3.notes.join('\n'),
  );
  assert.deepEqual([...s3.transforms.keys()].sort(), ['Ex', 'Ey', 'Ez']);
  // Ex is multiplied by the distances of the y and z faces only: it may be nonzero on the x faces.
  assert.match(show(s3.transforms.get('Ex')), /__raw_Ex/);
  assert.doesNotMatch(show(s3.transforms.get('Ex')), /\bx\b/);

  // A random network through the transforms: n x E vanishes at sampled boundary points.
  const s = solve({
    specFile: specFile(
      'box-run',
      BOX(`constraints: {strategy: hard}
network: {hidden: [8], activation: tanh}
training:
  points: {domain: 64, boundary: 64, initial: 16}
  stages: [{optimizer: adam, iterations: 2, lr: 1.0e-3}]
output: {grid: [5, 5, 5], times: [0, 1], formats: [json]}
`),
    ),
    outDir: join(dir, 'box-run'),
    sets: [],
    iterations: 2,
    backend,
  });
  const v = s.violations.find((x) => x.name === 'pec on boundary');
  assert.equal(v.imposed, 'exact');
  assert.ok(v.max < 1e-5, `max ${v.max}`);
  assert.ok(Array.isArray(s.energy) && s.energy.length === 2);

  const disk = problemOf(pecCavity('{disk: {center: [0, 0], radius: 1}}', 'maxwell-te'), 'te-disk');
  const sd = createStrategy('hard', disk);
  assert.equal(sd.exactTerms.size, 0);
  assert.ok(
    sd.notes.some((n) => /pec on boundary: penalty, not exact: .*rectangle and box/.test(n)),
    sd.notes.join('\n'),
  );

  // PEC on the left side only: its normal is along x, so only Ey is tangential there.
  const side = problemOf(pecCavity('{rectangle: {min: [0, 0], max: [1, 1]}}', 'maxwell-te', 'left'), 'te-left');
  const ss = createStrategy('hard', side);
  assert.deepEqual([...ss.transforms.keys()], ['Ey']);
});

// ---------- causal weighting ----------

test('causal: a time-dependent run weights its equations by time bins and logs the smallest weight', () => {
  const file = specFile(
    'causal',
    readFileSync('problems/maxwell-tm-cavity.yaml', 'utf8').replace('name: maxwell-tm-cavity', 'name: causal'),
  );
  const s = solve({
    specFile: file,
    outDir: join(dir, 'causal'),
    backend,
    iterations: 6,
    sets: [
      'training.causal={epsilon: 10, bins: 8}',
      'network.hidden=[8]',
      'training.points={domain: 128, boundary: 32, initial: 32}',
      'output.grid=[6, 6]',
      'output.times=[0, 0.75]',
      'output.formats=[csv]',
    ],
  });
  assert.ok(
    s.notes.some((n) => n.startsWith('equations: causal time weighting (8 time bins, epsilon 10')),
    s.notes.join('\n'),
  );
  const loss = readFileSync(join(dir, 'causal', 'loss.csv'), 'utf8')
    .trim()
    .split('\n');
  const col = loss[0].split(',').indexOf('causal_min_weight');
  assert.ok(col > 0, loss[0]);
  const last = Number(loss.at(-1).split(',')[col]);
  assert.ok(last > 0 && last < 1, `min weight ${last}`);
  const resolved = readFileSync(join(dir, 'causal', 'spec.resolved.yaml'), 'utf8');
  assert.match(resolved, /causal:\s*\n?\s*(\{ ?)?epsilon: 10/);
});

// ---------- examples end to end (tiny budgets) ----------

const TINY = [
  'network.hidden=[8, 8]',
  'training.points={domain: 96, boundary: 48, initial: 48}',
  'output.grid=[9, 9]',
  'output.formats=[csv]',
];

for (const name of [
  'maxwell-tm-cavity',
  'maxwell-te-cavity',
  'maxwell-harmonic',
  'electrostatic-coax',
  'magnetostatic-wire',
]) {
  test(`example ${name}: runs end to end, conditions exact, errors and (time domain) energy reported`, () => {
    const text = readFileSync(`problems/${name}.yaml`, 'utf8');
    assert.match(text, /^description: .+/m);
    assert.match(text, /^exact:/m);
    const timed = /^time:/m.test(text);
    const s = solve({
      specFile: `problems/${name}.yaml`,
      outDir: join(dir, name),
      backend,
      iterations: 3,
      sets: [...TINY, ...(timed ? ['output.times=[0, 0.375, 0.75]'] : [])],
    });
    for (const f of s.fields) assert.ok(Number.isFinite(s.errors[f].l2_relative), `${f} error`);
    for (const v of s.violations) {
      assert.equal(v.imposed, 'exact', `${v.name}: ${s.notes.join('; ')}`);
      assert.ok(v.max < 1e-5, `${v.name}: ${v.max}`);
    }
    if (timed) {
      assert.equal(s.energy.length, 3);
      assert.ok(s.energy.every((p) => Number.isFinite(p.value) && p.exact > 0));
      assert.ok(Number.isFinite(s.energy_drift));
      // The initial value is exact, so is the energy at t = 0 (up to float32).
      assert.ok(Math.abs(s.energy[0].value - s.energy[0].exact) < 1e-5 * s.energy[0].exact);
    } else {
      assert.equal(s.energy, undefined);
    }
  });
}

// ---------- material regions ----------

test('example dielectric-cylinder: interface conditions trained, error bounded, the saved model evaluates alike', () => {
  const out = join(dir, 'cylinder');
  const s = solve({
    specFile: 'problems/dielectric-cylinder.yaml',
    outDir: out,
    backend,
    sets: [
      'network.hidden=[16, 16]',
      'training.points={domain: 400, boundary: 160}',
      'training.stages=[{optimizer: adam, iterations: 150, lr: 0.01}, {optimizer: lbfgs, iterations: 150}]',
      'output.grid=[21, 21]',
      'output.formats=[csv]',
    ],
  });
  const iface = s.violations.find((v) => /continuous across the interface of core/.test(v.name));
  assert.ok(iface && iface.imposed === 'penalty' && iface.points >= 32, JSON.stringify(s.violations));
  // A smooth network without the interface condition stays near 0.1 (docs/electromagnetics.md).
  assert.ok(s.errors.phi.l2_relative < 0.03, `phi L2 ${s.errors.phi.l2_relative}`);
  // The manifest keeps the regions and the kink: pinn eval reproduces the grid's values.
  const csv = readFileSync(join(out, 'fields.csv'), 'utf8').trim().split('\n');
  const rows = csv.slice(1, 40).map((l) => l.split(',').map(Number));
  const points = join(dir, 'cylinder-points.csv');
  writeFileSync(points, `x,y\n${rows.map((r) => `${r[0]},${r[1]}`).join('\n')}\n`);
  const r = pinn(['eval', out, '--points', points]);
  assert.equal(r.status, 0, r.stderr);
  const evaluated = r.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[2]));
  rows.forEach((row, i) => assert.ok(Math.abs(row[2] - evaluated[i]) < 1e-5, `${row} vs ${evaluated[i]}`));
});

test('example lossy-slab: the complex form with a lossy region and an incident wave learns the scattered field', () => {
  const out = join(dir, 'slab');
  const s = solve({
    specFile: 'problems/lossy-slab.yaml',
    outDir: out,
    backend,
    sets: [
      'training.points={domain: 500, boundary: 160}',
      'training.stages=[{optimizer: adam, iterations: 200, lr: 0.01}, {optimizer: levenberg-marquardt, iterations: 80}]',
      'output.grid=[21, 11]',
      'output.formats=[csv]',
    ],
  });
  assert.deepEqual(s.fields, ['Ezr', 'Ezi']);
  // The zero field is 1 away; the full budget reaches 3e-3 (docs/electromagnetics.md).
  for (const f of ['Ezr', 'Ezi']) assert.ok(s.errors[f].l2_relative < 0.5, `${f} L2 ${s.errors[f].l2_relative}`);
  const absorbing = s.violations.filter((v) =>
    /^absorbing Ezr, Ezi order 2 on (left|right) \(flat sides\)$/.test(v.name),
  );
  assert.equal(absorbing.length, 2, JSON.stringify(s.violations.map((v) => v.name)));
  const header = readFileSync(join(out, 'fields.csv'), 'utf8').split('\n')[0].split(',');
  for (const c of ['Ezr', 'Ezi', 'Ez_abs', 'Ez_phase', 'Ezr_exact']) assert.ok(header.includes(c), header.join(','));
});

test('PML runs: errors measured inside the layer, and a layer along a rectangle says how it fared', () => {
  const spec = specFile(
    'pml-box',
    `geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, pml: 0.3, current: "exp(-20*(x^2 + y^2))"}
conditions:
  - {on: boundary, dirichlet: {Ezr: 0, Ezi: 0}}
exact:
  Ezr: "0*x"
  Ezi: "0*x"
constraints: {strategy: hard}
training:
  points: {domain: 200, boundary: 80}
  stages: [{optimizer: adam, iterations: 5}]
output: {grid: [11, 11], formats: [csv]}
`,
  );
  const s = solve({ specFile: spec, outDir: join(dir, 'pml-box'), backend, sets: [] });
  assert.ok(
    s.notes.some((n) => n.startsWith('errors measured inside the PML, in [-0.7, -0.7] - [0.7, 0.7]')),
    s.notes.join('\n'),
  );
  assert.ok(
    s.notes.some((n) => n.startsWith('pml along the bounding box')),
    s.notes.join('\n'),
  );
});

// ---------- 3D examples ----------

test('example cavity-3d: PEC and initial values exact in 3D, Ey learned over half a period, mid-plane pictures', () => {
  const out = join(dir, 'cavity-3d');
  const s = solve({
    specFile: 'problems/cavity-3d.yaml',
    outDir: out,
    backend,
    sets: [
      'network.hidden=[16, 16]',
      'training.points={domain: 300, boundary: 60, initial: 100}',
      'training.stages=[{optimizer: adam, iterations: 100, lr: 0.005}, {optimizer: lbfgs, iterations: 100}]',
      'output.grid=[7, 5, 5]',
      'output.times=[0, 0.3, 0.6]',
      'output.formats=[csv, png]',
    ],
  });
  for (const v of s.violations) {
    assert.equal(v.imposed, 'exact', `${v.name}: ${s.notes.join('; ')}`);
    assert.ok(v.max < 1e-5, `${v.name}: ${v.max}`);
  }
  // The initial field is exact; what the network adds must follow Maxwell's equations to stay
  // near the mode: with nothing learned (E = its initial value, H = 0) Ey is 1.6 and Hx, Hz are
  // 1 away (L2 relative); this budget reached Ey 0.28, Hx 0.49, Hz 0.51.
  assert.ok(s.errors.Ey.l2_relative < 0.5, `Ey L2 ${s.errors.Ey.l2_relative}`);
  for (const f of ['Hx', 'Hz']) assert.ok(s.errors[f].l2_relative < 0.8, `${f} L2 ${s.errors[f].l2_relative}`);
  assert.equal(s.energy.length, 3);
  for (const name of ['Ey_t0.3.png', 'Ey_x0.5_t0.3.png', 'Ey_y0.25_t0.3.png'])
    assert.ok(existsSync(join(out, name)), name);
});

test('example electrostatic-sphere: a region in 3D, its interface trained, error bounded', () => {
  const s = solve({
    specFile: 'problems/electrostatic-sphere.yaml',
    outDir: join(dir, 'sphere'),
    backend,
    sets: [
      'network.hidden=[16, 16]',
      'training.points={domain: 300, boundary: 200}',
      'training.stages=[{optimizer: adam, iterations: 100, lr: 0.01}, {optimizer: lbfgs, iterations: 60}]',
      'output.grid=[9, 9, 9]',
      'output.formats=[csv]',
    ],
  });
  const iface = s.violations.find((v) => /continuous across the interface of ball/.test(v.name));
  assert.ok(iface && iface.imposed === 'penalty' && iface.points > 0, JSON.stringify(s.violations));
  assert.ok(s.violations.find((v) => v.name.startsWith('dirichlet')).max < 1e-5);
  // phi = -E0 z, the field without the sphere, is 5.3e-2 away on this grid; this budget reached 2.2e-2.
  assert.ok(s.errors.phi.l2_relative < 0.04, `phi L2 ${s.errors.phi.l2_relative}`);
});

// ---------- absorbing boundaries ----------

const ANNULUS = (condition, extra = '') => `geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1.5}, name: outer}
    - {disk: {center: [0, 0], radius: 0.5}, name: source}
fields: [Ur, Ui]
equations: ["lap(Ur) + 4*Ur = 0", "lap(Ui) + 4*Ui = 0"]
conditions:
  - {on: source, dirichlet: {Ur: 1, Ui: 0}}
  - ${condition}
${extra}`;

test('absorbing: refused with the reason on a part without one curvature, unknown fields, a bad order, order 2 in 3D', () => {
  /** @type {[string, RegExp][]} */
  const cases = [
    [ANNULUS('{on: boundary, absorbing: {k: 2, fields: [Ur, Ui]}}'), /absorbing needs a part of constant curvature/],
    [ANNULUS('{on: outer, absorbing: {k: 2, fields: [Ur, Uj]}}'), /absorbing: unknown field 'Uj'/],
    [ANNULUS('{on: outer, absorbing: {k: 2, fields: [Ur]}}'), /fields needs two fields/],
    [ANNULUS('{on: outer, absorbing: {k: 2, fields: [Ur, Ui], order: 3}}'), /order \(1 or 2\) must be at most 2/],
    [
      `geometry: {box: {min: [0, 0, 0], max: [1, 1, 1]}}
fields: [Ur, Ui]
equations: ["lap(Ur) = 0", "lap(Ui) = 0"]
conditions:
  - {on: right, absorbing: {k: 2, fields: [Ur, Ui]}}
`,
      /absorbing order 2 is for 2D problems; in 3D write order: 1/,
    ],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const r = pinn(['validate', specFile(`absorbing-bad-${i}`, text)]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /absorbing-bad-\d+\.yaml:\d+:\d+: /);
  }
});

test('example outgoing-wave: the absorbing condition trains on its circle, radius and order named', () => {
  const out = join(dir, 'outgoing');
  const s = solve({
    specFile: 'bench/electromagnetics/outgoing-wave.yaml',
    outDir: out,
    backend,
    sets: [
      'network.hidden=[16, 16]',
      'training.points={domain: 300, boundary: 100}',
      'training.stages=[{optimizer: adam, iterations: 60, lr: 0.01}]',
      'output.grid=[11, 11]',
      'output.formats=[csv]',
    ],
  });
  const absorbing = s.violations.find((v) => v.name === 'absorbing Ur, Ui order 2 on outer (radius 1.5)');
  assert.ok(absorbing && absorbing.imposed === 'penalty' && absorbing.points > 0, JSON.stringify(s.violations));
  assert.ok(Number.isFinite(absorbing.rms));
  const resolved = readFileSync(join(out, 'spec.resolved.yaml'), 'utf8');
  assert.match(resolved, /absorbing:\s*\n?\s*(\{ ?)?k: k/);
  // The complex field U = Ur + i Ui also as magnitude and phase.
  const [header, ...lines] = readFileSync(join(out, 'fields.csv'), 'utf8').trim().split('\n');
  const col = Object.fromEntries(header.split(',').map((c, k) => [c, k]));
  assert.ok('U_abs' in col && 'U_phase' in col, header);
  for (const line of lines.slice(0, 20)) {
    const v = line.split(',').map(Number);
    assert.ok(Math.abs(v[col.U_abs] - Math.hypot(v[col.Ur], v[col.Ui])) < 1e-6 * (1 + v[col.U_abs]), line);
    assert.ok(Math.abs(v[col.U_phase] - Math.atan2(v[col.Ui], v[col.Ur])) < 1e-5, line);
  }
});
