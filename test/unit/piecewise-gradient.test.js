// Reverse mode through the piecewise functions of the IR (min, max, abs, comparisons, cond): the
// gradient is that of the selected branch, and no kernel on the way lacks a gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { evaluate } from '../../dist/derivatives/evaluate.js';
import * as J from '../../dist/derivatives/jet.js';
import { registerBooleanGradients, registerFastGradients } from '../../dist/backend/gradients.js';

tf.setBackend('cpu');
registerFastGradients();
registerBooleanGradients();

const xs = [-1.5, -0.5, 0.25, 0.75, 2];
const v = (name) => ({ kind: 'var', name });
const c = (name) => ({ kind: 'const', name });
const n = (value) => ({ kind: 'num', value });
const bin = (op, left, right) => ({ kind: 'binary', op, left, right });
const call = (fn, ...args) => ({ kind: 'call', fn, args });
const wx = bin('*', c('w'), v('x'));

/** d/dw of sum over xs of the expression at w = 1, through evaluate (jets with a d/dx channel, as residuals run). */
function gradient(expr) {
  const ch = { first: [true], second: ['0,0'], lap: null };
  const x = tf.tensor2d(xs, [xs.length, 1]);
  const w = tf.scalar(1);
  const f = (wv) => {
    const env = {
      ch,
      n: xs.length,
      varIndex: new Map([['x', 0]]),
      vars: new Map([['x', J.inputVariable(ch, 0, x)]]),
      consts: new Map([['w', wv]]),
      fields: new Map(),
      fieldChannels: ch,
      spatial: [0],
    };
    return tf.sum(evaluate(expr, env).v);
  };
  return tf.grad(f)(w).dataSync()[0];
}

const sum = (f) => xs.reduce((s, x) => s + f(x), 0);

test('min, max and abs give the gradient of the selected branch', () => {
  const other = bin('-', n(1), wx); // 1 - w x
  const cases = [
    { name: 'min', expr: call('min', wx, other), dfdw: (x) => (x <= 1 - x ? x : -x) },
    { name: 'max', expr: call('max', wx, other), dfdw: (x) => (x >= 1 - x ? x : -x) },
    { name: 'abs', expr: call('abs', wx), dfdw: (x) => Math.sign(x) * x },
  ];
  for (const { name, expr, dfdw } of cases) assert.ok(Math.abs(gradient(expr) - sum(dfdw)) < 1e-5, name);
});

test('cond and comparisons differentiate through the chosen branch (the mask has zero gradient)', () => {
  for (const op of ['<', '<=', '>', '>=', '==', '!=']) {
    const test = { kind: 'compare', op, left: wx, right: n(0.5) };
    const pick = {
      '<': (x) => x < 0.5,
      '<=': (x) => x <= 0.5,
      '>': (x) => x > 0.5,
      '>=': (x) => x >= 0.5,
      '==': (x) => x === 0.5,
      '!=': (x) => x !== 0.5,
    }[op];
    const expr = { kind: 'cond', test, then: bin('*', wx, wx), else: call('sin', wx) };
    const expected = sum((x) => (pick(x) ? 2 * x * x : Math.cos(x) * x));
    assert.ok(Math.abs(gradient(expr) - expected) < 1e-5, op);
  }
  const logic = {
    kind: 'logic',
    op: 'and',
    left: { kind: 'compare', op: '>', left: wx, right: n(0) },
    right: { kind: 'not', arg: { kind: 'compare', op: '>', left: wx, right: n(1) } },
  };
  const expr = { kind: 'cond', test: logic, then: wx, else: n(0) };
  assert.ok(Math.abs(gradient(expr) - sum((x) => (x > 0 && x <= 1 ? x : 0))) < 1e-6);
  // A comparison used as a number is piecewise constant: zero gradient, not a missing one.
  assert.equal(gradient({ kind: 'compare', op: '<=', left: wx, right: n(0.5) }), 0);
});
