// Electromagnetics in process: Maxwell and static templates and their divergence forms, PEC
// residuals and their exact imposition, field energy, causal time weighting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specDir, pecCavity, PEC_BOX as BOX } from '../support/fixtures.js';
import { expr, residualsWith } from '../support/residuals.js';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadSpecWithFlags } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createStrategy } from '../../dist/strategies/index.js';
import { evalNumeric } from '../../dist/expr/numeric.js';
import { diff } from '../../dist/expr/diff.js';
import { show } from '../../dist/expr/ir.js';
import { fieldEnergy, gridWeights } from '../../dist/outputs/energy.js';
import { causalWeighting, causalWeights } from '../../dist/strategies/causal.js';
import { binMatrix } from '../../dist/residuals/causal-bins.js';

const { specFile } = specDir('pinn-em-');

const problemOf = (text, name = 'p') => buildProblem(loadSpecWithFlags(specFile(name, text), [], {}));
const at = (e, p) => evalNumeric(e, { tolerance: 0, value: (n) => p[n] ?? NaN });
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

// ---------- templates ----------

test('templates: Maxwell expansions, renamed fields, divergence equations', () => {
  const tm = problemOf(`geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
time: [0, 1]
equations:
  - maxwell-tm: {permittivity: 2, permeability: 3, conductivity: 0.5}
`);
  assert.deepEqual(tm.fields, ['Ez', 'Hx', 'Hy']);
  assert.equal(tm.terms.length, 3);
  assert.deepEqual(tm.electromagnetic.E, ['Ez']);
  assert.deepEqual(tm.electromagnetic.H, ['Hx', 'Hy']);
  assert.equal(show(tm.electromagnetic.permittivity), '2');
  // The residual of the first equation: 2 Ez_t - (Hy_x - Hx_y - 0.5 Ez), with zero current simplified away.
  assert.equal(tm.equationText[0], '((2 * Ez_t) - ((Hy_x - Hx_y) - (0.5 * Ez))) = 0');

  const te = problemOf(`geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
time: [0, 1]
fields: [B, P, Q]
equations:
  - maxwell-te: {fields: [B, P, Q]}
`);
  assert.deepEqual(te.electromagnetic.E, ['P', 'Q']);
  assert.deepEqual(te.electromagnetic.H, ['B']);
  assert.match(te.terms[0].name, /permeability\*B_t = P_y - Q_x/);

  const m3 = problemOf(`geometry: {box: {min: [0, 0, 0], max: [1, 1, 1]}}
time: [0, 1]
equations:
  - maxwell-3d: {divergence: true}
`);
  assert.equal(m3.terms.length, 8);
  assert.deepEqual(m3.fields, ['Ex', 'Ey', 'Ez', 'Hx', 'Hy', 'Hz']);
  assert.equal(m3.equationText[6], '((Ex_x + Ey_y) + Ez_z) = 0');
});

test('templates: constant coefficients keep the plain form; space-varying ones expand to the divergence form', () => {
  const plain = problemOf(`geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
equations:
  - electrostatic: {permittivity: 4, charge: 1}
`);
  assert.equal(plain.equationText[0], '((-4 * lap(phi)) - 1) = 0');
  const graded = problemOf(`geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
equations:
  - electrostatic: {permittivity: "1 + x^2*y", charge: 0}
`);
  assert.match(graded.terms[0].name, /permittivity_x\*phi_x \+ permittivity_y\*phi_y/);
  assert.match(graded.equationText[0], /phi_x/);
  assert.match(graded.equationText[0], /phi_y/);
  const wire = problemOf(`geometry: {disk: {center: [0, 0], radius: 1}}
equations:
  - magnetostatic: {permeability: "2 + x", current: 1}
`);
  assert.match(wire.equationText[0], /Az_x/);
  assert.doesNotMatch(wire.equationText[0], /Az_y/, 'd(2 + x)/dy = 0 is simplified away');
});

test('diff: derivatives of coefficient expressions agree with finite differences', () => {
  const cases = [
    '1 + x^2*y',
    'sin(x*y) + exp(-x)',
    'sqrt(1 + x^2 + y^2)',
    'x^y',
    'tanh(3*(x - 0.5))',
    '(x < 0.5 ? 1 : 2) * cos(y)',
    'log(2 + x) / (1 + y^2)',
    'abs(x - 0.3) + min(x, y) + max(x, 2*y)',
  ];
  const p = { x: 0.71, y: 0.43 };
  for (const text of cases) {
    const e = expr(text);
    for (const v of ['x', 'y']) {
      const h = 1e-6;
      const fd = (at(e, { ...p, [v]: p[v] + h }) - at(e, { ...p, [v]: p[v] - h })) / (2 * h);
      const d = at(diff(e, v), p);
      assert.ok(Math.abs(d - fd) < 1e-6 * Math.max(1, Math.abs(fd)), `${text} by ${v}: ${d} vs ${fd}`);
    }
  }
});

// ---------- divergence form: exact residuals of analytic solutions ----------

test('divergence form: the analytic solution of -div(eps grad phi) = rho has zero residual at every point', () => {
  // eps = 2 + sin(x) y, phi = x^2 y + cos(y): rho = -(eps_x phi_x + eps phi_xx + eps_y phi_y + eps phi_yy), worked by hand.
  const eps = '2 + sin(x)*y';
  const rho = '-(cos(x)*y*2*x*y + (2 + sin(x)*y)*2*y + sin(x)*(x^2 - sin(y)) + (2 + sin(x)*y)*(-cos(y)))';
  const problem = problemOf(
    `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
equations:
  - electrostatic: {permittivity: "${eps}", charge: "${rho}"}
`,
    'div1',
  );
  const [r] = residualsWith(problem, { phi: 'x^2*y + cos(y)' });
  assert.equal(r.values[0].length, 64);
  assert.ok(maxAbs(r.values[0]) < 2e-5, `residual ${maxAbs(r.values[0])}`);
  // The non-divergence form -eps lap(phi) = rho leaves grad(eps).grad(phi) behind.
  const wrong = problemOf(
    `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
fields: [phi]
equations:
  - "-(${eps})*lap(phi) = ${rho}"
`,
    'div2',
  );
  const [w] = residualsWith(wrong, { phi: 'x^2*y + cos(y)' });
  assert.ok(maxAbs(w.values[0]) > 0.1, `plain form residual ${maxAbs(w.values[0])}`);
});

test('divergence form: graded coaxial dielectric, magnetostatic and harmonic templates with their analytic fields', () => {
  const coax = problemOf(readFileSync('problems/electrostatic-coax.yaml', 'utf8'), 'coax');
  const [r] = residualsWith(coax, { phi: `(log((x^2 + y^2)/(1 + x^2 + y^2))/2 - ${Math.log(1 / 2) / 2})` });
  assert.ok(maxAbs(r.values[0]) < 1e-4, `coax residual ${maxAbs(r.values[0])}`);
  // Az = log(1 + r^2) with mu = 1 + x^2: -div(grad(Az)/mu) = -(lap Az)/mu + mu_x Az_x / mu^2.
  const mag = problemOf(
    `geometry: {disk: {center: [0, 0], radius: 1}}
equations:
  - magnetostatic: {permeability: "1 + x^2", current: "-(4/(1 + x^2 + y^2)^2)/(1 + x^2) + 2*x*(2*x/(1 + x^2 + y^2))/(1 + x^2)^2"}
`,
    'mag',
  );
  const [m] = residualsWith(mag, { Az: 'log(1 + x^2 + y^2)' });
  assert.ok(maxAbs(m.values[0]) < 1e-4, `magnetostatic residual ${maxAbs(m.values[0])}`);
  // Harmonic with mu = exp(x): -mu div(grad(Ez)/mu) = -lap(Ez) + Ez_x for Ez = sin(pi x) sin(pi y).
  const harm = problemOf(
    `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 1, permeability: "exp(x)", current: "2*pi^2*sin(pi*x)*sin(pi*y) + pi*cos(pi*x)*sin(pi*y) - exp(x)*sin(pi*x)*sin(pi*y)"}
`,
    'harm',
  );
  const [h] = residualsWith(harm, { Ez: 'sin(pi*x)*sin(pi*y)' });
  assert.ok(maxAbs(h.values[0]) < 1e-4, `harmonic residual ${maxAbs(h.values[0])}`);
});

test('divergence form: heat is u_t = div(D grad u); its manufactured solution has zero residual', () => {
  // D = 2 + sin(x) y, u = exp(-t) w, w = x^2 y + cos(y): source = u_t - (D lap u + D_x u_x + D_y u_y).
  const D = '2 + sin(x)*y';
  const source = `exp(-t)*(-(x^2*y + cos(y)) - ((${D})*(2*y - cos(y)) + cos(x)*y*2*x*y + sin(x)*(x^2 - sin(y))))`;
  const spec = (d) => `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
time: [0, 1]
equations:
  - heat: {diffusivity: "${d}", source: "${source}"}
`;
  const [r] = residualsWith(problemOf(spec(D), 'heat1'), { u: 'exp(-t)*(x^2*y + cos(y))' });
  assert.ok(maxAbs(r.values[0]) < 2e-5, `residual ${maxAbs(r.values[0])}`);
  // Written the old way (u_t = D lap(u) + source) the gradient term is left behind.
  const wrong = problemOf(
    `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
time: [0, 1]
fields: [u]
equations:
  - "u_t = (${D})*lap(u) + ${source}"
`,
    'heat2',
  );
  const [w] = residualsWith(wrong, { u: 'exp(-t)*(x^2*y + cos(y))' });
  assert.ok(maxAbs(w.values[0]) > 0.1, `plain form residual ${maxAbs(w.values[0])}`);
});

test('materials: a coefficient that jumps in space is refused at its place, naming regions as the fix', () => {
  const refused = (param, text, extra = '') =>
    assert.throws(
      () =>
        problemOf(
          `geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
constants: {a: 0.35}
${extra}equations:
  - ${param}
`,
          'jump',
        ),
      (/** @type {Error} */ err) => err.name === 'SpecError' && text.every((t) => err.message.includes(t)),
    );
  refused('electrostatic: {permittivity: "x^2 + y^2 < a^2 ? 5 : 1"}', [
    'jump.yaml:4:',
    "permittivity 'x^2 + y^2 < a^2 ? 5 : 1' jumps in space",
    "'regions:'",
    'permittivity*dn(phi)',
  ]);
  refused('magnetostatic: {permeability: "1 + 3*(x > 0 and y > 0)"}', ['permeability', "'regions:'"]);
  refused('heat: {diffusivity: "not (x > 0) ? 1 : 2"}', ['diffusivity'], 'time: [0, 1]\n');
  refused('maxwell-tm: {permittivity: "x < 0 ? 1 : 4"}', ['smoothed step'], 'time: [0, 1]\n');
  // A jump in time, a test of constants only, a source that jumps and eps in maxwell-harmonic are fine.
  for (const ok of [
    'electrostatic: {permittivity: "a > 0 ? 2 : 1", charge: "x < 0 ? 1 : 0"}',
    'maxwell-harmonic: {omega: 1, permittivity: "x < 0 ? 1 : 4"}',
  ])
    assert.equal(
      problemOf(
        `geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}\nconstants: {a: 0.35}\nequations:\n  - ${ok}\n`,
        'ok',
      ).terms.length,
      1,
    );
});

// ---------- PEC ----------

test('PEC: 3D and TE residuals are n x E on sampled boundary normals', () => {
  const p3 = problemOf(BOX(), 'box');
  const res = residualsWith(p3, { Ex: '1 + x', Ey: '2 - y*z', Ez: '3*t + x*y', Hx: '0', Hy: '0', Hz: '0' });
  const pec = res.find((r) => r.term.form === 'pec');
  assert.equal(pec.values.length, 3);
  const n = pec.values[0].length;
  for (let i = 0; i < n; i++) {
    const [x, y, z, t] = pec.points.slice(i * 4, i * 4 + 4);
    const [nx, ny, nz] = pec.normals.slice(i * 3, i * 3 + 3);
    assert.ok(Math.abs(Math.hypot(nx, ny, nz) - 1) < 1e-9);
    const E = [1 + x, 2 - y * z, 3 * t + x * y];
    const cross = [ny * E[2] - nz * E[1], nz * E[0] - nx * E[2], nx * E[1] - ny * E[0]];
    for (let k = 0; k < 3; k++)
      assert.ok(
        Math.abs(pec.values[k][i] - cross[k]) < 1e-4,
        `point ${i} component ${k}: ${pec.values[k][i]} vs ${cross[k]}`,
      );
  }
  // A field normal to every face (E = grad of a function constant on the faces) has no tangential part.
  const normalField = residualsWith(p3, {
    Ex: 'cos(pi*x)*sin(pi*z)*sin(pi*y/2)',
    Ey: 'sin(pi*x)*cos(pi*y/2)*sin(pi*z)',
    Ez: 'sin(pi*x)*sin(pi*y/2)*cos(pi*z)',
    Hx: '0',
    Hy: '0',
    Hz: '0',
  }).find((r) => r.term.form === 'pec');
  for (const v of normalField.values) assert.ok(maxAbs(v) < 1e-5, `normal field: ${maxAbs(v)}`);

  const te = problemOf(pecCavity('{rectangle: {min: [0, 0], max: [1, 1]}}', 'maxwell-te'), 'te');
  const tr = residualsWith(te, { Hz: '0', Ex: 'x + 2*y', Ey: '1 - x*y' }).find((r) => r.term.form === 'pec');
  assert.equal(tr.values.length, 1);
  for (let i = 0; i < tr.values[0].length; i++) {
    const [x, y] = tr.points.slice(i * 3, i * 3 + 2);
    const [nx, ny] = tr.normals.slice(i * 2, i * 2 + 2);
    assert.ok(Math.abs(tr.values[0][i] - (nx * (1 - x * y) - ny * (x + 2 * y))) < 1e-4);
  }
});

test('PEC with hard, TM: the product of the face distances on a rectangle, the distance function on a disk', () => {
  const tm = (geometry) => problemOf(pecCavity(geometry, 'maxwell-tm'), 'tm-pec');
  const box = createStrategy('hard', tm('{rectangle: {min: [0, 0], max: [2, 1]}}'));
  assert.equal(box.exactTerms.size, 1);
  assert.equal(show(box.transforms.get('Ez')), '(0 + ((((x * (2 - x)) * y) * (1 - y)) * __raw_Ez))');
  const disk = createStrategy('hard', tm('{disk: {center: [0, 0], radius: 1}}'));
  assert.equal(disk.exactTerms.size, 1);
  assert.ok(disk.notes.includes('pec on boundary: exact (u = g + phi * N)'), disk.notes.join('\n'));
});

test('hard: an initial value that vanishes on the PEC wall is used as G directly (no blend)', () => {
  const tm = buildProblem(loadSpecWithFlags('problems/maxwell-tm-cavity.yaml', [], {}));
  const s = createStrategy('hard', tm);
  const ez = show(s.transforms.get('Ez'));
  assert.ok(ez.startsWith('((sin((3.141592653589793 * x)) * sin((3.141592653589793 * y))) + '), ez);
  assert.doesNotMatch(ez, /1e-12/, 'no transfinite blend');
  // Incompatible data (nonzero on the wall) keeps the blend.
  const text = readFileSync('problems/maxwell-tm-cavity.yaml', 'utf8').replace(
    'value: {Ez: "sin(pi*x)*sin(pi*y)"',
    'value: {Ez: "1 + x"',
  );
  const bad = createStrategy('hard', problemOf(text, 'tm-blend'));
  assert.match(show(bad.transforms.get('Ez')), /1e-12/);
});

// ---------- energy ----------

test('energy: TM11 cavity mode has W = 1/8 at every time on the grid (trapezoidal rule)', () => {
  const problem = buildProblem(loadSpecWithFlags('problems/maxwell-tm-cavity.yaml', [], {}));
  const counts = [21, 21];
  const times = [0, 0.2, 0.5];
  const w = Math.SQRT2 * Math.PI;
  const columns = [
    'x',
    'y',
    't',
    'Ez',
    'Hx',
    'Hy',
    'Ez_exact',
    'Ez_error',
    'Hx_exact',
    'Hx_error',
    'Hy_exact',
    'Hy_error',
  ];
  const rows = counts[0] * counts[1] * times.length;
  const data = new Float64Array(rows * columns.length);
  let r = 0;
  for (const t of times) {
    for (let j = 0; j < counts[1]; j++) {
      for (let i = 0; i < counts[0]; i++) {
        const x = i / 20;
        const y = j / 20;
        const ez = Math.sin(Math.PI * x) * Math.sin(Math.PI * y) * Math.cos(w * t);
        const hx = (-Math.sin(Math.PI * x) * Math.cos(Math.PI * y) * Math.sin(w * t)) / Math.SQRT2;
        const hy = (Math.cos(Math.PI * x) * Math.sin(Math.PI * y) * Math.sin(w * t)) / Math.SQRT2;
        // The "model" is off by 1% in Ez at the last time, to see the drift.
        const scale = t === 0.5 ? 1.01 : 1;
        data.set([x, y, t, ez * scale, hx, hy, ez, 0, hx, 0, hy, 0], r * columns.length);
        r++;
      }
    }
  }
  const table = {
    variables: ['x', 'y', 't'],
    fields: ['Ez', 'Hx', 'Hy'],
    columns,
    data,
    rows,
    times,
    grid: { counts, min: [0, 0], max: [1, 1], inside: new Uint8Array(counts[0] * counts[1]).fill(1) },
  };
  const e = fieldEnergy(problem, table);
  assert.equal(e.energy.length, 3);
  for (const p of e.energy) assert.ok(Math.abs(p.exact - 0.125) < 1e-12, `exact ${p.exact} at ${p.t}`);
  assert.ok(Math.abs(e.energy[0].value - 0.125) < 1e-12);
  const ez2 = 0.25 * Math.cos(w * 0.5) ** 2;
  const expected = 0.5 * (ez2 * 1.01 ** 2 + 0.25 * Math.sin(w * 0.5) ** 2);
  assert.ok(Math.abs(e.energy[2].value - expected) < 1e-12);
  assert.ok(Math.abs(e.energy_drift - Math.abs(expected - 0.125) / 0.125) < 1e-12);
  // Weights sum to the box area.
  assert.ok(Math.abs(gridWeights([5, 7], [0, -1], [2, 2]).reduce((a, b) => a + b, 0) - 6) < 1e-12);
  // No Maxwell template: no energy.
  const steady = problemOf(readFileSync('problems/maxwell-harmonic.yaml', 'utf8'), 'steady');
  assert.equal(fieldEnergy(steady, { ...table, times: [] }), undefined);
});

// ---------- causal weighting ----------

test('causal: bin matrix gives per-bin mean squares; weights are exp(-eps * earlier bins loss)', () => {
  const times = [0.05, 0.1, 0.3, 0.35, 0.4, 0.9];
  const r = tf.tensor2d([1, 3, 2, 2, 2, 4], [6, 1]);
  const B = binMatrix(times, 0, 1, 4);
  const perBin = tf.matMul(tf.square(r), B, true, false).arraySync()[0];
  assert.deepEqual(
    perBin.map((v) => Math.round(v * 1e6) / 1e6),
    [5, 4, 0, 16],
  );
  const w = causalWeights([5, 4, 0, 16], 0.1);
  assert.deepEqual(
    [...w].map((v) => v.toFixed(6)),
    [1, Math.exp(-0.5), Math.exp(-0.9), Math.exp(-0.9)].map((v) => v.toFixed(6)),
  );

  const c = causalWeighting({ epsilon: 0.1, bins: 4 });
  // A stand-in term: causal weighting reads only its kind.
  const term = /** @type {import('../../dist/problem/index.js').Term} */ ({ kind: 'equation' });
  // Starting weights are ones: the loss is the mean over bins.
  c.begin();
  const l0 = c.loss({ term, values: [r], bins: B }, 2).arraySync();
  assert.ok(Math.abs(l0 - (2 * (5 + 4 + 0 + 16)) / 4) < 1e-4);
  c.update();
  assert.ok(Math.abs(c.weights()[1] - Math.exp(-0.1 * 10)) < 1e-6, 'gathered bin losses carry the term weight');
  // The weights are constants: the gradient is that of sum w_k L_k / M only.
  const x = tf.variable(tf.tensor2d([1, 3, 2, 2, 2, 4], [6, 1]));
  // A gradient has the shape of its input.
  const g = /** @type {tf.Tensor2D} */ (
    tf.grad((v) => {
      c.begin();
      return c.loss({ term, values: [v], bins: B }, 1);
    })(x)
  )
    .arraySync()
    .map((a) => a[0]);
  const wk = c.weights();
  const bin = [0, 0, 1, 1, 1, 3];
  const count = [2, 2, 3, 3, 3, 1];
  const rv = [1, 3, 2, 2, 2, 4];
  const expectGrad = rv.map((v, i) => (wk[bin[i]] * 2 * v) / count[i] / 4);
  g.forEach((v, i) => assert.ok(Math.abs(v - expectGrad[i]) < 1e-5, `grad ${i}: ${v} vs ${expectGrad[i]}`));
  const st = c.getState();
  const d = causalWeighting({ epsilon: 0.1, bins: 4 });
  d.setState(st);
  assert.deepEqual([...d.weights()], [...c.weights()]);
  x.dispose();
});
