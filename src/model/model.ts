/**
 * The trainable model of a problem: network, input scaling, unknown constants
 * and per-field output transforms (identity, or a strategy's exact-constraint
 * or sign transform written as an expression of the raw network output).
 */
import * as tf from '@tensorflow/tfjs';
import {
  disposePointCache,
  emptyPointCache,
  evaluate,
  J,
  type EvalEnv,
  type PointCache,
} from '../derivatives/index.js';
import { add, call, div, num, type Expr } from '../expr/index.js';
import { sideName, type Hole, type Problem } from '../problem/index.js';
import { DEFAULTS, type InterfaceNetworkName, type UnknownBounds } from '../spec/index.js';
import type { Rng } from '../util/index.js';
import { kernelRefusal } from './fused.js';
import {
  createNetwork,
  disposeNetwork,
  forward,
  type LastLayerOffsets,
  type LayerProbe,
  type NetworkParams,
} from './network.js';

/** Name under which a transform expression reads the raw network output of a field. */
export const rawName = (field: string): string => `__raw_${field}`;

export interface Model {
  net: NetworkParams;
  /** Input affine map to [-1, 1]: (x - shift) * scale per variable (of its logarithm, for those in logInputs). */
  shift: number[];
  scale: number[];
  /** Variables (log-scale parameters) whose logarithm enters the network; no derivative is taken by them. */
  logInputs?: number[];
  /** Trained variables of the unknown constants; a bounded one's value is unknownValue's map of it. */
  unknowns: Map<string, tf.Variable>;
  /** Bounds of the unknowns that have them. */
  unknownBounds?: Map<string, UnknownBounds>;
  /** Output transform per field (absent: the raw output). */
  transforms: Map<string, Expr>;
  /** Zero per-point offsets of the last layer and the unknowns, for per-point gradients (see LastLayerOffsets). */
  tangent?: ModelTangent;
  /** Per-layer probes for per-point weight gradients (see LayerProbe). */
  probe?: LayerProbe;
  /** The problem's regions (their side variables are bound on every batch, see regionSides). */
  regions: RegionDistance[];
  /** How the network represents a kink at the interfaces of these regions (absent: a smooth network). */
  kink?: Kink;
  /** Extra network inputs after the variables, one expression of them per hole of the domain (see holeInput). */
  holeInputs?: Expr[];
  /** Field values for outputs and eval in float64 (trained with training.precision float64; network64.ts). */
  values64?: boolean;
}

/** A region by its distance function: positive inside, zero on its boundary, negative outside. */
export interface RegionDistance {
  name: string;
  distance: Expr;
}

/**
 * The kink of a field at a material interface, in one of two designs (docs/electromagnetics.md):
 * `distance`, one network with |d_r| (the region's distance function with the row's side) as an
 * extra input per region, so the field is continuous and its normal derivative may jump at d_r = 0
 * (cusp-capturing PINNs); `split`, one output per field and piece of the domain (each region, then
 * the rest), each row reading the piece it lies in, joined only by the interface residuals.
 */
export interface Kink {
  kind: InterfaceNetworkName;
  /** Region names, in the order of `regions`. */
  regions: string[];
}

export interface ModelTangent {
  /** Per-point offsets of the last layer (absent: none). */
  last?: LastLayerOffsets;
  /** [n, 1] per unknown, added to its value. */
  unknowns: Map<string, tf.Tensor>;
}

/** Collocation points of one point set, as tensors kept across iterations. */
export interface Batch {
  n: number;
  /** [n, nVars] inputs in variable order. */
  x: tf.Tensor2D;
  /** Per-variable columns [n, 1]. */
  columns: tf.Tensor[];
  normals?: tf.Tensor2D;
  /** Extra named value columns (data observations), bound as variables. */
  extra: Map<string, tf.Tensor>;
  /** Values of subexpressions that depend only on these points (derivatives/evaluate.ts). */
  pointCache: PointCache;
}

/** The regions whose interfaces carry interface conditions get a kink; none: a smooth network. */
function kinkOf(problem: Problem): Kink | undefined {
  const used = new Set(problem.terms.flatMap((t) => (t.set.kind === 'interface' ? [t.set.region] : [])));
  const regions = problem.regions.filter((r) => used.has(r.name)).map((r) => r.name);
  return regions.length ? { kind: problem.spec.network.interface ?? DEFAULTS.network.interface, regions } : undefined;
}

/**
 * The input a hole adds: log(1 + d / rho), d its distance, rho half its size; around a disk of radius a (d = (r^2 -
 * a^2) / 2a) that is 2 log(r / a). The fields around a hole vary in that coordinate (log r in 2D, r^-n = exp(-n log r),
 * Hankel functions), which ridge functions of x and y alone approximate poorly: fitting a plane wave scattered by a
 * cylinder with 256 random tanh units of (x, y) leaves L2 0.19-0.38, of (x, y, log r) 3e-3 (docs/accuracy.md, Holes).
 */
function holeInput(hole: Hole): Expr {
  return call('log', add(num(1), div(hole.distance, num(hole.size / 2))));
}

export function createModel(problem: Problem, rng: Rng, transforms: Map<string, Expr>): Model {
  const spec = problem.spec;
  const kink = kinkOf(problem);
  const holeInputs =
    (spec.network.holeInputs ?? DEFAULTS.network.holeInputs) === 'log' ? problem.geometry.holes().map(holeInput) : [];
  const features = (kink?.kind === 'distance' ? kink.regions.length : 0) + holeInputs.length;
  const pieces = kink?.kind === 'split' ? kink.regions.length + 1 : 1;
  const lo = [...problem.geometry.bbox.min];
  const hi = [...problem.geometry.bbox.max];
  if (problem.time) {
    lo.push(problem.time.min);
    hi.push(problem.time.max);
  }
  const logInputs: number[] = [];
  for (const p of problem.parameters) {
    if (p.scale === 'log') logInputs.push(lo.length);
    lo.push(p.scale === 'log' ? Math.log(p.min) : p.min);
    hi.push(p.scale === 'log' ? Math.log(p.max) : p.max);
  }
  const shift = lo.map((a, i) => (a + hi[i]!) / 2);
  const scale = lo.map((a, i) => 2 / (hi[i]! - a));
  const net = createNetwork(
    {
      inputs: problem.variables.length + features,
      hidden: spec.network.hidden,
      outputs: problem.fields.length * pieces,
      activation: spec.network.activation,
      fourierFeatures: spec.network.fourierFeatures,
      firstLayer: spec.network.firstLayer,
    },
    rng,
  );
  const unknowns = new Map(
    problem.unknowns.map((u, k) => [
      u.name,
      tf.tidy(() => tf.variable(tf.scalar(rawStart(u.initial, u.bounds)), true, `${net.weights[0]!.name}/unknown${k}`)),
    ]),
  );
  const unknownBounds = new Map(problem.unknowns.flatMap((u) => (u.bounds ? [[u.name, u.bounds] as const] : [])));
  const regions = problem.regions.map((r) => ({ name: r.name, distance: r.distance }));
  return {
    net,
    shift,
    scale,
    ...(logInputs.length ? { logInputs } : {}),
    unknowns,
    ...(unknownBounds.size ? { unknownBounds } : {}),
    transforms,
    regions,
    ...(kink ? { kink } : {}),
    ...(holeInputs.length ? { holeInputs } : {}),
  };
}

/**
 * The value of unknown `name`: its variable, or for a bounded one the variable mapped strictly
 * inside the bounds (min + softplus, max - softplus, or min + (max - min) sigmoid), so no step
 * can leave them and the gradient never vanishes at a bound.
 */
export function unknownValue(model: Model, name: string): tf.Tensor {
  const raw = model.unknowns.get(name)!;
  const b = model.unknownBounds?.get(name);
  if (!b) return raw;
  if (b.min !== undefined && b.max !== undefined) return tf.add(b.min, tf.mul(b.max - b.min, tf.sigmoid(raw)));
  if (b.min !== undefined) return tf.add(b.min, tf.softplus(raw));
  return tf.sub(b.max!, tf.softplus(raw));
}

/** Every unknown's value now. */
export function unknownNumbers(model: Model): Record<string, number> {
  return tf.tidy(() =>
    Object.fromEntries([...model.unknowns.keys()].map((k) => [k, unknownValue(model, k).dataSync()[0]!])),
  );
}

/** The variable's start for an unknown's start value: unknownValue's map inverted. */
function rawStart(initial: number, b: UnknownBounds | undefined): number {
  if (!b) return initial;
  if (b.min !== undefined && b.max !== undefined) {
    const p = (initial - b.min) / (b.max - b.min);
    return Math.log(p / (1 - p));
  }
  const above = b.min !== undefined ? initial - b.min : b.max! - initial;
  return Math.log(Math.expm1(above));
}

export function disposeModel(model: Model): void {
  disposeNetwork(model.net);
  model.unknowns.forEach((v) => v.dispose());
}

export function trainableVariables(model: Model): tf.Variable[] {
  return [...model.net.weights, ...model.net.biases, ...model.unknowns.values()];
}

export function makeBatch(points: Float64Array, nVars: number, normals?: Float64Array, dim?: number): Batch {
  const n = points.length / nVars;
  const x = tf.keep(tf.tensor2d(Float32Array.from(points), [n, nVars]));
  const columns = Array.from({ length: nVars }, (_, i) => tf.keep(tf.slice(x, [0, i], [n, 1])));
  const nt = normals && dim ? tf.keep(tf.tensor2d(Float32Array.from(normals), [n, dim])) : undefined;
  return { n, x, columns, normals: nt, extra: new Map(), pointCache: emptyPointCache() };
}

export function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.columns.forEach((c) => c.dispose());
  b.normals?.dispose();
  b.extra.forEach((t) => t.dispose());
  disposePointCache(b.pointCache);
}

/** The parts of a problem that evaluating a model needs (a reloaded model has only these). */
export type ModelProblem = Pick<Problem, 'variables' | 'fields' | 'constants' | 'spatialIndex'> & {
  /** Parameter ranges, the last variables (absent or empty: none). */
  parameters?: Pick<Problem['parameters'][number], 'name' | 'min' | 'max' | 'scale'>[];
};

/** Environment for evaluating expressions on a batch, given field jets. */
export function batchEnv(
  problem: ModelProblem,
  model: Model,
  batch: Batch,
  ch: J.Channels,
  fields: Map<string, J.Jet>,
): EvalEnv {
  const varIndex = new Map(problem.variables.map((v, i) => [v, i]));
  const vars = new Map<string, J.Jet>(problem.variables.map((v, i) => [v, J.inputVariable(ch, i, batch.columns[i]!)]));
  for (const [name, t] of regionSides(problem, model, batch)) vars.set(sideName(name), J.constant(ch, t));
  for (const [name, t] of batch.extra) vars.set(name, J.constant(ch, t));
  const consts = new Map<string, number | tf.Tensor>(problem.constants);
  for (const k of model.unknowns.keys()) {
    const offset = model.tangent?.unknowns.get(k);
    const v = unknownValue(model, k);
    consts.set(k, offset ? tf.add(v, offset) : v);
  }
  return {
    ch,
    n: batch.n,
    varIndex,
    vars,
    consts,
    fields,
    fieldChannels: ch,
    spatial: problem.spatialIndex,
    normals: batch.normals,
    pointCache: batch.pointCache,
  };
}

/**
 * Per region, +1 on rows inside it and -1 outside: the batch's own column where it has one
 * (interface batches, whose two halves stand for the two sides), else the sign of the distance.
 */
export function regionSides(problem: ModelProblem, model: Model, batch: Batch): Map<string, tf.Tensor> {
  const sides = new Map<string, tf.Tensor>();
  if (model.regions.length === 0) return sides;
  const ch = J.valueOnly(problem.variables.length);
  const env: EvalEnv = {
    ch,
    n: batch.n,
    varIndex: new Map(problem.variables.map((v, i) => [v, i])),
    vars: new Map(problem.variables.map((v, i) => [v, J.inputVariable(ch, i, batch.columns[i]!)])),
    consts: new Map(),
    fields: new Map(),
    fieldChannels: ch,
    spatial: problem.spatialIndex,
  };
  for (const r of model.regions) {
    const given = batch.extra.get(sideName(r.name));
    const d = given ? undefined : tf.broadcastTo(evaluate(r.distance, env).v, [batch.n, 1]);
    sides.set(r.name, given ?? tf.where(tf.greaterEqual(d!, 0), tf.onesLike(d!), tf.onesLike(d!).neg()));
  }
  return sides;
}

/** The network's input: the scaled variables, the hole inputs, and with a `distance` kink side * d_r per region. */
function networkInput(problem: ModelProblem, model: Model, batch: Batch, ch: J.Channels): J.Jet {
  const logs = model.logInputs;
  const x = logs?.length
    ? tf.concat(
        batch.columns.map((c, i) => (logs.includes(i) ? tf.log(c) : c)),
        1,
      )
    : batch.x;
  const input = J.inputMatrix(ch, x, model.shift, model.scale);
  if (model.kink?.kind !== 'distance' && !model.holeInputs) return input;
  const env = batchEnv(problem, model, batch, ch, new Map());
  const memo = new Map();
  const holes = (model.holeInputs ?? []).map((e) => evaluate(e, env, memo));
  const kinks = (model.kink?.kind === 'distance' ? model.kink.regions : []).map((name) => {
    const r = model.regions.find((q) => q.name === name)!;
    return J.mul(ch, env.vars.get(sideName(name))!, evaluate(r.distance, env, memo));
  });
  return J.concat(ch, [input, ...holes, ...kinks]);
}

/** Why the network's input rules out our kernels (they take scaled variables only); undefined when it does not. */
export function computedInputs(model: Model): string | undefined {
  if (model.holeInputs) return 'hole inputs';
  if (model.kink?.kind === 'distance') return 'interface distance inputs';
  return undefined;
}

/** Why the network passes of `model` run on the tfjs jet engine (its input or network); undefined when our kernels run them. */
export function kernelPathRefusal(model: Model): string | undefined {
  return computedInputs(model) ?? kernelRefusal(model.net);
}

/** Each field's raw output: its column, or with a `split` kink the column of the piece each row lies in. */
function rawOutputs(problem: ModelProblem, model: Model, batch: Batch, ch: J.Channels, out: J.Jet) {
  const nf = problem.fields.length;
  if (model.kink?.kind !== 'split')
    return new Map(problem.fields.map((f, k) => [f, nf === 1 ? out : J.column(ch, out, k)]));
  const sides = regionSides(problem, model, batch);
  // Row weights 0/1 per piece: inside region k and none before it; the last piece is the rest.
  let outside: tf.Tensor = tf.onesLike(batch.columns[0]!);
  const weights: tf.Tensor[] = [];
  for (const name of model.kink.regions) {
    const inside = tf.cast(tf.greater(sides.get(name)!, 0), 'float32');
    weights.push(tf.mul(outside, inside));
    outside = tf.mul(outside, tf.sub(1, inside));
  }
  weights.push(outside);
  const pieces = weights.length;
  return new Map(
    problem.fields.map((f, k) => {
      const parts = weights.map((w, p) => J.mul(ch, J.constant(ch, w), J.column(ch, out, k * pieces + p)));
      return [f, parts.reduce((a, b) => J.add(ch, a, b))];
    }),
  );
}

/** Field jets on a batch with the given channels, output transforms applied. */
export function fieldJets(problem: ModelProblem, model: Model, batch: Batch, ch: J.Channels): Map<string, J.Jet> {
  // Computed inputs carry their own derivatives (and may read trainable unknowns): the jet engine then.
  const kernels = computedInputs(model) === undefined;
  const out = forward(
    ch,
    model.net,
    networkInput(problem, model, batch, ch),
    model.tangent?.last,
    model.probe,
    kernels,
  );
  const raw = rawOutputs(problem, model, batch, ch, out);
  if (model.transforms.size === 0) return raw;
  const env = batchEnv(problem, model, batch, ch, raw);
  const vars = new Map(env.vars);
  for (const [f, jet] of raw) vars.set(rawName(f), jet);
  const tenv: EvalEnv = { ...env, vars, varying: new Set([...raw.keys()].map(rawName)) };
  const result = new Map<string, J.Jet>();
  const memo = new Map();
  for (const f of problem.fields) {
    const t = model.transforms.get(f);
    result.set(f, t ? evaluate(t, tenv, memo) : raw.get(f)!);
  }
  return result;
}
