/**
 * Worker thread for data-parallel training (see parallel.ts): rebuilds the
 * problem, strategy and model from the spec, holds its shard of the points,
 * and evaluates loss and gradient at the parameters it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/index.js';
import { loadSpecWithFlags } from '../spec/index.js';
import { buildProblem, groupTerms, type PointGroup } from '../problem/index.js';
import { createRng } from '../util/index.js';
import { createStrategy } from '../strategies/index.js';
import { createModel, trainableVariables } from '../model/index.js';
import { disposeBatches, prepareBatches, type TrainingBatch } from '../residuals/index.js';
import { evaluateLoss } from './evaluate.js';
import { gaussNewtonSystem } from './jacobian.js';
import { packTensors, setFlat, totalSize } from './flat.js';
import { sharedViews, type ReplicaSetup, type SerializedShard } from './parallel.js';

const { setup, shared, shards } = workerData as {
  setup: ReplicaSetup;
  shared: SharedArrayBuffer;
  shards: SerializedShard[];
};
const report = sharedViews(shared, setup.parameters, setup.parts.length, parentPort!);

try {
  await selectBackend(setup.backend);
  const spec = loadSpecWithFlags(setup.specFile, setup.sets, { strategy: setup.strategy, seed: setup.seed });
  const problem = buildProblem(spec);
  const strategy = createStrategy(spec.constraints.strategy, problem);
  const model = createModel(problem, createRng(0), strategy.transforms);
  const vars = trainableVariables(model);
  const size = totalSize(vars);
  const groups = groupTerms(problem.terms.filter((t) => !strategy.exactTerms.has(t)));
  const build = (list: SerializedShard[]): TrainingBatch[] => {
    if (list.length !== groups.length) throw new Error(`expected ${groups.length} point groups, got ${list.length}`);
    const pointGroups: PointGroup[] = groups.map((g, k) => ({
      ...g,
      points: list[k]!.points,
      normals: list[k]!.normals,
      values: list[k]!.values,
      sigma: list[k]!.sigma,
    }));
    return prepareBatches(problem, pointGroups).map((b, k) => ({ ...b, scale: list[k]!.scale }));
  };
  let batches = build(shards);
  report.done();

  // The loop ends when the main thread terminates the worker.
  for (;;) {
    const msg = report.next();
    try {
      if (msg.kind === 'points') {
        disposeBatches(batches);
        batches = build(msg.shards);
        report.done();
        continue;
      }
      setFlat(vars, msg.theta);
      if (msg.kind === 'system') {
        const sys = gaussNewtonSystem(problem, model, strategy, batches, size, () => true);
        const view = new Float64Array(msg.buffer);
        view[0] = sys.f;
        view.set(sys.g, 1);
        view.set(sys.gram, 1 + size);
        report.done();
        continue;
      }
      tf.tidy(() => {
        const { value, grads, parts } = evaluateLoss(problem, model, strategy, batches, vars, msg.readParts);
        if (parts)
          setup.parts.forEach((p, k) => {
            report.values[1 + setup.parameters + k] = parts[p] ?? 0;
          });
        report.values[0] = value.dataSync()[0]!;
        packTensors(grads, report.values.subarray(1));
      });
      report.done();
    } catch (err) {
      report.fail((err as Error).message);
    }
  }
} catch (err) {
  report.fail((err as Error).message);
}
