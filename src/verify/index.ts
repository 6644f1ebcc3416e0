/** `pinn verify` building blocks: a trained model as plain numbers, and the verifier. */
import type { Model, ModelProblem } from '../model/model.js';
import type { VerifyModel } from './bound.js';
import { plainNet } from './inet.js';

export { verifyProblem, exitCodeOf, branchAndBound, type ConstraintResult, type VerifyOptions } from './verify.js';
export { residualBounds, fieldJets, type VerifyModel, type Box } from './bound.js';
export { buildRegion } from './regions.js';

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
