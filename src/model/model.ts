/**
 * The trainable model of a problem: network, input scaling, unknown constants
 * and per-field output transforms (identity, or a strategy's exact-constraint
 * or sign transform written as an expression of the raw network output).
 */
import * as tf from '@tensorflow/tfjs';
import { evaluate, J, type EvalEnv } from '../derivatives/index.js';
import type { Expr } from '../expr/index.js';
import type { Problem } from '../problem/index.js';
import type { Rng } from '../util/index.js';
import { createNetwork, disposeNetwork, forward, type LastLayerOffsets, type NetworkParams } from './network.js';

/** Name under which a transform expression reads the raw network output of a field. */
export const rawName = (field: string): string => `__raw_${field}`;

export interface Model {
  net: NetworkParams;
  /** Input affine map to [-1, 1]: (x - shift) * scale per variable. */
  shift: number[];
  scale: number[];
  unknowns: Map<string, tf.Variable>;
  /** Output transform per field (absent: the raw output). */
  transforms: Map<string, Expr>;
  /** Zero per-point offsets of the last layer and the unknowns, for per-point gradients (see LastLayerOffsets). */
  tangent?: ModelTangent;
}

export interface ModelTangent extends LastLayerOffsets {
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
}

export function createModel(problem: Problem, rng: Rng, transforms: Map<string, Expr>): Model {
  const spec = problem.spec;
  const lo = [...problem.geometry.bbox.min];
  const hi = [...problem.geometry.bbox.max];
  if (problem.time) {
    lo.push(problem.time.min);
    hi.push(problem.time.max);
  }
  const shift = lo.map((a, i) => (a + hi[i]!) / 2);
  const scale = lo.map((a, i) => 2 / (hi[i]! - a));
  const net = createNetwork(
    {
      inputs: problem.variables.length,
      hidden: spec.network.hidden,
      outputs: problem.fields.length,
      activation: spec.network.activation,
      fourierFeatures: spec.network.fourierFeatures,
      firstLayer: spec.network.firstLayer,
    },
    rng,
  );
  const unknowns = new Map(
    problem.unknowns.map((u, k) => [
      u.name,
      tf.tidy(() => tf.variable(tf.scalar(u.initial), true, `${net.weights[0]!.name}/unknown${k}`)),
    ]),
  );
  return { net, shift, scale, unknowns, transforms };
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
  return { n, x, columns, normals: nt, extra: new Map() };
}

export function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.columns.forEach((c) => c.dispose());
  b.normals?.dispose();
  b.extra.forEach((t) => t.dispose());
}

/** The parts of a problem that evaluating a model needs (a reloaded model has only these). */
export type ModelProblem = Pick<Problem, 'variables' | 'fields' | 'constants' | 'spatialIndex'>;

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
  for (const [name, t] of batch.extra) vars.set(name, J.constant(ch, t));
  const consts = new Map<string, number | tf.Tensor>(problem.constants);
  for (const [k, v] of model.unknowns) {
    const offset = model.tangent?.unknowns.get(k);
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
  };
}

/** Field jets on a batch with the given channels, output transforms applied. */
export function fieldJets(problem: ModelProblem, model: Model, batch: Batch, ch: J.Channels): Map<string, J.Jet> {
  const input = J.inputMatrix(ch, batch.x, model.shift, model.scale);
  const out = forward(ch, model.net, input, model.tangent);
  const raw = new Map(problem.fields.map((f, k) => [f, problem.fields.length === 1 ? out : J.column(ch, out, k)]));
  if (model.transforms.size === 0) return raw;
  const env = batchEnv(problem, model, batch, ch, raw);
  const vars = new Map(env.vars);
  for (const [f, jet] of raw) vars.set(rawName(f), jet);
  const tenv: EvalEnv = { ...env, vars };
  const result = new Map<string, J.Jet>();
  const memo = new Map();
  for (const f of problem.fields) {
    const t = model.transforms.get(f);
    result.set(f, t ? evaluate(t, tenv, memo) : raw.get(f)!);
  }
  return result;
}
