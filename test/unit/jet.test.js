// Forward-mode jets against analytic derivatives and finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as J from '../../dist/derivatives/jet.js';
import { ACTIVATION_DERIVS, UNARY_DERIVS } from '../../dist/derivatives/functions.js';
import { createNetwork, forward } from '../../dist/model/network.js';
import { createRng } from '../../dist/util/random.js';
import { registerFastGradients } from '../../dist/backend/gradients.js';

tf.setBackend('cpu');
registerFastGradients();

const full = { first: [true, true], second: ['0,0', '0,1', '1,1'], lap: [0, 1] };
const arr = (t) => Array.from(t.dataSync());

function close(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  });
}

const analytic = {
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
  sin: [Math.sin, Math.cos, (x) => -Math.sin(x)],
  sigmoid: [
    (x) => 1 / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    },
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s) * (1 - 2 * s);
    },
  ],
  silu: [
    (x) => x / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    },
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s) * (2 + x * (1 - 2 * s));
    },
  ],
};

for (const [name, [f, f1, f2]] of Object.entries(analytic)) {
  test(`activation ${name}: value, first and second derivative match the analytic formulas`, () => {
    const xs = [-2.5, -0.7, 0, 0.3, 1.9];
    tf.tidy(() => {
      const { f: v, f1: d1, f2: d2 } = ACTIVATION_DERIVS[name](tf.tensor1d(xs), true);
      close(arr(v), xs.map(f), 2e-6, 'f');
      close(arr(d1), xs.map(f1), 2e-6, "f'");
      close(arr(d2), xs.map(f2), 2e-6, "f''");
    });
  });
}

for (const fn of ['exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh']) {
  test(`unary ${fn}: chain rule jet matches finite differences of the value`, () => {
    const xs = [0.3, 0.8, 1.3];
    const h = 1e-3;
    tf.tidy(() => {
      const ch = { first: [true], second: ['0,0'], lap: null };
      const x = J.inputVariable(ch, 0, tf.tensor2d(xs, [3, 1]));
      const y = J.chain(ch, x, UNARY_DERIVS[fn]);
      const g = (v) => Math[fn](v);
      close(
        arr(y.d[0]),
        xs.map((v) => (g(v + h) - g(v - h)) / (2 * h)),
        1e-3,
        'd',
      );
      close(
        arr(y.dd.get('0,0')),
        xs.map((v) => (g(v + h) - 2 * g(v) + g(v - h)) / (h * h)),
        2e-2,
        'dd',
      );
    });
  });
}

test('product, quotient and power rules give exact second derivatives of x^2 y / (1 + x)', () => {
  tf.tidy(() => {
    const px = [0.5, 1.5],
      py = [2, -1];
    const x = J.inputVariable(full, 0, tf.tensor2d(px, [2, 1]));
    const y = J.inputVariable(full, 1, tf.tensor2d(py, [2, 1]));
    const num = J.mul(full, J.powConst(full, x, 2), y);
    const den = J.shift(x, 1);
    const q = J.div(full, num, den);
    // q = x^2 y/(1+x); q_x = y (x^2 + 2x)/(1+x)^2; q_xx = 2y/(1+x)^3; q_xy = (x^2+2x)/(1+x)^2; q_yy = 0
    close(
      arr(q.v),
      px.map((a, i) => (a * a * py[i]) / (1 + a)),
      1e-6,
      'v',
    );
    close(
      arr(q.d[0]),
      px.map((a, i) => (py[i] * (a * a + 2 * a)) / (1 + a) ** 2),
      1e-5,
      'q_x',
    );
    close(
      arr(q.dd.get('0,0')),
      px.map((a, i) => (2 * py[i]) / (1 + a) ** 3),
      1e-5,
      'q_xx',
    );
    close(
      arr(q.dd.get('0,1')),
      px.map((a) => (a * a + 2 * a) / (1 + a) ** 2),
      1e-5,
      'q_xy',
    );
    const qyy = q.dd.get('1,1');
    close(qyy ? arr(qyy) : [0, 0], [0, 0], 1e-6, 'q_yy');
    close(
      arr(q.lap),
      px.map((a, i) => (2 * py[i]) / (1 + a) ** 3),
      1e-5,
      'lap',
    );
  });
});

for (const activation of /** @type {const} */ (['tanh', 'sin', 'silu', 'sigmoid'])) {
  test(`network (${activation}): jet derivatives match central finite differences of the forward pass`, () => {
    const net = createNetwork({ inputs: 2, hidden: [12, 12], outputs: 1, activation }, createRng(3));
    const pts = [
      [0.1, 0.2],
      [-0.4, 0.7],
      [0.9, -0.3],
    ];
    const h = 1e-2;
    const value = (p) =>
      tf.tidy(() => {
        const ch = J.valueOnly(2);
        return forward(ch, net, J.inputMatrix(ch, tf.tensor2d(p), [0, 0], [1, 1])).v.dataSync();
      });
    tf.tidy(() => {
      const out = forward(full, net, J.inputMatrix(full, tf.tensor2d(pts), [0, 0], [1, 1]));
      const shifted = (dx, dy) => Array.from(value(pts.map(([a, b]) => [a + dx, b + dy])));
      const f0 = shifted(0, 0);
      const fxp = shifted(h, 0),
        fxm = shifted(-h, 0),
        fyp = shifted(0, h),
        fym = shifted(0, -h);
      const fpp = shifted(h, h),
        fpm = shifted(h, -h),
        fmp = shifted(-h, h),
        fmm = shifted(-h, -h);
      const fd = {
        x: f0.map((_, i) => (fxp[i] - fxm[i]) / (2 * h)),
        y: f0.map((_, i) => (fyp[i] - fym[i]) / (2 * h)),
        xx: f0.map((_, i) => (fxp[i] - 2 * f0[i] + fxm[i]) / (h * h)),
        yy: f0.map((_, i) => (fyp[i] - 2 * f0[i] + fym[i]) / (h * h)),
        xy: f0.map((_, i) => (fpp[i] - fpm[i] - fmp[i] + fmm[i]) / (4 * h * h)),
      };
      close(arr(out.v), f0, 1e-6, 'value');
      close(arr(out.d[0]), fd.x, 2e-3, 'u_x');
      close(arr(out.d[1]), fd.y, 2e-3, 'u_y');
      close(arr(out.dd.get('0,0')), fd.xx, 3e-2, 'u_xx');
      close(arr(out.dd.get('1,1')), fd.yy, 3e-2, 'u_yy');
      close(arr(out.dd.get('0,1')), fd.xy, 3e-2, 'u_xy');
      close(
        arr(out.lap),
        fd.xx.map((v, i) => v + fd.yy[i]),
        3e-2,
        'lap',
      );
    });
  });
}

test('network jet Laplacian equals nested reverse-mode autodiff (tanh with an input-saving gradient)', () => {
  const net = createNetwork({ inputs: 2, hidden: [10, 10], outputs: 1, activation: 'tanh' }, createRng(5));
  const pts = tf.tensor2d([
    [0.2, 0.1],
    [0.5, -0.6],
  ]);
  tf.tidy(() => {
    const ch = { first: [true, true], second: [], lap: [0, 1] };
    const jet = forward(ch, net, J.inputMatrix(ch, pts, [0, 0], [1, 1]));
    const u = (x) => {
      let h = x;
      const L = net.weights.length;
      for (let l = 0; l < L; l++) {
        h = tf.add(tf.matMul(h, net.weights[l]), net.biases[l]);
        if (l < L - 1) h = tf.tanh(h);
      }
      return tf.sum(h);
    };
    const gradU = tf.grad(u);
    const lap = [0, 1].map((k) => tf.grad((x) => tf.sum(tf.slice(gradU(x), [0, k], [-1, 1])))(pts));
    const ref = tf.sum(tf.stack(lap.map((g, k) => tf.slice(g, [0, k], [-1, 1]))), 0);
    close(arr(jet.lap), arr(ref), 1e-4, 'lap');
  });
});

test('channels not requested are never computed', () => {
  tf.tidy(() => {
    const ch = { first: [true, false], second: [], lap: null };
    const x = J.inputVariable(ch, 0, tf.tensor2d([1, 2], [2, 1]));
    const y = J.inputVariable(ch, 1, tf.tensor2d([3, 4], [2, 1]));
    const p = J.mul(ch, x, y);
    assert.equal(p.d[1], undefined);
    assert.equal(p.dd.size, 0);
    assert.equal(p.lap, undefined);
    close(arr(p.d[0]), [3, 4], 1e-7, 'd/dx (x y)');
  });
});
