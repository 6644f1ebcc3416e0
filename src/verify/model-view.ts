/** The verifier's view of a trained model: plain float64 numbers. */
import { unknownNumbers, type Model, type ModelProblem } from '../model/index.js';
import type { VerifyModel } from './bound.js';
import { plainNet } from './inet.js';

/** The verifier's view of a model: exact float64 copies of its float32 parameters, transforms and constants. */
export function verifyModel(problem: ModelProblem, model: Model): VerifyModel {
  const constants = new Map(problem.constants);
  for (const [k, v] of Object.entries(unknownNumbers(model))) constants.set(k, v);
  return {
    net: plainNet(model),
    variables: problem.variables,
    spatialIndex: problem.spatialIndex,
    fields: problem.fields,
    transforms: model.transforms,
    constants,
    ...(model.holeInputs ? { holeInputs: model.holeInputs } : {}),
  };
}
