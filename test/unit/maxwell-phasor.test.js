// The complex form of maxwell-harmonic (complex: true): the phasor Ezr + i Ezi with a lossy
// permittivity, the incident plane wave of a scattered-field problem, the PML's complex
// stretching, and pec on the phasor. Each is checked on exact waves, through the jets as in training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specDir } from '../support/fixtures.js';
import { residualsWith } from '../support/residuals.js';
import { loadSpecWithFlags } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { evalNumeric } from '../../dist/expr/numeric.js';
import { SpecError } from '../../dist/spec/index.js';
import { fieldErrors } from '../../dist/outputs/grid.js';

const { specFile } = specDir('pinn-phasor-');
const problemOf = (text, name = 'p') => buildProblem(loadSpecWithFlags(specFile(name, text), [], {}));
const W = 2 * Math.PI;

/** Largest |residual| of the template's two equations, relative to omega^2 (the size of its terms for |Ez| ~ 1). */
function equationResidual(problem, fields) {
  const equations = residualsWith(problem, fields).filter((r) => r.term.form === 'equation');
  assert.equal(equations.length, 2);
  return Math.max(...equations.flatMap((r) => r.values.map((v) => Math.max(...v.map(Math.abs))))) / W ** 2;
}

/** sqrt of the complex number re + i im, principal branch. */
function csqrt(re, im) {
  const m = Math.hypot(re, im);
  return [Math.sqrt((m + re) / 2), Math.sign(im || 1) * Math.sqrt((m - re) / 2)];
}

/**
 * exp(i (kr + i ki) s) as field expressions of the phase variable text s.
 * @param {number[]} k [kr, ki]
 * @param {string} s
 */
const wave = ([kr, ki], s) => ({
  re: `exp(${-ki}*(${s}))*cos(${kr}*(${s}))`,
  im: `exp(${-ki}*(${s}))*sin(${kr}*(${s}))`,
});

test('complex form: fields Ezr, Ezi; a plane wave in a lossy medium (eps = 2 + 0.5 i, or a conductivity) solves it', () => {
  for (const loss of ['permittivity_imag: 0.5', `conductivity: ${0.5 * W}`]) {
    const p = problemOf(`geometry: {rectangle: {min: [0, 0], max: [1, 0.5]}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, permittivity: 2, ${loss}}
`);
    assert.deepEqual(p.fields, ['Ezr', 'Ezi']);
    const k = csqrt(2, 0.5).map((c) => W * c);
    const u = wave(k, '0.6*x + 0.8*y');
    assert.ok(equationResidual(p, { Ezr: u.re, Ezi: u.im }) < 1e-4);
    // The wave of the lossless medium is not a solution: the loss enters the equations.
    const lossless = wave([W * Math.SQRT2, 0], '0.6*x + 0.8*y');
    assert.ok(equationResidual(p, { Ezr: lossless.re, Ezi: lossless.im }) > 0.1);
  }
});

test('incident: the scattered field of a plane wave entering a lossy medium filling the domain solves it', () => {
  const p = problemOf(`geometry: {disk: {center: [0, 0], radius: 1}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, permittivity: 4, permittivity_imag: 1, incident: 0.5}
`);
  // Total field exp(i k_c d.x) with k_c = omega sqrt(eps_c); minus the incident exp(i omega d.x).
  const phase = `${Math.cos(0.5)}*x + ${Math.sin(0.5)}*y`;
  const total = wave(
    csqrt(4, 1).map((c) => W * c),
    phase,
  );
  const incident = wave([W, 0], phase);
  const scattered = { Ezr: `${total.re} - ${incident.re}`, Ezi: `${total.im} - ${incident.im}` };
  assert.ok(equationResidual(p, scattered) < 1e-4);
  assert.ok(equationResidual(p, { Ezr: total.re, Ezi: total.im }) > 0.1, 'the total field is not the unknown');
});

test('incident: the residual is the operator on the total field, also where mu varies (zero total field: zero residual)', () => {
  const p = problemOf(`geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, permittivity: "3 + y", permittivity_imag: 1, permeability: "1 + 0.3*x^2", incident: 0.8}
`);
  const phase = `${W}*(${Math.cos(0.8)}*x + ${Math.sin(0.8)}*y)`;
  assert.ok(equationResidual(p, { Ezr: `-cos(${phase})`, Ezi: `-sin(${phase})` }) < 1e-4);
  assert.ok(equationResidual(p, { Ezr: '0', Ezi: '0' }) > 0.1);
});

test('PML: a plane wave continued into the stretched layers (x + i A(x), y + i A(y)) solves the stretched equation', () => {
  const p = problemOf(`geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, pml: 0.4, reflection: 1e-3}
`);
  // a(v) = a0 (depth/w)^2 in the layers; A(v) = its integral from the layer's inner edge.
  const w = 0.4;
  const a0 = (3 * Math.log(1e3)) / (2 * W * w);
  const A = (v) => `${a0 / (3 * w * w)}*(max(${v} - ${1 - w}, 0)^3 - max(${-1 + w} - ${v}, 0)^3)`;
  for (const theta of [0, 0.7, 2.5]) {
    const [c, s] = [Math.cos(theta), Math.sin(theta)];
    const damp = `exp(${-W}*(${c}*${A('x')} + ${s}*${A('y')}))`;
    const ph = `${W}*(${c}*x + ${s}*y)`;
    const u = { Ezr: `${damp}*cos(${ph})`, Ezi: `${damp}*sin(${ph})` };
    assert.ok(equationResidual(p, u) < 2e-4, `theta ${theta}`);
  }
  // The unstretched wave is no solution in the layer.
  assert.ok(equationResidual(p, { Ezr: `cos(${W}*x)`, Ezi: `sin(${W}*x)` }) > 0.1);
  // Errors are measured inside the layers only.
  assert.deepEqual(p.pmlInterior, { kind: 'box', min: [-0.6, -0.6], max: [0.6, 0.6] });
});

test('PML inside a circle: the radius is stretched; a plane wave continued to (x, y)(r + i A(r))/r solves it', () => {
  const p = problemOf(`geometry:
  difference:
    - {disk: {center: [0.2, -0.1], radius: 1.5}, name: outer}
    - {disk: {center: [0.2, -0.1], radius: 0.3}, name: hole}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, pml: 0.5}
`);
  assert.deepEqual(p.pmlInterior, { kind: 'disk', center: [0.2, -0.1], radius: 1 });
  const w = 0.5;
  const a0 = (3 * Math.log(1e3)) / (2 * W * w);
  const r = 'sqrt((x - 0.2)^2 + (y + 0.1)^2)';
  const A = `${a0 / (3 * w * w)}*max(${r} - ${1.5 - w}, 0)^3`;
  for (const theta of [0, 1.1, 2.5]) {
    const along = `(${Math.cos(theta)}*(x - 0.2) + ${Math.sin(theta)}*(y + 0.1))`;
    const damp = `exp(${-W}*${along}*${A}/${r})`;
    const u = { Ezr: `${damp}*cos(${W}*${along})`, Ezi: `${damp}*sin(${W}*${along})` };
    assert.ok(equationResidual(p, u) < 2e-4, `theta ${theta}: ${equationResidual(p, u)}`);
  }
  assert.ok(equationResidual(p, { Ezr: `cos(${W}*x)`, Ezi: `sin(${W}*x)` }) > 0.1);
});

test('PML: errors skip the rows in its layers; a width that leaves no interior is refused at its place', () => {
  // Columns x, y, u, u_exact, u_error: the second row lies in the layer, with a large error.
  const table = {
    variables: ['x', 'y'],
    fields: ['u'],
    columns: ['x', 'y', 'u', 'u_exact', 'u_error'],
    data: Float64Array.from([0, 0, 1.1, 1, 0.1, 0.9, 0, 5, 1, 4]),
    rows: 2,
    grid: { counts: [2, 1], min: [0, 0], max: [1, 1], inside: Uint8Array.from([1, 1]) },
    times: [],
  };
  assert.ok(fieldErrors(table).u.l2_relative > 2);
  const inside = fieldErrors({ ...table, measured: { kind: 'box', min: [-0.6, -0.6], max: [0.6, 0.6] } });
  assert.ok(Math.abs(inside.u.l2_relative - 0.1) < 1e-12);
  assert.throws(
    () =>
      problemOf(
        `geometry: {rectangle: {min: [-1, -1], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, pml: 1}
`,
        'wide',
      ),
    (e) =>
      e instanceof SpecError &&
      /wide\.yaml:3:57: .*pml is the layer's width, a number > 0 and below half the bounding box's smallest side \(1\)/.test(
        e.message,
      ),
  );
});

test('pec on the phasor: the total field vanishes, so with an incident wave the scattered field is its negative', () => {
  const p = problemOf(`geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1.5}, name: outer}
    - {disk: {center: [0, 0], radius: 0.5}, name: cylinder}
equations:
  - maxwell-harmonic: {omega: 2*pi, complex: true, incident: 0}
conditions:
  - {on: cylinder, pec: true}
  - {on: outer, absorbing: {k: 2*pi, fields: [Ezr, Ezi]}}
constraints: {strategy: hard}
`);
  const pec = p.terms.find((t) => t.form === 'pec');
  const value = (f, x, y) =>
    evalNumeric(pec.hardValues.find((h) => h.field === f).value, { tolerance: 0, value: (n) => ({ x, y })[n] });
  assert.ok(Math.abs(value('Ezr', 0.3, 0.4) + Math.cos(W * 0.3)) < 1e-12);
  assert.ok(Math.abs(value('Ezi', 0.3, 0.4) + Math.sin(W * 0.3)) < 1e-12);
  const r = residualsWith(p, { Ezr: `-cos(${W}*x)`, Ezi: `-sin(${W}*x)` }).find((x) => x.term.form === 'pec');
  assert.ok(Math.max(...r.values.flatMap((v) => [...v].map(Math.abs))) < 1e-5);
});

test('spec errors: the complex form`s parameters need complex: true; fields renames its two fields', () => {
  const base = (body) => `geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
equations:
  - maxwell-harmonic: {omega: 2, ${body}}
`;
  assert.throws(
    () => problemOf(base('permittivity_imag: 0.1'), 'e1'),
    (e) =>
      e instanceof SpecError &&
      /maxwell-harmonic.permittivity_imag belongs to the complex form; add complex: true/.test(e.message) &&
      /e1\.yaml:3:34/.test(e.message),
  );
  assert.throws(
    () => problemOf(base('complex: true, fields: [E]'), 'e2'),
    (e) => e instanceof SpecError && /renames the template's 2 fields \(Ezr, Ezi\); found 1/.test(e.message),
  );
  // Renamed, the phasor is still what pec sets to zero.
  const renamed = problemOf(
    `${base('complex: true, fields: [Er, Ei]')}conditions:\n  - {on: boundary, pec: true}\nconstraints: {strategy: hard}\n`,
    'e3',
  );
  assert.deepEqual(renamed.fields, ['Er', 'Ei']);
  assert.deepEqual(
    renamed.terms.find((t) => t.form === 'pec').hardValues.map((h) => h.field),
    ['Er', 'Ei'],
  );
  assert.throws(
    () => problemOf(base('complex: true, reflection: 1e-3'), 'e4'),
    (e) =>
      e instanceof SpecError &&
      /e4\.yaml:3:\d+: template maxwell-harmonic: reflection belongs to the PML; add pml/.test(e.message),
  );
  assert.throws(
    () => problemOf(base('complex: true, incident: "0.1*x"'), 'e6'),
    (e) =>
      e instanceof SpecError &&
      /with incident, incident may not depend on x, y \(the incident wave is a plane wave\)/.test(e.message),
  );
  assert.throws(
    () => problemOf(base('complex: true, pml: 0.1, reflection: 2'), 'e5'),
    (e) => e instanceof SpecError && /reflection is the amplitude .* a number in \(0, 1\); found '2'/.test(e.message),
  );
});

test('absorbing under the complex form: fields default to the phasor, k to omega in vacuum; with a material k is asked for', () => {
  const spec = (template, absorbing) => `geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1.5}, name: outer}
    - {disk: {center: [0, 0], radius: 0.5}, name: hole}
equations:
  - maxwell-harmonic: {omega: 3, complex: true${template}}
conditions:
  - {on: hole, dirichlet: {Er: 1, Ei: 0}}
  - {on: outer, absorbing: ${absorbing}}
`;
  /** The absorbing condition's k text and fields, as read. */
  const absorbingOf = (problem) => {
    const c = problem.spec.conditions.find((x) => x.kind === 'absorbing');
    return c?.kind === 'absorbing' ? { k: c.k.text, fields: c.fields } : undefined;
  };
  const p = problemOf(spec(', fields: [Er, Ei]', '{}'), 'a1');
  assert.deepEqual(absorbingOf(p), { k: '3', fields: ['Er', 'Ei'] });
  assert.match(p.terms.find((t) => t.name.startsWith('absorbing')).name, /^absorbing Er, Ei order 2 on outer/);
  const given = problemOf(spec(', fields: [Er, Ei], permittivity: 2', '{k: 4.2}'), 'a2');
  assert.deepEqual(absorbingOf(given), { k: '4.2', fields: ['Er', 'Ei'] });
  assert.throws(
    () => problemOf(spec(', fields: [Er, Ei], permittivity: 2', '{order: 1}'), 'a3'),
    (e) =>
      e instanceof SpecError &&
      /a3\.yaml:9:28: conditions\[1\]\.absorbing needs k, the wavenumber at the boundary/.test(e.message),
  );
});
