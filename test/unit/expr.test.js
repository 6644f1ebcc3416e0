// Expression parsing to IR: accepted forms, derivative names, and located refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr, parseEquation, ExprError, topLevelEquals } from '../../dist/expr/parse.js';
import { show } from '../../dist/expr/ir.js';
import { fold, collectNeeds, emptyNeeds } from '../../dist/expr/analyze.js';
import { evalNumeric } from '../../dist/expr/numeric.js';

const scope = {
  variables: ['x', 'y', 't'],
  spatial: ['x', 'y'],
  fields: ['u', 'Ez'],
  constants: ['k'],
  derivatives: true,
  boundary: false,
};

function fails(text, re, offset, sc = scope) {
  assert.throws(
    () => parseExpr(text, sc),
    (e) => {
      assert.ok(e instanceof ExprError, `not an ExprError: ${e}`);
      assert.match(e.message, re);
      if (offset !== undefined) assert.equal(e.offset, offset, `offset for ${text}`);
      return true;
    },
  );
}

test('derivative names become field nodes with sorted variables', () => {
  const e = parseExpr('u_yx + Ez_t + lap(u)', scope);
  assert.equal(show(e), '((u_xy + Ez_t) + lap(u))');
});

test('equations become lhs - rhs residuals; comparisons are not split', () => {
  assert.equal(topLevelEquals('a <= b'), -1);
  assert.equal(topLevelEquals('a == b'), -1);
  assert.equal(topLevelEquals('-lap(u) = k'), 8);
  assert.equal(show(parseEquation('-lap(u) = k*u', scope)), '(-(lap(u)) - (k * u))');
});

test('conditionals, comparisons and logic parse', () => {
  const e = parseExpr('x > 0.5 and y <= 1 ? k : -k', scope);
  assert.equal(e.kind, 'cond');
});

test('constants fold and numeric evaluation agrees with Math', () => {
  const e = fold(parseExpr('2*k*sin(pi/2) + x', scope), new Map([['k', 3]]));
  assert.equal(show(e), '(6 + x)');
  assert.equal(evalNumeric(e, { tolerance: 0, value: (n) => (n === 'x' ? 0.5 : NaN) }), 6.5);
});

test('channel needs: lap pulls all spatial first derivatives, u_xy a mixed pair', () => {
  const needs = collectNeeds(parseExpr('lap(u) + u_xy + Ez_t', scope), scope.variables, [0, 1], emptyNeeds());
  assert.deepEqual([...needs.first].sort(), [0, 1, 2]);
  assert.deepEqual([...needs.second], ['0,1']);
  assert.equal(needs.lap, true);
});

test('unknown names are refused at their column with a suggestion', () => {
  fails('sin(pi*x) + kk', /unknown name 'kk' \(did you mean 'k'\?\)/, 12);
  fails('u_xxx', /order 3; at most second derivatives/, 0);
  fails('u_q', /'q', which is not a variable/, 0);
  fails('foo(x)', /unknown function 'foo'/, 0);
});

test('code and non-math syntax is refused, never evaluated', () => {
  fails('import("fs")', /unknown function 'import'|string|only finite numbers/);
  fails('f(x) = 1', /function definition is not allowed/);
  fails('x = 1; y', /./);
  fails('[1, 2]', /an array is not allowed/);
  fails('x[1]', /indexing is not allowed/);
  fails('"abc"', /only finite numbers/);
  fails('constructor', /unknown name 'constructor'/);
  fails('5!', /operator '!' is not supported/);
});

test('dn and normals only on boundaries; derivatives only where allowed', () => {
  fails('dn(u)', /only on a boundary/);
  fails('n_x', /only on the boundary/);
  assert.equal(show(parseExpr('dn(u) + n_x', { ...scope, boundary: true })), '(dn(u) + n_x)');
  fails('u_x', /derivatives such as 'u_x' are not allowed here/, 0, { ...scope, derivatives: false });
});

test('syntax errors carry the column where parsing stopped', () => {
  fails('sin(x', /Parenthesis \) expected/, 5);
  fails('2 ** 3', /Value expected/, 3);
});
