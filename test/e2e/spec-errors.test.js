// Malformed specs: every mistake is reported at its exact line and column,
// with wording that says what to change; hostile input is refused cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecText, parseOverride } from '../../dist/spec/index.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { everyDiagnostic } from '../../dist/problem/complete.js';
import { SpecError } from '../../dist/spec/diagnostics.js';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('pinn-spec-errors-');

/** Diagnostics of a spec as [line, col, message], in-process (load, then build). */
function diagnose(lines, overrides = []) {
  const text = Array.isArray(lines) ? lines.join('\n') + '\n' : lines;
  try {
    buildProblem(loadSpecText(text, 'spec.yaml', overrides.map(parseOverride)));
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return everyDiagnostic(err).map((d) => [d.loc.line, d.loc.col, d.message]);
  }
  return [];
}

/** Asserts one diagnostic at line:col whose message contains every given piece. */
function expectAt(diags, line, col, ...pieces) {
  const hit = diags.find((d) => d[0] === line && d[1] === col);
  assert.ok(hit, `no diagnostic at ${line}:${col}; got\n${diags.map((d) => d.join(':')).join('\n')}`);
  for (const p of pieces) assert.ok(hit[2].includes(p), `'${hit[2]}' lacks '${p}'`);
}

const square = ['geometry:', '  rectangle: {min: [0, 0], max: [1, 1]}', 'fields: [u]'];
const annulus = [
  'geometry:',
  '  difference:',
  '    - {disk: {center: [0, 0], radius: 1}, name: outer}',
  '    - {disk: {center: [0, 0], radius: 0.25}, name: inner}',
  'fields: [u]',
];

/** @type {[string, string[], [number, number, ...string[]], string[]?][]} */
const cases = [
  // Misspellings, with "did you mean".
  [
    'misspelt top-level key',
    [...square.slice(0, 2), 'feilds: [u]', 'equations: [u]'],
    [3, 1, "unknown key 'feilds' in the spec", "did you mean 'fields'?"],
  ],
  [
    'misspelt shape',
    ['geometry:', '  rectangel: {min: [0, 0], max: [1, 1]}', 'equations: [u]'],
    [2, 3, "unknown key 'rectangel' in geometry", "did you mean 'rectangle'?"],
  ],
  [
    'misspelt side',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - on: lefft', '    dirichlet: {u: 0}'],
    [6, 9, "unknown boundary part 'lefft'", "did you mean 'left'?"],
  ],
  [
    'misspelt field in a condition',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - on: top', '    dirichlet: {v: 0}'],
    [7, 17, "unknown field 'v'", "did you mean 'u'?"],
  ],
  [
    'misspelt variable inside a quoted expression',
    [...square, 'equations:', '  - "-lap(u) = sin(pi*xx)"'],
    [5, 23, "unknown name 'xx'", "did you mean 'x'?"],
  ],
  [
    'misspelt function',
    [...square, 'equations:', '  - -lap(u) = sinn(x)'],
    [5, 15, "unknown function 'sinn'", "did you mean 'sin'?"],
  ],
  [
    'misspelt constant',
    [...square, 'constants: {kappa: 2}', 'equations:', '  - -kapa*lap(u) = 1'],
    [6, 6, "unknown name 'kapa'", "did you mean 'kappa'?"],
  ],
  [
    'misspelt template',
    ['geometry: {interval: [0, 1]}', 'equations:', '  - poison: {source: 1}'],
    [3, 5, "unknown template 'poison'", "did you mean 'poisson'?"],
  ],
  [
    'unknown template parameter',
    ['geometry: {interval: [0, 1]}', 'equations:', '  - poisson: {sorce: 1}'],
    [3, 15, "unknown key 'sorce' in template poisson", "did you mean 'source'?"],
  ],
  [
    'misspelt activation',
    [...square, 'equations: [-lap(u) = 1]', 'network: {activation: tanhh}'],
    [5, 23, "unknown activation 'tanhh'", "did you mean 'tanh'?"],
  ],
  [
    'misspelt sampling',
    [...square, 'equations: [-lap(u) = 1]', 'training: {sampling: sobel}'],
    [5, 22, "unknown sampling 'sobel'", "did you mean 'sobol'?"],
  ],
  [
    'misspelt shape name in a CSG geometry',
    [...annulus, 'equations: [-lap(u) = 0]', 'conditions:', '  - on: iner', '    dirichlet: {u: 1}'],
    [8, 9, "unknown boundary part 'iner'", "did you mean 'inner'?"],
  ],
  [
    'misspelt key with --set',
    [...square, 'equations: [-lap(u) = 1]'],
    [1, 9, "unknown key 'hiden' in network", "did you mean 'hidden'?"],
    ['network.hiden=[8]'],
  ],

  [
    'expression error in a --set value',
    [...square, 'equations: [-lap(u) = 1]'],
    [1, 16, "unknown name 'q'", "did you mean 'x'?"],
    ['exact.u=sin(pi*q)'],
  ],

  // Expression errors point inside the expression, whatever the YAML style.
  [
    'expression error in a flow mapping',
    [...square, 'equations: [-lap(u) = 1]', 'exact: {u: "sin(pi*q)"}'],
    [5, 20, "unknown name 'q'"],
  ],
  ['expression error in a plain flow sequence', [...square, 'equations: [-lap(u) = f]'], [4, 23, "unknown name 'f'"]],
  [
    'expression error in a folded block scalar',
    [...square, 'equations:', '  - >-', '    -lap(u) =', '      sin(pi*x) + w'],
    [7, 19, "unknown name 'w'"],
  ],
  [
    'expression error in a single-quoted condition value',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', "  - {on: top, neumann: {u: '2*y + zz'}}"],
    [6, 35, "unknown name 'zz'"],
  ],
  [
    'unbalanced parenthesis',
    [...square, 'equations:', '  - "-lap(u) = sin(x"'],
    [5, 21, 'cannot parse expression', 'Parenthesis ) expected'],
  ],

  // Hostile input.
  [
    'code in an expression: import()',
    [...square, 'equations:', '  - import("fs")'],
    [5, 5, "unknown function 'import'"],
  ],
  [
    'code in an expression: process.exit()',
    [...square, 'equations:', '  - -lap(u) = process.exit()'],
    [5, 15, 'only the functions sin, cos', 'property access and method calls are not allowed'],
  ],
  [
    'code in an expression: constructor',
    [...square, 'equations:', '  - -lap(u) = constructor'],
    [5, 15, "unknown name 'constructor'"],
  ],
  [
    'code in an expression: property access',
    [...square, 'equations:', '  - "u.constructor"'],
    [5, 6, 'indexing is not allowed in an expression'],
  ],
  [
    '__proto__ as a field key',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - on: top', '    dirichlet: {__proto__: 1}'],
    [7, 17, "'__proto__' in conditions[0].dirichlet is not a field name"],
  ],
  [
    '__proto__ as a top-level key',
    [...square, 'equations: [-lap(u) = 1]', '__proto__: {polluted: true}'],
    [5, 1, "unknown key '__proto__' in the spec"],
  ],
  [
    'YAML alias bomb (billion laughs)',
    [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ...square,
      'equations: [-lap(u) = 1]',
    ],
    [1, 1, 'billion laughs', 'expected a plain spec'],
  ],
  [
    'lr_final on an L-BFGS stage',
    [
      ...square,
      'equations: [-lap(u) = 1]',
      'training:',
      '  stages: [{optimizer: lbfgs, iterations: 10, lr_final: 1.0e-4}]',
    ],
    [6, 57, 'lr_final applies to adam stages only'],
  ],
  [
    'huge point count',
    [...square, 'equations: [-lap(u) = 1]', 'training:', '  points: {domain: 5000000}'],
    [6, 20, 'GiB of memory per iteration', 'GiB is allowed here', 'expected fewer training.points'],
  ],
  [
    'huge network',
    [...square, 'equations: [-lap(u) = 1]', `network: {hidden: [${Array(12).fill(4096).join(', ')}]}`],
    [5, 19, 'GiB of parameters', 'network.hidden'],
  ],
  [
    'deeply nested expression',
    [...square, 'equations:', `  - "${'('.repeat(400)}u${')'.repeat(400)}"`],
    [5, 6, 'nested more than 200 levels deep'],
  ],
  [
    'third-order derivative',
    [...square, 'equations:', '  - u_xxx + u = 0'],
    [5, 5, "'u_xxx' is a derivative of order 3", 'at most second derivatives'],
  ],
  [
    'dn() outside a boundary condition',
    [...square, 'equations:', '  - dn(u) = 1'],
    [5, 5, 'dn(u) is the outward normal derivative', 'boundary condition'],
  ],
  [
    'relu where second derivatives are needed',
    [...square, 'equations: [-lap(u) = 1]', 'network: {activation: relu}'],
    [5, 23, "activation 'relu' has no second derivative", 'expected tanh'],
  ],

  // Structure, types and meaning.
  [
    'duplicate key',
    [...square, 'equations: [-lap(u) = 1]', 'equations: [u]'],
    [5, 1, "the key 'equations' appears twice", 'expected each key once'],
  ],
  [
    'tab indentation',
    ['geometry:', '\trectangle: {min: [0, 0], max: [1, 1]}'],
    [2, 1, 'tab is used for indentation', 'expected spaces'],
  ],
  [
    'text where a number is expected',
    ['geometry:', '  disk: {center: [0, 0], radius: big}', 'fields: [u]', 'equations: [-lap(u) = 1]'],
    [2, 34, 'radius must be a number', "found text 'big'"],
  ],
  [
    'reversed interval',
    ['geometry: {interval: [1, 0]}', 'fields: [u]', 'equations: [u_xx = 1]'],
    [1, 22, 'must be [a, b] with a < b'],
  ],
  [
    'condition without on',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - dirichlet: {u: 0}'],
    [6, 5, "is missing 'on'", 'expected boundary, a side name'],
  ],
  [
    'two kinds in one condition',
    [
      ...square,
      'equations: [-lap(u) = 1]',
      'conditions:',
      '  - on: top',
      '    dirichlet: {u: 0}',
      '    neumann: {u: 0}',
    ],
    [6, 5, 'must have exactly one of dirichlet, neumann'],
  ],
  [
    'periodic on a disk',
    [
      'geometry: {disk: {center: [0, 0], radius: 1}}',
      'fields: [u]',
      'equations: [-lap(u) = 1]',
      'conditions:',
      '  - periodic: x',
    ],
    [5, 15, 'periodic x needs flat sides', 'expected a geometry with box-like extent'],
  ],
  [
    'periodic with on',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - periodic: x', '    on: left'],
    [7, 5, "remove 'on'"],
  ],
  [
    'periodic along a missing axis',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - periodic: z'],
    [6, 15, "'z' is not a spatial variable of this 2D problem", 'expected one of x, y'],
  ],
  [
    'field name with an underscore',
    [...square.slice(0, 2), 'fields: [u_1]', 'equations: [u_1]'],
    [3, 10, "field name 'u_1' must be letters and digits"],
  ],
  [
    'time derivative without time',
    [...square, 'equations: [u_t = lap(u)]'],
    [4, 13, "'u_t' differentiates by 't'", 'expected letters from x, y'],
  ],
  [
    'initial condition without time',
    [...square, 'equations: [-lap(u) = 1]', 'conditions:', '  - on: initial', '    value: {u: 0}'],
    [6, 5, "needs 'time: [start, end]'"],
  ],
  [
    'time-dependent template without time',
    ['geometry: {interval: [0, 1]}', 'equations:', '  - heat: {diffusivity: 1}'],
    [3, 5, 'template heat is time-dependent', "add 'time: [start, end]'"],
  ],
  ['lap of a variable', [...square, 'equations: [-lap(x) = 1]'], [4, 14, 'lap() takes one field name']],
  ['empty file', [''], [1, 1, 'the spec must be a mapping']],
];

for (const [name, lines, [line, col, ...pieces], sets] of cases) {
  test(`spec error: ${name}`, () => {
    const diags = diagnose(lines, sets);
    assert.ok(diags.length > 0, 'expected an error');
    expectAt(diags, line, col, ...pieces);
  });
}

test('at least 30 malformed specs are checked', () => {
  assert.ok(cases.length >= 30, `${cases.length} cases`);
});

test('every problem in a spec is reported, structural and semantic alike', () => {
  const diags = diagnose([
    ...square,
    'equations:',
    '  - -lap(u) = sin(pi*xx)',
    'conditions:',
    '  - on: lefft',
    '    dirichlet: {u: 0}',
    '  - on: top',
    '    neumann: {v: 1}',
    'network: {activation: tanhh}',
    'trainng: {}',
  ]);
  assert.deepEqual(
    diags.map((d) => `${d[0]}:${d[1]}`),
    ['5:22', '7:9', '10:15', '11:23', '12:1'],
  );
});

// Through the real CLI: exit 2, located errors on stderr, no stack trace, nothing written.

function cliRefuses(args, expectLines) {
  const r = pinn(args);
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const lines = r.stderr.trim().split('\n');
  for (const e of expectLines)
    assert.ok(
      lines.some((l) => l.includes(e)),
      `stderr lacks '${e}':\n${r.stderr}`,
    );
  return r;
}

test('CLI validate: several files in one run; every mistake reported with file:line:col; binary files and alias bombs refused', () => {
  const many = join(dir, 'many.yaml');
  writeFileSync(
    many,
    [
      ...square,
      'equations:',
      '  - -lap(u) = sin(pi*xx)',
      'conditions:',
      '  - on: lefft',
      '    dirichlet: {u: 0}',
      'network: {activation: tanhh}',
    ].join('\n') + '\n',
  );
  const image = join(dir, 'image.yaml');
  writeFileSync(
    image,
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
  );
  const bomb = join(dir, 'bomb.yaml');
  const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) {
    const [p, q] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
    levels.push(`${q}: &${q} [${Array(9).fill(`*${p}`).join(', ')}]`);
  }
  writeFileSync(bomb, levels.join('\n') + '\n');
  const r = cliRefuses(
    ['validate', many, image, bomb],
    [
      `${many}:5:22: unknown name 'xx' (did you mean 'x'?)`,
      `${many}:7:9: unknown boundary part 'lefft' (did you mean 'left'?)`,
      `${many}:9:23: unknown activation 'tanhh' (did you mean 'tanh'?)`,
      `${image}:1:1: this is a binary file, not a YAML problem spec`,
      `${bomb}:1:1: the YAML aliases (*name) expand to too many nodes`,
    ],
  );
  assert.equal(r.stderr.trim().split('\n').length, 5);
  assert.equal(r.stdout, '');
});

test('CLI solve: a bad spec exits 2 and writes nothing', () => {
  const file = join(dir, 'bad-solve.yaml');
  writeFileSync(file, [...square, 'equations:', '  - -lap(u) = import("fs")'].join('\n') + '\n');
  const out = join(dir, 'never-written');
  cliRefuses(['solve', file, '--out', out], [`${file}:5:15: unknown function 'import'`]);
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('runs')),
    [],
  );
});

test('CLI validate: a bad --set value is located at the override', () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, [...square, 'equations: [-lap(u) = 1]'].join('\n') + '\n');
  cliRefuses(
    ['validate', file, '--set', 'training.points.domain=many'],
    ['--set training.points.domain=many:1:24: training.points.domain must be a number'],
  );
});
