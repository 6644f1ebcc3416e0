/** The network and its trainable state: parameters, input scaling, unknown constants, output transforms, saved model files. */
export {
  MANIFEST_FILE,
  MODEL_DIR,
  modelFiles,
  modelFromArtifacts,
  readModelFiles,
  SPEC_FILE,
  TOPOLOGY_FILE,
  WEIGHTS_FILE,
  type PinnManifest,
} from './format.js';
export {
  batchEnv,
  computedInputs,
  createModel,
  disposeBatch,
  disposeModel,
  fieldJets,
  kernelPathRefusal,
  makeBatch,
  rawName,
  trainableVariables,
  unknownNumbers,
  unknownValue,
  type Batch,
  type Model,
  type ModelProblem,
  type ModelTangent,
} from './model.js';
export { networkPathNote } from './fused.js';
export {
  evaluatesIn64,
  fieldJets64,
  fieldValues64,
  float64Unsupported,
  modelTheta64,
  type Jet64,
} from './network64.js';
export { parameterCount, type LayerProbe } from './network.js';
