/**
 * The plain MLP's forward jet pass in float64 JavaScript, from a float64 parameter vector:
 * the field values and derivative channels that `training.precision: float64` evaluates residuals
 * with (trainer/lm-stage.ts). tfjs has no float64 tensors; at a residual of 3e-5 made of two terms
 * of ~20 (poisson-2d near L2 3e-6), float32 rounding of the second-derivative channels is a
 * visible part of it, and the loss stops falling there (docs/accuracy.md). Same chain rule as
 * derivatives/jet.ts, channel by channel.
 */
import { J } from '../derivatives/index.js';
import type { ActivationName } from '../spec/index.js';
import { trainableVariables, type Model, type ModelProblem } from './model.js';

/** A jet in float64: each channel [n, width] row-major; a missing channel is zero. */
export interface Jet64 {
  n: number;
  width: number;
  v: Float64Array;
  d: (Float64Array | undefined)[];
  dd: Map<string, Float64Array>;
  lap?: Float64Array;
}

/** Fills f, f' and f'' of an activation at every z (in place, no allocation per element). */
type Activation64 = (z: Float64Array, f: Float64Array, f1: Float64Array, f2: Float64Array) => void;

const sigmoidOf = (z: number): number => 1 / (1 + Math.exp(-z));

const ACTIVATIONS_64: Partial<Record<ActivationName, Activation64>> = {
  tanh: (z, f, f1, f2) => {
    for (let i = 0; i < z.length; i++) {
      const t = Math.tanh(z[i]!);
      const d = 1 - t * t;
      f[i] = t;
      f1[i] = d;
      f2[i] = -2 * t * d;
    }
  },
  sin: (z, f, f1, f2) => {
    for (let i = 0; i < z.length; i++) {
      const s = Math.sin(z[i]!);
      f[i] = s;
      f1[i] = Math.cos(z[i]!);
      f2[i] = -s;
    }
  },
  sigmoid: (z, f, f1, f2) => {
    for (let i = 0; i < z.length; i++) {
      const s = sigmoidOf(z[i]!);
      const d = s * (1 - s);
      f[i] = s;
      f1[i] = d;
      f2[i] = d * (1 - 2 * s);
    }
  },
  silu: (z, f, f1, f2) => {
    for (let i = 0; i < z.length; i++) {
      const x = z[i]!;
      const s = sigmoidOf(x);
      const d = s * (1 - s);
      f[i] = x * s;
      f1[i] = s + x * d;
      f2[i] = 2 * d + x * d * (1 - 2 * s);
    }
  },
};

/** Why the float64 pass cannot evaluate `model`'s network; undefined when it can. */
export function float64Unsupported(model: Model): string | undefined {
  const { shape } = model.net;
  if (!ACTIVATIONS_64[shape.activation]) return `activation ${shape.activation} has no float64 rule here`;
  if (model.net.fourier) return 'Fourier features';
  if (model.kink) return `the ${model.kink.kind} interface network`;
  if (model.holeInputs) return 'hole inputs (network.hole_inputs: none trains without them)';
  if (model.logInputs?.length) return 'log-scale parameters';
  if (model.transforms.size > 0) return 'output transforms (hard or reparam conditions)';
  if (model.unknowns.size > 0) return 'unknown constants';
  if (model.regions.length > 0) return 'material regions';
  return undefined;
}

/** Weights [fanIn, fanOut] and biases per layer, read from `theta` in trainableVariables order. */
function layersOf(
  model: Model,
  theta: Float64Array,
): { w: Float64Array; b: Float64Array; fanIn: number; fanOut: number }[] {
  const shapes = model.net.weights.map((w) => w.shape as [number, number]);
  let o = 0;
  const ws = shapes.map(([fanIn, fanOut]) => theta.subarray(o, (o += fanIn * fanOut)));
  return shapes.map(([fanIn, fanOut], l) => ({ w: ws[l]!, b: theta.subarray(o, (o += fanOut)), fanIn, fanOut }));
}

/** c = a W (+ b): a [n, fanIn], W [fanIn, fanOut]. */
function product(
  a: Float64Array,
  n: number,
  w: Float64Array,
  fanIn: number,
  fanOut: number,
  b?: Float64Array,
): Float64Array {
  const c = new Float64Array(n * fanOut);
  for (let i = 0; i < n; i++) {
    const row = i * fanOut;
    if (b) c.set(b, row);
    for (let k = 0; k < fanIn; k++) {
      const x = a[i * fanIn + k]!;
      if (x === 0) continue;
      const wk = k * fanOut;
      for (let j = 0; j < fanOut; j++) c[row + j] = c[row + j]! + x * w[wk + j]!;
    }
  }
  return c;
}

/** The scaled input jet of `points` [n, nVars]: d_i is the constant row scale_i e_i, repeated per point. */
function inputJet(model: Model, points: Float64Array, n: number, ch: J.Channels): Jet64 {
  const width = model.shift.length;
  const v = new Float64Array(n * width);
  for (let i = 0; i < n * width; i++) v[i] = (points[i]! - model.shift[i % width]!) * model.scale[i % width]!;
  const d = ch.first.map((want, k) => {
    if (!want) return undefined;
    const t = new Float64Array(n * width);
    for (let i = 0; i < n; i++) t[i * width + k] = model.scale[k]!;
    return t;
  });
  return { n, width, v, d, dd: new Map(), lap: ch.lap ? new Float64Array(n * width) : undefined };
}

/** A dense layer applied to every channel (the bias on the value only). */
function dense(a: Jet64, layer: ReturnType<typeof layersOf>[number]): Jet64 {
  const { w, b, fanIn, fanOut } = layer;
  const map = (t: Float64Array) => product(t, a.n, w, fanIn, fanOut);
  return {
    n: a.n,
    width: fanOut,
    v: product(a.v, a.n, w, fanIn, fanOut, b),
    d: a.d.map((t) => t && map(t)),
    dd: new Map([...a.dd].map(([key, t]) => [key, map(t)])),
    lap: a.lap && map(a.lap),
  };
}

/** h = f(z) with h_i = f' z_i, h_ij = f'' z_i z_j + f' z_ij, lap h = f'' sum_k z_k^2 + f' lap z. */
function activate(z: Jet64, act: Activation64, ch: J.Channels): Jet64 {
  const size = z.v.length;
  const v = new Float64Array(size);
  const f1 = new Float64Array(size);
  const f2 = new Float64Array(size);
  act(z.v, v, f1, f2);
  const times = (t: Float64Array, s: Float64Array) => {
    for (let i = 0; i < size; i++) t[i] = t[i]! * s[i]!;
    return t;
  };
  const dd = new Map<string, Float64Array>();
  for (const key of ch.second) {
    const [p, q] = J.parsePair(key);
    const zp = z.d[p];
    const zq = z.d[q];
    const zpq = z.dd.get(key);
    if (!zpq && !(zp && zq)) continue;
    const t = new Float64Array(size);
    for (let i = 0; i < size; i++) t[i] = f2[i]! * (zp && zq ? zp[i]! * zq[i]! : 0) + f1[i]! * (zpq ? zpq[i]! : 0);
    dd.set(key, t);
  }
  let lap: Float64Array | undefined;
  if (ch.lap && z.lap) {
    const squares = new Float64Array(size);
    for (const k of ch.lap) {
      const t = z.d[k];
      if (t) for (let i = 0; i < size; i++) squares[i] = squares[i]! + t[i]! * t[i]!;
    }
    lap = squares;
    for (let i = 0; i < size; i++) lap[i] = f2[i]! * squares[i]! + f1[i]! * z.lap[i]!;
  }
  return { n: z.n, width: z.width, v, d: z.d.map((t) => t && times(t, f1)), dd, lap };
}

/** Column k of a jet, every channel. */
function column(a: Jet64, k: number): Jet64 {
  const pick = (t: Float64Array) => Float64Array.from({ length: a.n }, (_, i) => t[i * a.width + k]!);
  return {
    n: a.n,
    width: 1,
    v: pick(a.v),
    d: a.d.map((t) => t && pick(t)),
    dd: new Map([...a.dd].map(([key, t]) => [key, pick(t)])),
    lap: a.lap && pick(a.lap),
  };
}

/**
 * Field jets [n, 1] on `points` [n, variables] at parameters `theta` (trainableVariables order),
 * with channels `ch`. Only for a model float64Unsupported accepts.
 */
export function fieldJets64(
  problem: ModelProblem,
  model: Model,
  theta: Float64Array,
  points: Float64Array,
  n: number,
  ch: J.Channels,
): Map<string, Jet64> {
  const act = ACTIVATIONS_64[model.net.shape.activation]!;
  const layers = layersOf(model, theta);
  let h = inputJet(model, points, n, ch);
  layers.forEach((layer, l) => {
    const z = dense(h, layer);
    h = l < layers.length - 1 ? activate(z, act, ch) : z;
  });
  return new Map(problem.fields.map((f, k) => [f, column(h, k)]));
}

/** The model's trainable parameters in float64, in trainableVariables order. */
export function modelTheta64(model: Model): Float64Array {
  const vars = trainableVariables(model);
  const theta = new Float64Array(vars.reduce((s, v) => s + v.size, 0));
  let o = 0;
  for (const v of vars) {
    theta.set(v.dataSync() as Float32Array, o);
    o += v.size;
  }
  return theta;
}

/**
 * Field values at `points` (n * variables) in float64, from the model's own (float32) weights:
 * the network function those weights define, without float32 rounding of its evaluation.
 */
export function fieldValues64(problem: ModelProblem, model: Model, points: Float64Array): Map<string, Float64Array> {
  const n = points.length / problem.variables.length;
  const jets = fieldJets64(problem, model, modelTheta64(model), points, n, J.valueOnly(problem.variables.length));
  return new Map([...jets].map(([f, jet]) => [f, jet.v]));
}

/** Whether field values of `model` are evaluated in float64 (trained so, and the float64 pass takes it). */
export const evaluatesIn64 = (model: Model): boolean =>
  model.values64 === true && float64Unsupported(model) === undefined;
