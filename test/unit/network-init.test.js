// Initial weight statistics of the network (model/network.ts initStd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createNetwork, disposeNetwork, initStd } from '../../dist/model/network.js';
import { createRng } from '../../dist/util/random.js';

const stats = (v) => {
  const d = v.dataSync();
  let s = 0,
    s2 = 0,
    m = 0;
  for (const x of d) {
    s += x;
    s2 += x * x;
    m = Math.max(m, Math.abs(x));
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), maxAbs: m };
};

test('tanh networks: Glorot deviation sqrt(2 / (fan_in + fan_out)) in every layer', () => {
  const net = createNetwork({ inputs: 2, hidden: [150, 150], outputs: 1, activation: 'tanh' }, createRng(1));
  const sizes = [2, 150, 150, 1];
  net.weights.forEach((w, l) => {
    const want = Math.sqrt(2 / (sizes[l] + sizes[l + 1]));
    assert.equal(initStd(net.shape, l, sizes[l], sizes[l + 1]), want);
    if (w.size >= 300) assert.ok(Math.abs(stats(w).std / want - 1) < 0.1, `layer ${l}: std ${stats(w).std} vs ${want}`);
  });
  disposeNetwork(net);
});

test('sin networks: Glorot first layer, uniform with deviation sqrt(2 / fan_in) behind sin units (SIREN)', () => {
  const net = createNetwork({ inputs: 2, hidden: [150, 150, 150], outputs: 1, activation: 'sin' }, createRng(2));
  const sizes = [2, 150, 150, 150, 1];
  net.weights.forEach((w, l) => {
    const want = l === 0 ? Math.sqrt(2 / 152) : Math.sqrt(2 / 150);
    assert.equal(initStd(net.shape, l, sizes[l], sizes[l + 1]), want);
    const s = stats(w);
    assert.ok(Math.abs(s.std / want - 1) < 0.1, `layer ${l}: std ${s.std} vs ${want}`);
    assert.ok(Math.abs(s.mean) < 0.2 * want, `layer ${l}: mean ${s.mean}`);
    // Uniform behind sin units: bounded by sqrt(3) std.
    if (l > 0) assert.ok(s.maxAbs <= Math.sqrt(3) * want * (1 + 1e-6), `layer ${l}: max ${s.maxAbs}`);
  });
  disposeNetwork(net);
});

test('sin networks: behind oscillating sin units, pre-activations keep unit scale with depth (SIREN invariant)', () => {
  const net = createNetwork({ inputs: 2, hidden: [150, 150, 150], outputs: 1, activation: 'sin' }, createRng(3));
  const n = 512;
  const rng = createRng(4);
  // Units in their oscillating range: sin of a uniform phase (variance 1/2).
  /** @type {tf.Tensor} */
  let h = tf.sin(
    tf.tensor2d(
      Float32Array.from({ length: 150 * n }, () => Math.PI * (2 * rng.next() - 1)),
      [n, 150],
    ),
  );
  const stds = [];
  for (let l = 1; l < net.weights.length - 1; l++) {
    const z = tf.add(tf.matMul(h, net.weights[l]), net.biases[l]);
    stds.push(stats(z).std);
    h = tf.sin(z);
  }
  for (const s of stds)
    assert.ok(s > 0.75 && s < 1.25, `pre-activation std ${stds.map((v) => v.toFixed(3)).join(', ')}`);
  disposeNetwork(net);
});
