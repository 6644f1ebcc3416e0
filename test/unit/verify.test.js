// Certified bounds: interval operations against samples, soundness of network and
// derivative bounds on random networks and boxes, convergence as boxes shrink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as A from '../../dist/verify/interval.js';
import * as JI from '../../dist/verify/ijet.js';
import { plainNet } from '../../dist/verify/inet.js';
import { residualBounds, fieldJets } from '../../dist/verify/bound.js';
import { branchAndBound } from '../../dist/verify/verify.js';
import { createNetwork } from '../../dist/model/network.js';
import { createRng } from '../../dist/util/random.js';
import { parseExpr } from '../../dist/expr/parse.js';
import { TIME_SCALE } from '../support/time.js';

tf.setBackend('cpu');

const rng = createRng(12345);
const rand = (a, b) => a + (b - a) * rng.next();
const within = (iv, x, what) => assert.ok(iv.lo <= x && x <= iv.hi, `${what}: ${x} not in [${iv.lo}, ${iv.hi}]`);
const samplesOf = (iv, n = 200) =>
  Array.from({ length: n + 1 }, (_, k) => (k === 0 ? iv.lo : k === n ? iv.hi : iv.lo + ((iv.hi - iv.lo) * k) / n));

test('interval operations enclose every sampled value', () => {
  const sig = (x) => 1 / (1 + Math.exp(-x));
  const unary = {
    exp: [A.exp, Math.exp],
    tanh: [A.tanh, Math.tanh],
    sin: [A.sin, Math.sin],
    cos: [A.cos, Math.cos],
    sinh: [A.sinh, Math.sinh],
    cosh: [A.cosh, Math.cosh],
    sigmoid: [A.sigmoid, sig],
    abs: [A.abs, Math.abs],
    softplus: [A.softplus, (x) => Math.log1p(Math.exp(x))],
    silu: [A.silu, (x) => x * sig(x)],
    gelu: [A.gelu, A.geluN],
    relu: [A.relu, (x) => Math.max(0, x)],
    sqr: [A.sqr, (x) => x * x],
    cube: [(a) => A.powInt(a, 3), (x) => x ** 3],
    erf: [A.erf, A.erfN],
  };
  for (let trial = 0; trial < 60; trial++) {
    const c = rand(-6, 6);
    const w = 10 ** rand(-6, 0.8);
    const iv = { lo: c - w, hi: c + w };
    for (const [name, [fi, f]] of Object.entries(unary)) {
      const r = fi(iv);
      for (const x of samplesOf(iv)) within(r, f(x), `${name}[${iv.lo}, ${iv.hi}]`);
    }
    const pos = { lo: Math.abs(c) + 1e-3, hi: Math.abs(c) + 1e-3 + w };
    for (const x of samplesOf(pos)) {
      within(A.sqrt(pos), Math.sqrt(x), 'sqrt');
      within(A.log(pos), Math.log(x), 'log');
      within(A.recip(pos), 1 / x, 'recip');
      within(A.powConst(pos, 1.5), x ** 1.5, 'pow 1.5');
    }
    const b = { lo: rand(-3, 3), hi: 0 };
    b.hi = b.lo + rand(0, 2);
    for (const x of samplesOf(iv, 20))
      for (const y of samplesOf(b, 20)) {
        within(A.add(iv, b), x + y, 'add');
        within(A.sub(iv, b), x - y, 'sub');
        within(A.mul(iv, b), x * y, 'mul');
        if (b.lo > 0 || b.hi < 0) within(A.div(iv, b), x / y, 'div');
      }
  }
  // Exact extrema: sin reaches +-1, squares keep their sign, the silu valley is enclosed.
  assert.equal(A.sin({ lo: 1, hi: 2 }).hi, 1);
  assert.equal(A.sqr({ lo: -1, hi: 2 }).lo, 0);
  assert.ok(A.silu({ lo: -2, hi: 0 }).lo <= -0.2784645427610738);
  assert.ok(A.gelu({ lo: -1, hi: 0 }).lo <= A.geluN(-0.7517915247));
});

test('jet rules: derivative enclosures hold the analytic derivatives', () => {
  const sig = (x) => 1 / (1 + Math.exp(-x));
  const d = {
    tanh: [(x) => 1 - Math.tanh(x) ** 2, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
    sigmoid: [(x) => sig(x) * (1 - sig(x)), (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))],
    sin: [Math.cos, (x) => -Math.sin(x)],
    silu: [(x) => sig(x) * (1 + x * (1 - sig(x))), (x) => sig(x) * (1 - sig(x)) * (2 + x * (1 - 2 * sig(x)))],
    gelu: [
      (x) => 0.5 * (1 + A.erfN(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
      (x) => (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)) * (2 - x * x),
    ],
    softplus: [sig, (x) => sig(x) * (1 - sig(x))],
  };
  for (let trial = 0; trial < 40; trial++) {
    const c = rand(-5, 5);
    const iv = { lo: c, hi: c + 10 ** rand(-4, 0.5) };
    for (const [name, [f1, f2]] of Object.entries(d)) {
      const r = JI.RULES[name](iv, 2);
      for (const x of samplesOf(iv, 50)) {
        within(r.f1, f1(x), `${name}'`);
        within(r.f2, f2(x), `${name}''`);
      }
    }
  }
});

/** Plain float64 forward pass, for dense sampling. */
function forward64(net, x) {
  let h = x.map((v, i) => (v - net.shift[i]) * net.scale[i]);
  const act = {
    tanh: Math.tanh,
    sin: Math.sin,
    sigmoid: (t) => 1 / (1 + Math.exp(-t)),
    silu: (t) => t / (1 + Math.exp(-t)),
    gelu: A.geluN,
  }[net.activation];
  net.layers.forEach((L, l) => {
    const out = Array.from(L.b);
    for (let i = 0; i < L.nIn; i++) for (let j = 0; j < L.nOut; j++) out[j] += h[i] * L.w[i * L.nOut + j];
    h = l < net.layers.length - 1 ? out.map(act) : out;
  });
  return h;
}

function randomModel(activation, seed, hidden = [12, 12]) {
  const net = createNetwork({ inputs: 2, hidden, outputs: 1, activation }, createRng(seed));
  const model = { net, shift: [0, 0], scale: [1.5, 1.5], unknowns: new Map(), transforms: new Map(), regions: [] };
  return {
    model,
    vm: {
      net: plainNet(model),
      variables: ['x', 'y'],
      spatialIndex: [0, 1],
      fields: ['u'],
      transforms: new Map(),
      constants: new Map(),
    },
  };
}
/** @type {import('../../dist/expr/index.js').Expr[]} */
const U = [{ kind: 'field', field: 'u', derivs: '' }];

test('network bounds on random networks and boxes are never below the max (or above the min) over dense samples', () => {
  for (const [k, act] of ['tanh', 'sin', 'sigmoid', 'silu', 'gelu'].entries()) {
    const { vm } = randomModel(act, 100 + k);
    for (let trial = 0; trial < 6; trial++) {
      const lo = [rand(-1, 0.8), rand(-1, 0.8)];
      const w = 10 ** rand(-3, 0);
      const box = { lo, hi: [lo[0] + w, lo[1] + w * rand(0.1, 1)] };
      for (const opts of [
        { f32: true, meanValue: true },
        { f32: false, meanValue: true },
        { f32: false, meanValue: false },
      ]) {
        const [r] = residualBounds(vm, U, box, opts);
        let max = -Infinity;
        let min = Infinity;
        for (let i = 0; i <= 24; i++)
          for (let j = 0; j <= 24; j++) {
            const p = [box.lo[0] + ((box.hi[0] - box.lo[0]) * i) / 24, box.lo[1] + ((box.hi[1] - box.lo[1]) * j) / 24];
            const v = forward64(vm.net, p)[0];
            max = Math.max(max, v);
            min = Math.min(min, v);
          }
        assert.ok(
          r.hi >= max && r.lo <= min,
          `${act} ${JSON.stringify(opts)}: [${r.lo}, ${r.hi}] vs samples [${min}, ${max}]`,
        );
      }
    }
  }
});

test('float32 margin: TF.js float32 outputs lie in the deployment bounds', () => {
  const { model, vm } = randomModel('tanh', 7, [32, 32]);
  const box = { lo: [0.1, -0.3], hi: [0.35, -0.1] };
  const [r] = residualBounds(vm, U, box, { f32: true, meanValue: true });
  const pts = [];
  for (let i = 0; i <= 30; i++) for (let j = 0; j <= 30; j++) pts.push([0.1 + (0.25 * i) / 30, -0.3 + (0.2 * j) / 30]);
  const out = tf.tidy(() => {
    let h = tf.mul(tf.sub(tf.tensor2d(pts), tf.tensor2d([model.shift])), tf.tensor2d([model.scale]));
    model.net.weights.forEach((w, l) => {
      h = tf.add(tf.matMul(h, w), model.net.biases[l]);
      if (l < model.net.weights.length - 1) h = tf.tanh(h);
    });
    return h.dataSync();
  });
  for (const v of out) within(r, v, 'float32 output');
});

test('derivative bounds (gradient, Hessian, Laplacian) enclose finite differences of the network', () => {
  const { vm } = randomModel('tanh', 31);
  const box = { lo: [0.2, 0.1], hi: [0.3, 0.25] };
  const jets = fieldJets(vm, box, 2, false).get('u').jet;
  const f = (x, y) => forward64(vm.net, [x, y])[0];
  const h = 1e-4;
  for (let i = 0; i <= 6; i++)
    for (let j = 0; j <= 6; j++) {
      const x = 0.2 + (0.1 * i) / 6;
      const y = 0.1 + (0.15 * j) / 6;
      const fx = (f(x + h, y) - f(x - h, y)) / (2 * h);
      const fyy = (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / (h * h);
      const fxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h);
      const slack = 1e-5;
      within(A.widen(jets.g[0], slack), fx, 'u_x');
      within(A.widen(jets.h[JI.pairIndex(1, 1, 2)], 1e-3), fyy, 'u_yy');
      within(A.widen(jets.h[JI.pairIndex(0, 1, 2)], 1e-3), fxy, 'u_xy');
    }
});

test('analytic functions: bounds converge to the true extremum as boxes shrink (quadratically with the mean-value form)', () => {
  // u = sin(3x) cos(2y) + x^2 - 2 x y through an output transform that ignores the network.
  const { vm } = randomModel('tanh', 5, [4]);
  const expr = parseExpr('sin(3*x)*cos(2*y) + x^2 - 2*x*y', {
    variables: ['x', 'y'],
    fields: [],
    constants: [],
    spatial: ['x', 'y'],
    derivatives: false,
    boundary: false,
  });
  const m = { ...vm, transforms: new Map([['u', expr]]) };
  const f = (x, y) => Math.sin(3 * x) * Math.cos(2 * y) + x * x - 2 * x * y;
  const excess = (w, mv) => {
    const c = [0.4, 0.3];
    const box = { lo: [c[0] - w, c[1] - w], hi: [c[0] + w, c[1] + w] };
    const [r] = residualBounds(m, U, box, { f32: false, meanValue: mv });
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i <= 40; i++)
      for (let j = 0; j <= 40; j++) {
        const v = f(box.lo[0] + (2 * w * i) / 40, box.lo[1] + (2 * w * j) / 40);
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    assert.ok(r.hi >= max && r.lo <= min);
    return r.hi - r.lo - (max - min);
  };
  const mv = [1e-1, 1e-2, 1e-3].map((w) => excess(w, true));
  const nat = [1e-1, 1e-2, 1e-3].map((w) => excess(w, false));
  // Overestimation shrinks like w^2 with the mean-value form, like w without.
  assert.ok(mv[1] < mv[0] / 30 && mv[2] < mv[1] / 30, `mean-value excess ${mv}`);
  assert.ok(nat[1] < nat[0] / 5 && nat[2] < nat[1] / 5, `natural excess ${nat}`);
  assert.ok(mv[2] < nat[2] / 10, `mean-value ${mv[2]} vs natural ${nat[2]}`);

  // Branch and bound over the unit square finds max f within the tolerance.
  const region = {
    label: 'domain',
    boxes: [{ lo: [0, 0], hi: [1, 1] }],
    keep: () => true,
    samples: [],
    dense: () => [],
    pointIn: (box) => ({ p: box.lo.map((l, i) => (l + box.hi[i]) / 2) }),
  };
  let trueMax = -Infinity;
  for (let i = 0; i <= 400; i++) for (let j = 0; j <= 400; j++) trueMax = Math.max(trueMax, f(i / 400, j / 400));
  // g = u - (trueMax + 1e-3) <= 0 everywhere: certified; with trueMax - 1e-3, a counterexample.
  const ineq = (shift) => [
    parseExpr(`u - ${shift}`, {
      variables: ['x', 'y'],
      fields: ['u'],
      constants: [],
      spatial: ['x', 'y'],
      derivatives: false,
      boundary: false,
    }),
  ];
  const opts = {
    measure: /** @type {const} */ ('pos'),
    region,
    tolerance: 0,
    deadline: performance.now() + 60_000 * TIME_SCALE,
    maxBoxes: 1e5,
    bound: { f32: false, meanValue: true },
    extent: [1, 1],
  };
  const ok = branchAndBound({ ...opts, vm: m, residuals: ineq(trueMax + 1e-3) });
  assert.equal(ok.status, 'certified');
  const bad = branchAndBound({ ...opts, vm: m, residuals: ineq(trueMax - 1e-3) });
  assert.equal(bad.status, 'violated');
  assert.ok(bad.counterexample.violation > 0 && bad.counterexample.violation <= 1e-3 + 1e-9);
});

test('counterexample search: the worst of the dense points is certified before any box is split', () => {
  // u = x + y through a transform: its worst violation of u <= 2 - 1e-3 over the unit square is at the
  // corner (1, 1), which no box centre ever is; the dense set reaches it.
  const { vm } = randomModel('tanh', 5, [4]);
  const scope = {
    variables: ['x', 'y'],
    fields: ['u'],
    constants: [],
    spatial: ['x', 'y'],
    derivatives: false,
    boundary: false,
  };
  const m = { ...vm, transforms: new Map([['u', parseExpr('x + y', { ...scope, fields: [] })]]) };
  const corners = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ].map((p) => ({ p }));
  const region = {
    label: 'domain',
    boxes: [{ lo: [0, 0], hi: [1, 1] }],
    keep: () => true,
    samples: [{ p: [0.5, 0.5] }],
    dense: () => corners,
    pointIn: () => undefined,
  };
  const input = (shift, f32) => ({
    vm: m,
    residuals: [parseExpr(`u - ${shift}`, scope)],
    measure: /** @type {const} */ ('pos'),
    region,
    tolerance: 0,
    deadline: performance.now() + 60_000 * TIME_SCALE,
    maxBoxes: 1e5,
    bound: { f32, meanValue: true },
    extent: [1, 1],
  });
  const r = branchAndBound(input(2 - 1e-3, true));
  assert.equal(r.status, 'violated');
  assert.deepEqual(r.counterexample.p, [1, 1]);
  assert.equal(r.counterexample.arithmetic, 'float32');
  assert.equal(r.evaluated, 1, 'only the initial box was bounded');
  assert.ok(Math.abs(r.evaluatedMax - 1e-3) < 1e-12 && r.points >= 5);
  // An excess far below the float32 error bound at the point: certified in exact arithmetic only.
  const tiny = branchAndBound(input(2 - 1e-12, true));
  assert.equal(tiny.status, 'violated');
  assert.equal(tiny.counterexample.arithmetic, 'exact');
  assert.equal(tiny.sampledMax, 0, 'nothing is certified at the points in float32');
  assert.ok(tiny.evaluatedMax > 0);
});
