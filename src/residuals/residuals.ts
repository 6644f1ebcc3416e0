/**
 * Residuals of every term on its batch: one forward jet pass per point set
 * with exactly the derivative channels its terms read.
 */
import * as tf from '@tensorflow/tfjs';
import { channelsFor, evaluateValue, type J } from '../derivatives/index.js';
import { isPaired, sideName, type PointGroup, type PointSet, type Problem, type Term } from '../problem/index.js';
import { batchEnv, disposeBatch, fieldJets, makeBatch, type Batch, type Model } from '../model/index.js';
import { binMatrix } from './causal-bins.js';
import { CAUSAL_DEFAULTS } from '../spec/index.js';

/** Residual tensors [n, 1] of one term, one per residual expression. */
export interface TermResiduals {
  term: Term;
  values: tf.Tensor[];
  /** Domain points of a causal time-dependent run: the time-bin matrix [n, bins] (see causal-bins.ts). */
  bins?: tf.Tensor2D;
  /** Per-point weights of each residual (1 / sigma^2 of observations with a stated noise); absent: 1. */
  weights?: tf.Tensor[];
}

export interface TrainingBatch {
  group: PointGroup;
  batch: Batch;
  ch: J.Channels;
  /** Residual scale of a data-parallel shard (see trainer/parallel.ts); 1 when absent. */
  scale?: number;
  /** Time-bin matrix of the domain points when training.causal is on (causal-bins.ts). */
  bins?: tf.Tensor2D;
}

export function prepareBatches(problem: Problem, groups: PointGroup[]): TrainingBatch[] {
  return groups.map((group) => {
    const batch = makeBatch(group.points, problem.variables.length, group.normals, problem.dim);
    if (group.set.kind === 'data') bindObservations(group, group.set, batch);
    if (group.set.kind === 'interface') {
      // The first half of the rows stands for the region's side, the second for the other.
      const side = Float32Array.from({ length: batch.n }, (_, i) => (i < batch.n / 2 ? 1 : -1));
      batch.extra.set(sideName(group.set.region), tf.keep(tf.tensor2d(side, [batch.n, 1])));
    }
    const ch = channelsFor(
      problem,
      group.terms.flatMap((t) => t.residuals),
    );
    const causal = problem.spec.training.causal && problem.time && group.set.kind === 'domain';
    if (!causal) return { group, batch, ch };
    const nv = problem.variables.length;
    const times = Float64Array.from({ length: batch.n }, (_, i) => group.points[i * nv + problem.dim]!);
    const bins = tf.keep(
      binMatrix(
        times,
        problem.time!.min,
        problem.time!.max,
        (problem.spec.training.causalOptions ?? CAUSAL_DEFAULTS).bins,
      ),
    );
    return { group, batch, ch, bins };
  });
}

/** Binds a data group's observed values, and their weights when the noise is stated, as batch columns. */
function bindObservations(group: PointGroup, set: Extract<PointSet, { kind: 'data' }>, batch: Batch): void {
  const { values, sigma } = group;
  if (!values) throw new Error(`internal: data group ${set.columns.join(', ')} without its values`);
  const nc = set.columns.length;
  const column = (cells: Float64Array, k: number, map: (v: number) => number) =>
    tf.keep(
      tf.tensor2d(
        Float32Array.from({ length: batch.n }, (_, i) => map(cells[i * nc + k]!)),
        [batch.n, 1],
      ),
    );
  const unit = set.noiseUnit ?? 1;
  set.columns.forEach((f, k) => {
    batch.extra.set(
      `__data_${f}`,
      column(values, k, (v) => v),
    );
    if (sigma)
      batch.extra.set(
        dataWeightName(f),
        column(sigma, k, (s) => (unit / s) ** 2),
      );
  });
}

/** The batch column holding 1 / sigma^2 of each observation of field f. */
const dataWeightName = (f: string): string => `__weight_${f}`;

/** Per-point weights 1 / sigma^2 of a data term's residuals (one per observed column, in residual order). */
function dataWeights(columns: string[], batch: Batch): tf.Tensor[] {
  return columns.map((f) => batch.extra.get(dataWeightName(f))!);
}

export function disposeBatches(batches: TrainingBatch[]): void {
  batches.forEach((b) => {
    disposeBatch(b.batch);
    b.bins?.dispose();
  });
}

/** Residual tensors of the given terms (all terms of each batch unless filtered). */
export function computeResiduals(
  problem: Problem,
  model: Model,
  batches: TrainingBatch[],
  include: (t: Term) => boolean = () => true,
): TermResiduals[] {
  const out: TermResiduals[] = [];
  for (const { group, batch, ch, scale, bins } of batches) {
    const terms = group.terms.filter(include);
    if (terms.length === 0) continue;
    const fields = fieldJets(problem, model, batch, ch);
    const env = batchEnv(problem, model, batch, ch, fields);
    // Periodic batches hold n low-side rows then n high-side rows: residual = low - high.
    const h = batch.n / 2;
    const pair = (v: tf.Tensor) =>
      isPaired(group.set) ? tf.sub(tf.slice(v, [0, 0], [h, 1]), tf.slice(v, [h, 0], [h, 1])) : v;
    const scaled = (v: tf.Tensor) => (scale === undefined || scale === 1 ? v : tf.mul(v, scale));
    const weights = group.set.kind === 'data' && group.sigma ? dataWeights(group.set.columns, batch) : undefined;
    for (const term of terms)
      out.push({
        term,
        values: term.residuals.map((r) => scaled(pair(evaluateValue(r, env)))),
        ...(bins ? { bins } : {}),
        ...(weights ? { weights } : {}),
      });
  }
  return out;
}
