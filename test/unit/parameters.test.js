// Spec `parameters:`: located errors for bad ranges and names, derivatives by a parameter refused,
// output.parameters checked against the ranges, and parameters sampled over their ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpecText } from '../../dist/spec/index.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { everyDiagnostic } from '../../dist/problem/complete.js';
import { SpecError } from '../../dist/spec/diagnostics.js';
import { groupTerms, makeSampler, samplePoints } from '../../dist/problem/index.js';
import { createRng } from '../../dist/util/index.js';

const HEAD = ['geometry: {interval: [0, 1]}', 'time: [0, 1]', 'fields: [u]'];
const BODY = ['equations: ["u_t = D*u_xx"]', 'conditions:', '  - {on: boundary, dirichlet: {u: 0}}'];

function diagnose(lines) {
  try {
    buildProblem(loadSpecText(lines.join('\n') + '\n', 'spec.yaml'));
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return everyDiagnostic(err).map((d) => [d.loc.line, d.loc.col, d.message]);
  }
  return [];
}

function expectAt(diags, line, col, ...pieces) {
  const hit = diags.find((d) => d[0] === line && d[1] === col);
  assert.ok(hit, `no diagnostic at ${line}:${col}; got\n${diags.map((d) => d.join(':')).join('\n')}`);
  for (const p of pieces) assert.ok(hit[2].includes(p), `'${hit[2]}' lacks '${p}'`);
}

test('a parameter range must increase, be positive on a log scale, and have known keys', () => {
  expectAt(diagnose([...HEAD, 'parameters:', '  D: [0.2, 0.05]', ...BODY]), 5, 6, 'low < high', '[0.2, 0.05]');
  expectAt(
    diagnose([...HEAD, 'parameters:', '  D: {range: [0, 1], scale: log}', ...BODY]),
    5,
    14,
    'scale log',
    'positive',
  );
  expectAt(
    diagnose([...HEAD, 'parameters:', '  D: {range: [1, 2], scale: cubic}', ...BODY]),
    5,
    29,
    "'cubic'",
    'linear, log',
  );
  expectAt(diagnose([...HEAD, 'parameters:', '  D: [1, 2, 3]', ...BODY]), 5, 6, 'must have 2 numbers');
});

test('a parameter cannot take the name of a variable, field or constant', () => {
  expectAt(diagnose([...HEAD, 'parameters: {t: [0, 1], D: [1, 2]}', ...BODY]), 4, 14, "'t' cannot name a parameter");
  expectAt(diagnose([...HEAD, 'parameters: {u: [0, 1], D: [1, 2]}', ...BODY]), 4, 14, "parameter 'u'", 'field');
  expectAt(
    diagnose([...HEAD, 'constants: {D: 1}', 'parameters: {D: [1, 2]}', ...BODY]),
    5,
    14,
    "parameter 'D'",
    'constant',
  );
});

test('a derivative by a parameter is an error where it is written', () => {
  const diags = diagnose([...HEAD, 'parameters: {D: [1, 2]}', 'equations: ["u_t = D*u_xx + u_D"]']);
  expectAt(diags, 5, 29, "'u_D' differentiates by the parameter 'D'");
});

test('output.parameters lie in the ranges and name parameters; by default middle, then each end', () => {
  const spec = loadSpecText(
    [...HEAD, 'parameters: {D: [1, 4], k: {range: [1, 100], scale: log}}', ...BODY].join('\n'),
    's.yaml',
  );
  assert.deepEqual(spec.output.parameters, [
    { D: 2.5, k: 10 },
    { D: 1, k: 10 },
    { D: 4, k: 10 },
    { D: 2.5, k: 1 },
    { D: 2.5, k: 100 },
  ]);
  const bad = [...HEAD, 'parameters: {D: [1, 4]}', ...BODY, 'output: {parameters: [{D: 2}, {D: 5}, {E: 1}]}'];
  const diags = diagnose(bad);
  expectAt(diags, 8, 35, 'D = 5 is outside its range [1, 4]');
  expectAt(diags, 8, 40, "unknown key 'E'");
  expectAt(diagnose([...HEAD, ...BODY, 'output: {parameters: [{D: 2}]}']), 7, 22, "needs 'parameters:'");
});

test('collocation points carry every parameter inside its range, spread over it (log: in its logarithm)', () => {
  const problem = buildProblem(
    loadSpecText([...HEAD, 'parameters: {D: [1, 4], k: {range: [1, 100], scale: log}}', ...BODY].join('\n'), 's.yaml'),
  );
  assert.deepEqual(problem.variables, ['x', 't', 'D', 'k']);
  const sampler = makeSampler('sobol', createRng(1));
  const groups = samplePoints(
    problem,
    groupTerms(problem.terms),
    { domain: 512, boundary: 64, initial: 64 },
    sampler,
    makeSampler('uniform', createRng(2)),
  );
  for (const g of groups) {
    const n = g.points.length / 4;
    const D = Array.from({ length: n }, (_, i) => g.points[i * 4 + 2]);
    const k = Array.from({ length: n }, (_, i) => g.points[i * 4 + 3]);
    assert.ok(D.every((v) => v >= 1 && v <= 4) && k.every((v) => v >= 1 && v <= 100), g.set.kind);
    if (g.set.kind !== 'domain') continue;
    // Log scale: about half the points below the geometric middle 10, not the arithmetic 50.5.
    const below = k.filter((v) => v < 10).length / n;
    assert.ok(below > 0.4 && below < 0.6, `fraction of k below 10: ${below}`);
  }
});
