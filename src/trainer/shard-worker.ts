/**
 * Worker thread for data-parallel training (see parallel.ts): rebuilds the
 * problem, strategy and model from the spec, holds its shard of the points,
 * and evaluates loss and gradient at the parameters it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/backends.js';
import { loadSpecWithFlags } from '../spec/load.js';
import { buildProblem } from '../problem/problem.js';
import { createRng } from '../problem/sampling/random.js';
import { createStrategy } from '../strategies/index.js';
import { createModel, trainableVariables } from '../model/model.js';
import { groupTerms, type PointGroup } from './points.js';
import { computeResiduals, disposeBatches, prepareBatches, type TrainingBatch } from './residuals.js';
import { sharedViews, type ReplicaSetup } from './parallel.js';

interface SerializedShard { points: Float64Array; normals?: Float64Array; scale: number }

const { setup, shared, shards } = workerData as { setup: ReplicaSetup; shared: SharedArrayBuffer; shards: SerializedShard[] };
const report = sharedViews(shared, setup.parameters, setup.parts.length);

try {
  await selectBackend(setup.backend);
  const spec = loadSpecWithFlags(setup.specFile, setup.sets, { strategy: setup.strategy, seed: setup.seed });
  const problem = buildProblem(spec);
  const strategy = createStrategy(spec.constraints.strategy, problem);
  const model = createModel(problem, createRng(0), strategy.transforms);
  const vars = trainableVariables(model);
  const groups = groupTerms(problem.terms.filter((t) => !strategy.exactTerms.has(t)));
  const build = (list: SerializedShard[]): TrainingBatch[] => {
    if (list.length !== groups.length) throw new Error(`expected ${groups.length} point groups, got ${list.length}`);
    const pointGroups: PointGroup[] = groups.map((g, k) => ({ ...g, points: list[k]!.points, normals: list[k]!.normals }));
    return prepareBatches(problem, pointGroups).map((b, k) => ({ ...b, scale: list[k]!.scale }));
  };
  let batches = build(shards);
  report.done();

  parentPort!.on('message', (msg: { kind: 'points'; shards: SerializedShard[] } | { kind: 'evaluate'; theta: Float32Array; readParts: boolean }) => {
    try {
      if (msg.kind === 'points') {
        disposeBatches(batches);
        batches = build(msg.shards);
        report.done();
        return;
      }
      let offset = 0;
      for (const v of vars) {
        const slice = msg.theta.subarray(offset, offset + v.size);
        tf.tidy(() => v.assign(tf.tensor(slice, v.shape)));
        offset += v.size;
      }
      tf.tidy(() => {
        let parts: Map<string, tf.Scalar> | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const lp = strategy.loss(computeResiduals(problem, model, batches));
          parts = lp.parts;
          if (msg.readParts) setup.parts.forEach((p, k) => { report.values[1 + setup.parameters + k] = lp.parts.get(p)?.dataSync()[0] ?? 0; });
          return lp.total;
        }, vars);
        void parts;
        report.values[0] = value.dataSync()[0]!;
        let o = 1;
        for (const v of vars) {
          report.values.set(grads[v.name]!.dataSync() as Float32Array, o);
          o += v.size;
        }
      });
      report.done();
    } catch (err) {
      report.fail((err as Error).message);
    }
  });
} catch (err) {
  report.fail((err as Error).message);
}
