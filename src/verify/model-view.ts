/** The verifier's view of a trained model: plain float64 numbers. */
import type { Model, ModelProblem } from '../model/index.js';
import type { VerifyModel } from './bound.js';
import { plainNet } from './inet.js';

/** The verifier's view of a model: exact float64 copies of its float32 parameters, transforms and constants. */
export function verifyModel(problem: ModelProblem, model: Model): VerifyModel {
  const constants = new Map(problem.constants);
  for (const [k, v] of model.unknowns) constants.set(k, v.dataSync()[0]!);
  return {
    net: plainNet(model),
    variables: problem.variables,
    spatialIndex: problem.spatialIndex,
    fields: problem.fields,
    transforms: model.transforms,
    constants,
  };
}
