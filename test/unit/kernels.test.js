// Our WebAssembly SIMD kernels (kernels/mlp.c) against the jet engine: the network's output jet and
// the gradients of a loss over every channel, for every activation and channel set, on cpu and wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as J from '../../dist/derivatives/jet.js';
import { createNetwork, forward } from '../../dist/model/network.js';
import { kernelRefusal, networkPathNote } from '../../dist/model/fused.js';
import {
  mlpBackward,
  mlpForward,
  channelCount,
  keptBytes,
  kernelChunksTaken,
  setKernelThreads,
} from '../../dist/kernels/index.js';
import { MLP_WASM_BASE64 } from '../../dist/kernels/mlp-wasm.js';
import { createRng } from '../../dist/util/random.js';
import { registerFastGradients } from '../../dist/backend/gradients.js';

const CHANNEL_SETS = {
  'value only': { first: [false, false, false], second: [], lap: null },
  'first x': { first: [true, false, false], second: [], lap: null },
  'first, Laplacian': { first: [true, true, false], second: [], lap: [0, 1] },
  'first, seconds, Laplacian': { first: [true, true, true], second: ['0,0', '0,1', '1,2', '2,2'], lap: [0, 1, 2] },
  'a second without its first': { first: [true, false, true], second: ['0,1', '0,2'], lap: [0, 1] },
};
const ACTIVATIONS = /** @type {const} */ (['tanh', 'sin', 'sigmoid', 'silu', 'gelu', 'relu']);

/** Every channel of a jet as [name, numbers], in a fixed order. */
function channels(o) {
  const out = [['v', o.v]];
  o.d.forEach((t, i) => out.push([`d${i}`, t]));
  for (const [k, t] of o.dd) out.push([`dd${k}`, t]);
  out.push(['lap', o.lap]);
  return out.map(([k, t]) => [k, t ? Array.from(t.dataSync()) : null]);
}

/** The output jet and the gradients of a loss reading every channel, with the kernels on or off. */
function run(ch, net, kernels) {
  return tf.tidy(() => {
    const x = tf.randomUniform([45, 3], -1, 1, 'float32', 7);
    const input = () => J.inputMatrix(ch, x, [0.1, -0.2, 0.3], [1.5, 0.7, 2]);
    const out = channels(forward(ch, net, input(), undefined, undefined, kernels));
    const loss = () => {
      const o = forward(ch, net, input(), undefined, undefined, kernels);
      const parts = [o.v, ...o.d, ...o.dd.values(), o.lap].filter(Boolean);
      const sum = parts.map((t, k) => tf.sum(tf.mul(tf.sin(tf.mul(t, k + 1)), t))).reduce((a, b) => tf.add(a, b));
      return /** @type {tf.Scalar} */ (sum);
    };
    const vars = [...net.weights, ...net.biases];
    const { grads } = tf.variableGrads(loss, vars);
    return { out, grads: vars.map((v) => Array.from(grads[v.name].dataSync())) };
  });
}

/** Largest difference relative to the largest magnitude of the array (float32 rounding of sums of products). */
function assertClose(a, b, tol, what) {
  const scale = Math.max(1e-6, ...a.map(Math.abs));
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
  assert.ok(worst <= tol * scale, `${what}: max difference ${worst} against scale ${scale}`);
}

for (const backend of ['cpu', 'wasm']) {
  test(`kernels on ${backend}: output jets and weight gradients equal the jet engine's, every activation and channel set`, async () => {
    await tf.setBackend(backend);
    registerFastGradients();
    assert.equal(
      kernelRefusal(createNetwork({ inputs: 3, hidden: [4], outputs: 1, activation: 'tanh' }, createRng(1))),
      undefined,
    );
    for (const activation of ACTIVATIONS)
      for (const [name, ch] of Object.entries(CHANNEL_SETS)) {
        const net = createNetwork({ inputs: 3, hidden: [9, 6], outputs: 2, activation }, createRng(3));
        const jets = run(ch, net, false);
        const fused = run(ch, net, true);
        const what = `${activation}, ${name}`;
        assert.deepEqual(
          fused.out.map(([k, v]) => [k, v === null]),
          jets.out.map(([k, v]) => [k, v === null]),
          `${what}: the same channels`,
        );
        jets.out.forEach(([k, v], i) => v && assertClose(v, fused.out[i][1], 2e-6, `${what}, channel ${k}`));
        jets.grads.forEach((g, i) => assertClose(g, fused.grads[i], 3e-5, `${what}, gradient ${i}`));
      }
  });
}

test('kernels: a reverse pass without the saved forward state recomputes it to the same bits', () => {
  /** @type {import('../../dist/kernels/index.js').MlpPlan} */
  const plan = { widths: [2, 13, 7, 3], activation: 'tanh', n: 70, first: 2, pairs: [[0, 1]], lap: [0, 1] };
  const rng = createRng(5);
  const rand = (k) => Float32Array.from({ length: k }, () => rng.next() - 0.5);
  const params = {
    weights: [rand(26), rand(91), rand(21)],
    biases: [rand(13), rand(7), rand(3)],
  };
  const input = { x: rand(140), rows: rand(4) };
  const dy = rand(channelCount(plan) * 70 * 3);
  const { y, saved } = mlpForward(plan, params, input, true);
  assert.equal(y.length, dy.length);
  const kept = mlpBackward(plan, params, input, dy, saved);
  assert.equal(saved.live, false, 'the reverse pass frees what the forward pass kept');
  const again = mlpBackward(plan, params, input, dy);
  assert.deepEqual(again, kept);
});

test('kernels: the helper thread computes passes to the same bits as this thread, alone or sharing them', () => {
  // 1,237 points: 39 blocks (the last one partial) in 32 chunks; large enough for the helper to join.
  const n = 1237;
  /** @type {import('../../dist/kernels/index.js').MlpPlan[]} */
  const plans = [
    { widths: [2, 48, 37, 2], activation: 'tanh', n, first: 2, pairs: [], lap: [0, 1] },
    {
      widths: [3, 48, 37, 2],
      activation: 'sin',
      n,
      first: 3,
      pairs: [
        [0, 1],
        [2, 2],
      ],
      lap: [0, 1, 2],
    },
  ];
  for (const p of plans) {
    const { activation, first } = p;
    const rng = createRng(9);
    const rand = (k) => Float32Array.from({ length: k }, () => rng.next() - 0.5);
    const params = {
      weights: p.widths.slice(0, -1).map((w, l) => rand(w * p.widths[l + 1])),
      biases: p.widths.slice(1).map((w) => rand(w)),
    };
    const input = { x: rand(n * first), rows: rand(first * first) };
    const dy = rand(channelCount(p) * n * 2);
    const pass = () => {
      const { y, saved } = mlpForward(p, params, input, true);
      return { y, g: mlpBackward(p, params, input, dy, saved), recomputed: mlpBackward(p, params, input, dy) };
    };
    const one = pass();
    try {
      // The helper first: it takes every chunk (which thread takes what is otherwise the scheduler's choice).
      assert.equal(setKernelThreads(2, { helperFirst: true }), undefined, 'the helper thread starts');
      const before = kernelChunksTaken();
      const helper = pass();
      const after = kernelChunksTaken();
      assert.equal(after.main, before.main, 'this thread took no chunk');
      assert.equal(after.helper - before.helper, 3 * 32, 'the helper took the 32 chunks of each of three passes');
      assert.deepEqual(helper, one, `${activation}: the helper's passes`);
      setKernelThreads(2);
      assert.deepEqual(pass(), one, `${activation}: passes shared however the chunks fell`);
    } finally {
      setKernelThreads(1);
    }
  }
});

test('kernels: what a taped forward pass keeps is freed by its reverse pass, or by the next gradient computation', async () => {
  await tf.setBackend('cpu');
  const ch = CHANNEL_SETS['first, Laplacian'];
  const net = createNetwork({ inputs: 3, hidden: [5, 5], outputs: 1, activation: 'tanh' }, createRng(2));
  const x = tf.randomUniform([40, 3], -1, 1, 'float32', 3);
  const out = () => forward(ch, net, J.inputMatrix(ch, x, [0, 0, 0], [1, 1, 1])).lap;
  const loss = (unused) => () => {
    if (unused) out();
    return /** @type {tf.Scalar} */ (tf.sum(out()));
  };
  const vars = [...net.weights, ...net.biases];
  tf.tidy(() => tf.variableGrads(loss(true), vars));
  assert.ok(keptBytes() > 0, 'the unused pass keeps its state until the next gradient computation');
  tf.tidy(() => tf.variableGrads(loss(false), vars));
  assert.equal(keptBytes(), 0);
  x.dispose();
});

test('kernels: PINN_KERNELS=off and Fourier features fall back to the jet engine, and the note says so', async () => {
  await tf.setBackend('cpu');
  const net = createNetwork({ inputs: 2, hidden: [4], outputs: 1, activation: 'tanh' }, createRng(1));
  assert.match(networkPathNote(net), /wasm SIMD kernels/);
  process.env.PINN_KERNELS = 'off';
  try {
    assert.equal(kernelRefusal(net), 'PINN_KERNELS=off');
    assert.match(networkPathNote(net), /tfjs jet engine \(PINN_KERNELS=off\)/);
  } finally {
    delete process.env.PINN_KERNELS;
  }
  const fourier = createNetwork(
    { inputs: 2, hidden: [4], outputs: 1, activation: 'tanh', fourierFeatures: { count: 3, scale: 1 } },
    createRng(1),
  );
  assert.equal(kernelRefusal(fourier), 'Fourier features');
});

test('kernels: the embedded module is the committed kernels/mlp.wasm', () => {
  const file = readFileSync(new URL('../../kernels/mlp.wasm', import.meta.url));
  assert.ok(Buffer.from(MLP_WASM_BASE64, 'base64').equals(file), 'run npm run build:kernels');
});
