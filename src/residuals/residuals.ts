/**
 * Residuals of every term on its batch: one forward jet pass per point set
 * with exactly the derivative channels its terms read.
 */
import * as tf from '@tensorflow/tfjs';
import { channelsFor, evaluateValue, type J } from '../derivatives/index.js';
import { isPaired, sideName, type PointGroup, type Problem, type Term } from '../problem/index.js';
import { batchEnv, disposeBatch, fieldJets, makeBatch, type Batch, type Model } from '../model/index.js';
import { binMatrix } from './causal-bins.js';
import { CAUSAL_DEFAULTS } from '../spec/index.js';

/** Residual tensors [n, 1] of one term, one per residual expression. */
export interface TermResiduals {
  term: Term;
  values: tf.Tensor[];
  /** Domain points of a causal time-dependent run: the time-bin matrix [n, bins] (see causal-bins.ts). */
  bins?: tf.Tensor2D;
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
    if (group.set.kind === 'data') {
      const columns = group.set.columns;
      const values = group.values ?? group.set.values;
      columns.forEach((f, k) => {
        const col = new Float32Array(batch.n);
        for (let i = 0; i < batch.n; i++) col[i] = values[i * columns.length + k]!;
        batch.extra.set(`__data_${f}`, tf.keep(tf.tensor2d(col, [batch.n, 1])));
      });
    }
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
    for (const term of terms)
      out.push({
        term,
        values: term.residuals.map((r) => scaled(pair(evaluateValue(r, env)))),
        ...(bins ? { bins } : {}),
      });
  }
  return out;
}
