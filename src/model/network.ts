/**
 * The multilayer perceptron: parameters as tf.Variables, initialised from the
 * run's seeded generator, and its forward pass in jet algebra so every
 * derivative channel the equations need comes out exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_DERIVS, J, UNARY_DERIVS } from '../derivatives/index.js';
import type { ActivationName } from '../spec/index.js';
import type { Rng } from '../util/index.js';

interface NetworkShape {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: ActivationName;
  fourierFeatures?: { count: number; scale: number };
  /** First layer: Glorot (default), or 'unit': variance 3 / fan_in, unit-variance pre-activations over inputs uniform on [-1, 1]. */
  firstLayer?: 'glorot' | 'unit';
}

export interface NetworkParams {
  shape: NetworkShape;
  weights: tf.Variable[];
  biases: tf.Variable[];
  /** Fixed random Fourier feature matrix [inputs, count], not trained. */
  fourier?: tf.Tensor2D;
}

// tfjs keeps variable names in one registry per engine (the backend's global state): a counter keeps them unique.
let instanceCounter = 0;

/** Standard normal samples by Box-Muller from the seeded generator. */
function normalSamples(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rng.next(), 1e-300);
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * Standard deviation of the initial weights of layer `l` (0: the first) with the given fans.
 * Glorot (2 / (fan_in + fan_out)) for every layer, except behind sin units: there
 * 2 / fan_in, SIREN's rule (Sitzmann et al. 2020), which keeps the pre-activations at unit scale
 * once the units oscillate. With Glorot variance (half that at equal widths) a sin network
 * starts and stays longer in the linear range of sin; on helmholtz-4pi the SIREN rule behind the
 * first layer reached L2 6.3e-2 at iteration 250 against 2.6e-1 (docs/strategies.md). The first
 * layer keeps Glorot: its scale sets the frequencies of the inputs (SIREN's omega_0), which is
 * problem-dependent; larger values there fit the collocation points with frequencies they cannot
 * resolve (helmholtz-4pi, hard: unit-scale first layer, loss 4.9e-3 but L2 6.1e-3 against loss
 * 9.9e-2 and L2 1.9e-3; omega_0 = 10: loss 1e-4 and L2 0.38). `firstLayer: 'unit'` (without
 * Fourier features) asks for variance 3 / fan_in there: unit-variance pre-activations over the
 * input box (mapped to [-1, 1], variance 1/3 per input), the frequencies a soft-constrained
 * oscillatory problem needs to leave the trivial solution u = 0 (helmholtz-4pi, adaptive: L2 1.00
 * with Glorot).
 */
export function initStd(shape: NetworkShape, l: number, fanIn: number, fanOut: number): number {
  const behindSin = shape.activation === 'sin' && l > 0;
  if (l === 0 && shape.firstLayer === 'unit' && !shape.fourierFeatures) return Math.sqrt(3 / fanIn);
  return Math.sqrt(behindSin ? 2 / fanIn : 2 / (fanIn + fanOut));
}

/** Weights from initStd (normal, or uniform with that deviation behind sin units), zero biases. */
export function createNetwork(shape: NetworkShape, rng: Rng): NetworkParams {
  const tag = `pinn${instanceCounter++}`;
  let fourier: tf.Tensor2D | undefined;
  let width = shape.inputs;
  if (shape.fourierFeatures) {
    const { count, scale } = shape.fourierFeatures;
    const b = normalSamples(rng, shape.inputs * count).map((v) => v * scale);
    fourier = tf.keep(tf.tensor2d(b, [shape.inputs, count]));
    width = 2 * count;
  }
  const sizes = [width, ...shape.hidden, shape.outputs];
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const std = initStd(shape, l, fanIn, fanOut);
    // Behind sin units: uniform, as SIREN (its bounded support keeps every pre-activation's scale).
    const uniform =
      (shape.activation === 'sin' && l > 0) || (l === 0 && shape.firstLayer === 'unit' && !shape.fourierFeatures);
    const w = uniform
      ? Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.next() - 1) * std * Math.sqrt(3))
      : normalSamples(rng, fanIn * fanOut).map((v) => v * std);
    // tidy releases the initial tensors (a variable keeps its own reference to the data).
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true, `${tag}/w${l}`)));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([1, fanOut]), true, `${tag}/b${l}`)));
  }
  return { shape, weights, biases, fourier };
}

/**
 * Per-point offsets of the last layer's weights [n, width, outputs] and biases [n, outputs], zero
 * in value: the gradient of a sum of per-point residuals with respect to them is each point's own
 * gradient with respect to that layer (a Jacobian row per point in one reverse pass).
 */
export interface LastLayerOffsets {
  w: tf.Tensor3D;
  b: tf.Tensor2D;
}

/**
 * Sees each trained layer's input jet and pre-activation jet in the forward pass and returns the
 * pre-activation to go on with: zero per-point probes added there make the gradient of a sum of
 * per-point residuals with respect to them each point's own pre-activation gradient, from which
 * that point's weight gradients follow (trainer/jacobian.ts).
 */
export interface LayerProbe {
  layer(l: number, input: J.Jet, pre: J.Jet): J.Jet;
}

/** Forward pass of an input jet [n, inputs] to an output jet [n, outputs]. */
export function forward(
  ch: J.Channels,
  net: NetworkParams,
  input: J.Jet,
  offsets?: LastLayerOffsets,
  probe?: LayerProbe,
): J.Jet {
  const act = ACTIVATION_DERIVS[net.shape.activation];
  let h = input;
  if (net.fourier) {
    const z = J.scale(ch, J.dense(ch, input, net.fourier), 2 * Math.PI);
    h = J.concat(ch, [J.chain(ch, z, UNARY_DERIVS.sin), J.chain(ch, z, UNARY_DERIVS.cos)]);
  }
  const last = net.weights.length - 1;
  const dense = (l: number, a: J.Jet) => {
    const z = J.dense(ch, a, net.weights[l]!, net.biases[l]!);
    return probe ? probe.layer(l, a, z) : z;
  };
  for (let l = 0; l < last; l++) h = J.chain(ch, dense(l, h), act);
  const out = dense(last, h);
  if (!offsets) return out;
  // Each point's weights act on its own features in every channel; the bias only on the value.
  const perPoint = J.mapChannels(ch, h, (t) => tf.sum(tf.mul(tf.expandDims(t, 2), offsets.w), 1));
  const shifted = J.add(ch, out, perPoint);
  return { ...shifted, v: tf.add(shifted.v, offsets.b) };
}

export function parameterCount(net: NetworkParams): number {
  return [...net.weights, ...net.biases].reduce((s, v) => s + v.size, 0);
}

export function disposeNetwork(net: NetworkParams): void {
  net.weights.forEach((v) => v.dispose());
  net.biases.forEach((v) => v.dispose());
  net.fourier?.dispose();
}
