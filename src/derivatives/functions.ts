/**
 * Value, first and second derivative of each elementwise function, written so
 * that f, f' and f'' share work. Used by the jet chain rule for network
 * activations and for functions in user expressions alike.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName } from '../spec/index.js';
import type { UnaryFunctionName } from '../expr/index.js';

type Tensor = tf.Tensor;
type Derivs = (v: Tensor, needSecond: boolean) => { f: Tensor; f1: Tensor; f2?: Tensor };

/** tanh through sigmoid: the wasm backend's Tanh kernel is scalar and ~15x slower than Sigmoid. */
const tanh: Derivs = (v, second) => {
  const f = tf.sub(tf.mul(tf.sigmoid(tf.mul(v, 2)), 2), 1);
  const f1 = tf.sub(1, tf.square(f));
  return { f, f1, f2: second ? tf.mul(tf.mul(f, f1), -2) : undefined };
};

const sigmoid: Derivs = (v, second) => {
  const f = tf.sigmoid(v);
  const f1 = tf.mul(f, tf.sub(1, f));
  return { f, f1, f2: second ? tf.mul(f1, tf.sub(1, tf.mul(f, 2))) : undefined };
};

const sin: Derivs = (v, second) => {
  const f = tf.sin(v);
  return { f, f1: tf.cos(v), f2: second ? tf.neg(f) : undefined };
};

const cos: Derivs = (v, second) => {
  const f = tf.cos(v);
  return { f, f1: tf.neg(tf.sin(v)), f2: second ? tf.neg(f) : undefined };
};

/** silu(z) = z sigmoid(z). */
const silu: Derivs = (v, second) => {
  const s = tf.sigmoid(v);
  const oneMinus = tf.sub(1, s);
  const f = tf.mul(v, s);
  const f1 = tf.mul(s, tf.add(1, tf.mul(v, oneMinus)));
  const f2 = second ? tf.mul(tf.mul(s, oneMinus), tf.add(2, tf.mul(v, tf.sub(1, tf.mul(s, 2))))) : undefined;
  return { f, f1, f2 };
};

/** gelu(z) = z Phi(z) with the exact normal CDF. */
const gelu: Derivs = (v, second) => {
  const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(v, Math.SQRT1_2))), 0.5);
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(v), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  const f = tf.mul(v, cdf);
  const f1 = tf.add(cdf, tf.mul(v, pdf));
  return { f, f1, f2: second ? tf.mul(pdf, tf.sub(2, tf.square(v))) : undefined };
};

/** relu has no second derivative; validation refuses it where one is needed. */
const relu: Derivs = (v) => ({ f: tf.relu(v), f1: tf.step(v) });

const exp: Derivs = (v, second) => {
  const f = tf.exp(v);
  return { f, f1: f, f2: second ? f : undefined };
};

const log: Derivs = (v, second) => {
  const r = tf.reciprocal(v);
  return { f: tf.log(v), f1: r, f2: second ? tf.neg(tf.square(r)) : undefined };
};

const sqrt: Derivs = (v, second) => {
  const f = tf.sqrt(v);
  const f1 = tf.div(0.5, f);
  return { f, f1, f2: second ? tf.div(tf.mul(f1, -0.5), v) : undefined };
};

const abs: Derivs = (v, second) => ({ f: tf.abs(v), f1: tf.sign(v), f2: second ? tf.zerosLike(v) : undefined });

const tan: Derivs = (v, second) => {
  const f = tf.tan(v);
  const f1 = tf.add(1, tf.square(f));
  return { f, f1, f2: second ? tf.mul(tf.mul(f, f1), 2) : undefined };
};

const sinh: Derivs = (v, second) => {
  const f = tf.sinh(v);
  return { f, f1: tf.cosh(v), f2: second ? f : undefined };
};

const cosh: Derivs = (v, second) => {
  const f = tf.cosh(v);
  return { f, f1: tf.sinh(v), f2: second ? f : undefined };
};

/** softplus(z) = log(1 + e^z), written stably. */
const softplus: Derivs = (v, second) => {
  const f = tf.softplus(v);
  const s = tf.sigmoid(v);
  return { f, f1: s, f2: second ? tf.mul(s, tf.sub(1, s)) : undefined };
};

export const ACTIVATION_DERIVS: Record<ActivationName, Derivs> = { tanh, sin, silu, sigmoid, gelu, relu };

/** Activations whose second derivative is not usable for PDE residuals. */
export const NO_SECOND_DERIVATIVE: ReadonlySet<ActivationName> = new Set(['relu']);

export const UNARY_DERIVS: Record<UnaryFunctionName, Derivs> = {
  sin,
  cos,
  tan,
  exp,
  log,
  sqrt,
  abs,
  tanh,
  sinh,
  cosh,
  sigmoid,
  softplus,
};
