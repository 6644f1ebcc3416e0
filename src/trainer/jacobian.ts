/**
 * The generalized Gauss-Newton system of the training loss at the current parameters, in float64:
 * the loss f, its gradient g = J^T l' and the matrix G = J^T diag(l'') J over the trainable
 * variables (trainableVariables order). J holds each residual row's gradient with respect to the
 * parameters, one reverse pass per residual component through zero per-layer probes (LayerProbe);
 * l' and l'' are the strategy loss's first and second derivatives with respect to each residual
 * row. Every strategy's loss is a sum of per-row functions with its state held fixed (weighted mean
 * squares, multiplier terms, barriers, causal bin weights), so l'' is diagonal and G is the exact
 * Gauss-Newton matrix of that loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { J } from '../derivatives/index.js';
import type { Problem, Term } from '../problem/index.js';
import { unknownValue, type LayerProbe, type Model } from '../model/index.js';
import type { Strategy } from '../strategies/index.js';
import { computeResiduals, type TermResiduals, type TrainingBatch } from '../residuals/index.js';
import { addWeightedGram } from '../kernels/index.js';

export interface GaussNewtonSystem {
  f: number;
  g: Float64Array;
  /** Row-major size x size, symmetric. */
  gram: Float64Array;
  size: number;
  /** With float64 residuals: the loss as a quadratic in them about this point (quadraticLoss). */
  rows?: QuadraticRows;
}

/** The loss about residual rows r: f + sum first (r' - r) + second (r' - r)^2 / 2, exact for a loss quadratic in each row. */
export interface QuadraticRows {
  r: Float64Array[];
  first: Float64Array[];
  second: Float32Array[];
}

/** A channel of a jet: the value, a first or second derivative, or the Laplacian. */
type Slot = { kind: 'v' } | { kind: 'd'; i: number } | { kind: 'dd'; key: string } | { kind: 'lap' };

function slotsOf(j: J.Jet): Slot[] {
  const slots: Slot[] = [{ kind: 'v' }];
  j.d.forEach((t, i) => {
    if (t) slots.push({ kind: 'd', i });
  });
  for (const key of j.dd.keys()) slots.push({ kind: 'dd', key });
  if (j.lap) slots.push({ kind: 'lap' });
  return slots;
}

function slotTensor(j: J.Jet, s: Slot): tf.Tensor {
  const t = s.kind === 'v' ? j.v : s.kind === 'd' ? j.d[s.i] : s.kind === 'dd' ? j.dd.get(s.key) : j.lap;
  if (!t) throw new Error('internal: a probed channel is missing');
  return t;
}

function withSlot(j: J.Jet, s: Slot, t: tf.Tensor): J.Jet {
  if (s.kind === 'v') return { ...j, v: t };
  if (s.kind === 'd') return { ...j, d: j.d.map((x, i) => (i === s.i ? t : x)) };
  if (s.kind === 'dd') return { ...j, dd: new Map(j.dd).set(s.key, t) };
  return { ...j, lap: t };
}

/** The loss, and its derivatives with respect to every residual row, in computeResiduals order. (A type, so tf.tidy can return it.) */
type LossDerivatives = {
  f: number;
  first: Float32Array[];
  second: Float32Array[];
  /** The residual rows they were taken at. */
  rows: Float32Array[];
};

function lossDerivatives(strategy: Strategy, residuals: TermResiduals[]): LossDerivatives {
  const xs = residuals.flatMap((r) => r.values);
  const rebuilt = (ts: tf.Tensor[]): TermResiduals[] => {
    let k = 0;
    return residuals.map((r) => ({ ...r, values: r.values.map(() => ts[k++]!) }));
  };
  const loss = (...ts: tf.Tensor[]) => strategy.loss(rebuilt(ts)).total;
  const f = loss(...xs).dataSync()[0]!;
  const first = tf.grads(loss)(xs);
  // Each row's loss depends on that row alone: the gradient of the summed first derivatives is l''.
  const second = tf.grads(
    (...ts: tf.Tensor[]) =>
      tf.addN(
        tf
          .grads(loss)(ts)
          .map((t) => tf.sum(t)),
      ) as tf.Scalar,
  )(xs);
  return {
    f,
    first: first.map((t) => t.dataSync() as Float32Array),
    second: second.map((t) => t.dataSync() as Float32Array),
    rows: xs.map((t) => t.dataSync() as Float32Array),
  };
}

/**
 * Moves the loss and its first derivatives from the float32 rows they were taken at to the float64
 * rows `rows64` (same order), exactly for a loss quadratic in each row (trainer/float64.ts says which are).
 */
function atFloat64Rows(d: LossDerivatives, rows64: Float64Array[]): { f: number; rows: QuadraticRows } {
  let f = d.f;
  const first = rows64.map((r64, k) => {
    const r32 = d.rows[k]!;
    const l1 = d.first[k]!;
    const l2 = d.second[k]!;
    if (r64.length !== r32.length) throw new Error('internal: float64 residual rows do not match the float32 ones');
    return r64.map((r, i) => {
      const delta = r - r32[i]!;
      f += l1[i]! * delta + (l2[i]! * delta * delta) / 2;
      return l1[i]! + l2[i]! * delta;
    });
  });
  return { f, rows: { r: rows64, first, second: d.second } };
}

/** The loss at float64 rows `trial` by the quadratic of `rows` about its own rows, from loss `f` there. */
export function quadraticLoss(f: number, rows: QuadraticRows, trial: Float64Array[]): number {
  let total = f;
  trial.forEach((t, k) => {
    const r = rows.r[k]!;
    const l1 = rows.first[k]!;
    const l2 = rows.second[k]!;
    for (let i = 0; i < t.length; i++) {
      const delta = t[i]! - r[i]!;
      total += l1[i]! * delta + (l2[i]! * delta * delta) / 2;
    }
  });
  return total;
}

/** The channels each layer's pre-activation carries on a batch, from one forward pass (the probes need them beforehand). */
function slotsOnBatch(problem: Problem, model: Model, tb: TrainingBatch, term: Term): Slot[][] {
  const slots: Slot[][] = [];
  const probe: LayerProbe = {
    layer(l, _input, pre) {
      slots[l] = slotsOf(pre);
      return pre;
    },
  };
  tf.tidy(() => {
    computeResiduals(problem, { ...model, probe }, [tb], (t) => t === term);
  });
  return slots;
}

/**
 * Per-row gradients [m, size] of residual component `c` of `term` on its batch with respect to
 * every trainable variable (m: the residual's rows; periodic pairs fold their two points).
 */
function jacobianRows(
  problem: Problem,
  model: Model,
  tb: TrainingBatch,
  term: Term,
  c: number,
  slots: Slot[][],
): Float32Array {
  const n = tb.batch.n;
  const net = model.net;
  const names = [...model.unknowns.keys()];
  const jac = tf.tidy(() => {
    const probes = slots.map((ss, l) => ss.map(() => tf.zeros([n, net.weights[l]!.shape[1]!])));
    const offsets = names.map(() => tf.zeros([n, 1]));
    const inputs: tf.Tensor[][] = [];
    let rows = 0;
    const sum = (...xs: tf.Tensor[]) => {
      let k = 0;
      const layerProbes = slots.map((ss) => ss.map(() => xs[k++]!));
      const unknowns = new Map(names.map((name) => [name, xs[k++]!]));
      const probe: LayerProbe = {
        layer(l, input, pre) {
          inputs[l] = slots[l]!.map((s) => tf.keep(tf.broadcastTo(slotTensor(input, s), [n, input.v.shape[1]!])));
          return slots[l]!.reduce((z, s, i) => withSlot(z, s, tf.add(slotTensor(z, s), layerProbes[l]![i]!)), pre);
        },
      };
      const r = computeResiduals(problem, { ...model, probe, tangent: { unknowns } }, [tb], (t) => t === term)[0]!;
      const v = r.values[c]!;
      rows = v.shape[0]!;
      // tf.grads refuses an input the residual does not reach (an unknown absent from the term): tie each in at zero.
      const tie = tf.mul(0, tf.addN(xs.map((x) => tf.sum(x))));
      return tf.add(tf.sum(v), tie) as tf.Scalar;
    };
    const grads = tf.grads(sum)([...probes.flat(), ...offsets]);
    let k = 0;
    const weightCols: tf.Tensor[] = [];
    const biasCols: tf.Tensor[] = [];
    slots.forEach((ss, l) => {
      const deltas = ss.map(() => grads[k++]!);
      const a = tf.stack(inputs[l]!, 1) as tf.Tensor3D;
      const d = tf.stack(deltas, 1) as tf.Tensor3D;
      const [fanIn, fanOut] = net.weights[l]!.shape as [number, number];
      weightCols.push(tf.reshape(tf.matMul(a, d, true, false), [n, fanIn * fanOut]));
      biasCols.push(deltas[0]!);
    });
    // An unknown's column: d r / d value times d value / d variable (a bounded unknown's value is mapped).
    const unknownCols = names.map((name) => tf.mul(grads[k++]!, unknownSlope(model, name)));
    inputs.flat().forEach((t) => t.dispose());
    const full = tf.concat([...weightCols, ...biasCols, ...unknownCols], 1);
    if (rows === n) return full;
    // Periodic pairs: the residual is low - high, so each row is the two points' gradients summed.
    return tf.add(tf.slice(full, [0, 0], [rows, -1]), tf.slice(full, [rows, 0], [rows, -1]));
  });
  const out = jac.dataSync() as Float32Array;
  jac.dispose();
  return out;
}

/** d value / d variable of an unknown: 1, or the slope of its bounds' map. */
function unknownSlope(model: Model, name: string): tf.Tensor {
  if (!model.unknownBounds?.has(name)) return tf.scalar(1);
  const value = (raw: tf.Tensor) =>
    unknownValue({ ...model, unknowns: new Map([[name, raw as tf.Variable]]) }, name) as tf.Scalar;
  return tf.grad(value)(model.unknowns.get(name)!);
}

/**
 * The system on `batches` for the terms `include` keeps, at the model's current parameters.
 * `size`: the number of trainable parameters. With `rows64` (the residual rows in float64, at the
 * float64 parameters the model's float32 ones round), the loss and gradient are taken at those.
 */
export function gaussNewtonSystem(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  batches: TrainingBatch[],
  size: number,
  include: (t: Term) => boolean,
  rows64?: Float64Array[],
): GaussNewtonSystem {
  const derivs32 = tf.tidy(() => lossDerivatives(strategy, computeResiduals(problem, model, batches, include)));
  const moved = rows64 && atFloat64Rows(derivs32, rows64);
  const derivs = { f: moved?.f ?? derivs32.f, first: moved?.rows.first ?? derivs32.first, second: derivs32.second };
  const g = new Float64Array(size);
  const gram = new Float64Array(size * size);
  let k = 0;
  for (const tb of batches) {
    const terms = tb.group.terms.filter(include);
    if (terms.length === 0) continue;
    const slots = slotsOnBatch(problem, model, tb, terms[0]!);
    for (const term of terms) {
      for (let c = 0; c < term.residuals.length; c++) {
        const first = derivs.first[k]!;
        const second = derivs.second[k++]!;
        const rows = jacobianRows(problem, model, tb, term, c, slots);
        const m = first.length;
        for (let i = 0; i < m; i++) {
          const w = first[i]!;
          if (w === 0) continue;
          for (let p = 0; p < size; p++) g[p] = g[p]! + w * rows[i * size + p]!;
        }
        addWeightedGram(gram, size, rows, m, second);
      }
    }
  }
  return { f: derivs.f, g, gram, size, ...(moved && { rows: moved.rows }) };
}
