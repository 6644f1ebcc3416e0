/**
 * Error bars of the unknown constants of an inverse problem: a Laplace (Gauss-Newton)
 * approximation of the posterior over the unknowns and the network's last layer.
 *
 * The loss is read as a negative log-likelihood: the data terms' Gaussian misfit (the stated
 * noise, or the misfit itself as the noise estimate when none is stated), and the equations and
 * conditions weighed against it as the loss weighs them. Its Gauss-Newton Hessian over the
 * unknowns and the last layer's weights and biases (the layer whose per-point gradients one
 * reverse pass gives: see model's LastLayerOffsets) is inverted in float64; the unknowns' block
 * is their covariance. Fixing the hidden layers makes the bars a lower bound of the full
 * Laplace approximation's; docs/inverse.md shows how they cover the truth over noise draws.
 */
import * as tf from '@tensorflow/tfjs';
import type { PointGroup, Problem, Term } from '../problem/index.js';
import { unknownNumbers, type Model, type ModelTangent } from '../model/index.js';
import { computeResiduals, disposeBatches, prepareBatches, type TrainingBatch } from '../residuals/index.js';
import { spdInverse } from '../util/index.js';

export interface UnknownUncertainty {
  /** One standard deviation (absent when there is none to give: no data, or a singular misfit). */
  std?: number;
  /** std / |value|. */
  relative_std?: number;
  /** value -/+ 2 std. */
  interval_2sigma?: [number, number];
  /** Correlation with each other unknown. */
  correlation: Record<string, number>;
  /** False when the data do not pin the unknown down (see `warning`). */
  identifiable: boolean;
  /** False when it still moved by more than 2 std at the end of training (see `warning`). */
  settled: boolean;
  warning?: string;
}

/** Gauss-Newton sums of one term: sum_i w_i J_i^T J_i, its weighted misfit sum_i w_i r_i^2 and its points. */
interface TermGramian {
  term: Term;
  gram: Float64Array;
  misfit: number;
  points: number;
}

/** A correlation this close to +-1 means two unknowns are not separately identifiable. */
const CORRELATION_LIMIT = 0.99;
/** Ridge on the last layer's block, relative to its largest diagonal entry: directions no residual sees. */
const RIDGE = 1e-9;

/**
 * Each unknown's uncertainty, from the residuals on `groups` (the training terms' point groups)
 * and each term's loss weight. Undefined when the problem has no unknowns.
 */
export function unknownUncertainty(
  problem: Problem,
  model: Model,
  groups: PointGroup[],
  weightOf: (t: Term) => number,
): Record<string, UnknownUncertainty> | undefined {
  const names = [...model.unknowns.keys()];
  if (names.length === 0) return undefined;
  const numbers = unknownNumbers(model);
  const values = names.map((k) => numbers[k]!);
  const dataTerms = groups.flatMap((g) => g.terms).filter((t) => t.kind === 'data');
  if (dataTerms.length === 0)
    return unidentified(names, values, 'no data condition: nothing but the equations constrains it');
  const batches = prepareBatches(problem, groups);
  let grams: TermGramian[];
  try {
    grams = batches.flatMap((b) => b.group.terms.map((t) => termGramian(problem, model, b, t)));
  } finally {
    disposeBatches(batches);
  }
  const size = Math.sqrt(grams[0]!.gram.length);
  const hessian = posteriorHessian(grams, size, weightOf);
  const k = names.length;
  const first = size - k;
  let maxDiag = 0;
  for (let i = 0; i < first; i++) maxDiag = Math.max(maxDiag, hessian[i * size + i]!);
  for (let i = 0; i < first; i++) hessian[i * size + i] = hessian[i * size + i]! + RIDGE * maxDiag;
  const cov = spdInverse(hessian, size);
  if (!cov) return unidentified(names, values, 'the misfit is flat along it (singular Gauss-Newton Hessian)');
  const covariance = (a: number, b: number) => cov[(first + a) * size + first + b]!;
  return Object.fromEntries(names.map((name, a) => [name, describe(name, a, names, values, covariance)]));
}

/** The uncertainty entry of unknown `a`, with its identifiability verdict. */
function describe(
  name: string,
  a: number,
  names: string[],
  values: number[],
  covariance: (a: number, b: number) => number,
): UnknownUncertainty {
  const std = Math.sqrt(Math.max(covariance(a, a), 0));
  const value = values[a]!;
  const correlation = Object.fromEntries(
    names.flatMap((other, b) =>
      b === a ? [] : [[other, covariance(a, b) / Math.sqrt(covariance(a, a) * covariance(b, b))]],
    ),
  );
  const relative = std / Math.max(Math.abs(value), Number.MIN_VALUE);
  const tangled = Object.entries(correlation).find(([, r]) => Math.abs(r) > CORRELATION_LIMIT);
  const warning =
    relative >= 1
      ? `${name} is not identifiable from the data: its standard deviation ${std.toExponential(2)} is as large as its value ${value.toPrecision(4)}`
      : tangled
        ? `${name} and ${tangled[0]} are not separately identifiable from the data (correlation ${tangled[1].toFixed(3)})`
        : undefined;
  return {
    std,
    relative_std: relative,
    interval_2sigma: [value - 2 * std, value + 2 * std],
    correlation,
    identifiable: warning === undefined,
    settled: true,
    ...(warning ? { warning } : {}),
  };
}

function unidentified(names: string[], values: number[], why: string): Record<string, UnknownUncertainty> {
  return Object.fromEntries(
    names.map((name, a) => [
      name,
      {
        correlation: {},
        identifiable: false,
        settled: true,
        warning: `${name} = ${values[a]!.toPrecision(4)} is not identifiable: ${why}`,
      },
    ]),
  );
}

/**
 * The loss's Gauss-Newton Hessian, scaled so that its data part is the Gaussian misfit's: a data
 * term of loss weight w, n points and noise s (the stated noise unit, or the rms misfit) has
 * -log likelihood n / (2 w s^2) times its loss; the equations and conditions keep their weight
 * relative to it.
 */
function posteriorHessian(grams: TermGramian[], size: number, weightOf: (t: Term) => number): Float64Array {
  let scaleSum = 0;
  let dataPoints = 0;
  for (const g of grams) {
    if (g.term.kind !== 'data' || g.term.set.kind !== 'data') continue;
    const s2 = g.term.set.noiseUnit !== undefined ? g.term.set.noiseUnit ** 2 : g.misfit / g.points;
    scaleSum += g.points * (g.points / (2 * weightOf(g.term) * Math.max(s2, Number.MIN_VALUE)));
    dataPoints += g.points;
  }
  const scale = scaleSum / dataPoints;
  const h = new Float64Array(size * size);
  for (const g of grams) {
    const c = (scale * 2 * weightOf(g.term)) / g.points;
    for (let i = 0; i < h.length; i++) h[i] = h[i]! + c * g.gram[i]!;
  }
  return h;
}

/**
 * One term's Gauss-Newton sums from its per-point Jacobian rows over [last-layer weights, biases,
 * unknowns], one reverse pass per residual component.
 */
function termGramian(problem: Problem, model: Model, batch: TrainingBatch, term: Term): TermGramian {
  const n = batch.batch.n;
  const last = model.net.weights[model.net.weights.length - 1]!;
  const [width, outputs] = last.shape as [number, number];
  const names = [...model.unknowns.keys()];
  const size = width * outputs + outputs + names.length;
  const gram = new Float64Array(size * size);
  let misfit = 0;
  let points = 0;
  const components = term.residuals.length;
  for (let c = 0; c < components; c++) {
    const { residual, weight, ...j } = jacobianRows(problem, model, batch, term, c, names, width, outputs);
    const m = residual.length;
    const rows = m < n ? foldPairs(j.rows, m, size) : j.rows;
    points = m;
    for (let i = 0; i < m; i++) {
      // An inequality's loss sees only its violated points.
      if (term.kind === 'inequality' && !(residual[i]! > 0)) continue;
      const w = weight ? weight[i]! : 1;
      misfit += w * residual[i]! ** 2;
      const row = rows.subarray(i * size, (i + 1) * size);
      for (let p = 0; p < size; p++) {
        const rp = w * row[p]!;
        if (rp === 0) continue;
        for (let q = p; q < size; q++) gram[p * size + q] = gram[p * size + q]! + rp * row[q]!;
      }
    }
  }
  for (let p = 0; p < size; p++) for (let q = 0; q < p; q++) gram[p * size + q] = gram[q * size + p]!;
  return { term, gram, misfit, points };
}

/** Rows of residuals that pair point i with point i + m (periodic): each residual's row is the two points' rows summed. */
function foldPairs(rows: Float64Array, m: number, size: number): Float64Array {
  const out = new Float64Array(m * size);
  for (let i = 0; i < m * size; i++) out[i] = rows[i]! + rows[i + m * size]!;
  return out;
}

/** Per-point gradients of residual component `c` of `term` (rows of [width*outputs, outputs, unknowns]), its values and weights. */
function jacobianRows(
  problem: Problem,
  model: Model,
  batch: TrainingBatch,
  term: Term,
  c: number,
  names: string[],
  width: number,
  outputs: number,
): { rows: Float64Array; residual: Float32Array; weight?: Float32Array } {
  const n = batch.batch.n;
  let residual: tf.Tensor | undefined;
  let weight: tf.Tensor | undefined;
  const jac = tf.tidy(() => {
    const zw = tf.zeros([n, width, outputs]) as tf.Tensor3D;
    const zb = tf.zeros([n, outputs]) as tf.Tensor2D;
    const zu = names.map(() => tf.zeros([n, 1]));
    const sum = (w: tf.Tensor, b: tf.Tensor, ...u: tf.Tensor[]) => {
      const tangent: ModelTangent = {
        last: { w: w as tf.Tensor3D, b: b as tf.Tensor2D },
        unknowns: new Map(names.map((k, i) => [k, u[i]!])),
      };
      const r = computeResiduals(problem, { ...model, tangent }, [batch], (t) => t === term)[0]!;
      residual = tf.keep(r.values[c]!);
      weight = r.weights?.[c] && tf.keep(r.weights[c]!.clone());
      // tf.grads refuses an input the residual does not reach (an unknown absent from a condition): tie each in at zero.
      const tie = tf.mul(0, tf.addN([w, b, ...u].map((z) => tf.sum(z))));
      return tf.add(tf.sum(r.values[c]!), tie) as tf.Scalar;
    };
    const grads = tf.grads(sum)([zw, zb, ...zu]);
    return tf.concat([tf.reshape(grads[0]!, [n, width * outputs]), grads[1]!, ...grads.slice(2)], 1);
  });
  const out = {
    rows: Float64Array.from(jac.dataSync()),
    residual: residual!.dataSync() as Float32Array,
    ...(weight ? { weight: weight.dataSync() as Float32Array } : {}),
  };
  tf.dispose([jac, residual!, ...(weight ? [weight] : [])]);
  return out;
}

/** What the settling check reads of a training run: its records and stages. */
interface TrainingRecords {
  history: { iterations: number[] };
  stages: { iterations: number }[];
  extra: { names: string[]; values: number[][] };
}

/** The last part of the final stage over which an unknown must have settled, as a fraction of its iterations. */
const SETTLE_FRACTION = 0.2;

/**
 * Marks an unknown unsettled when its value still moved by more than two standard deviations
 * over the last fifth of the final stage: training had not settled it, whatever the bars say (the
 * last stage as a whole may move it far: L-BFGS after Adam on diffusion-inverse moves C by 0.19,
 * then holds it to 1e-6).
 */
export function withStageDrift(
  uncertainty: Record<string, UnknownUncertainty>,
  values: Record<string, number>,
  run: TrainingRecords,
): Record<string, UnknownUncertainty> {
  const total = run.stages.reduce((s, st) => s + st.iterations, 0);
  const lastStage = run.stages[run.stages.length - 1]?.iterations ?? 0;
  const from = total - Math.ceil(SETTLE_FRACTION * lastStage);
  let record = -1;
  run.history.iterations.forEach((it, k) => {
    if (it <= from) record = k;
  });
  if (record < 0) return uncertainty;
  return Object.fromEntries(
    Object.entries(uncertainty).map(([name, u]) => {
      const column = run.extra.values[run.extra.names.indexOf(`unknown_${name}`)];
      const before = column?.[record];
      const moved = before === undefined ? 0 : Math.abs(values[name]! - before);
      if (u.std === undefined || !(moved > 2 * u.std) || !u.identifiable) return [name, u];
      // An unidentifiable unknown's own warning says more; a settled one needs none.
      const warning = `${name} moved by ${moved.toExponential(2)} over the last ${Math.round(100 * SETTLE_FRACTION)}% of the last stage, more than twice its standard deviation ${u.std.toExponential(2)}: training has not settled it (train longer, or check that the data determine it)`;
      return [name, { ...u, settled: false, warning }];
    }),
  );
}
