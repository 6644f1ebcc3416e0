/**
 * The saved model: what `model/` in a run folder holds, and how it is read back.
 *
 *   model/model.json          TensorFlow.js layers-model JSON: `modelTopology` (a tf.sequential of
 *                             dense layers) and `weightsManifest` pointing at weights.bin. Loadable
 *                             by `tf.loadLayersModel` when every layer exists in tfjs-layers
 *                             (activations tanh, sigmoid, relu, gelu, silu as 'swish', and no
 *                             Fourier features). Its first layer, `input_scaling`, is the fixed
 *                             affine map (x - shift) * scale, so it takes raw coordinates; its
 *                             output is the raw network output, before the output transforms.
 *                             For `sin` activations or Fourier features, which tfjs-layers lacks,
 *                             `modelTopology` is null and `format` is "pinn-weights": the weights
 *                             manifest and weights.bin keep the same binary format (little-endian
 *                             float32, tf.io weight specs), and pinn.json says how to use them.
 *   model/weights.bin         The weights, in the order of the weights manifest.
 *   model/pinn.json           The pinn manifest: variables, fields, input shift/scale, network
 *                             shape and activation, the weight names of each layer (and of the
 *                             Fourier matrix), constants, unknown constants' trained values, and
 *                             each field's output transform as expression IR (plain data).
 *   model/spec.resolved.yaml  The resolved spec the model was trained on.
 *
 * `pinn eval` (and `loadRunModel` in src/run/load-run.ts) read pinn.json + model.json's weights
 * manifest + weights.bin and rebuild the exact model, transforms and unknowns included.
 */
import * as tf from '@tensorflow/tfjs';
import type { Expr } from '../expr/index.js';
import type { ActivationName } from '../spec/index.js';
import { unknownNumbers, type Kink, type Model, type ModelProblem, type RegionDistance } from './model.js';
import type { NetworkParams } from './network.js';

export const MODEL_DIR = 'model';
export const MANIFEST_FILE = 'pinn.json';
export const TOPOLOGY_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const SPEC_FILE = 'spec.resolved.yaml';

/** tfjs-layers activation identifier for each of ours, where tfjs-layers has one. */
const LAYERS_ACTIVATION: Partial<Record<ActivationName, string>> = {
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  gelu: 'gelu',
  silu: 'swish',
};

export interface PinnManifest {
  format: 'pinn-model';
  version: 1;
  pinn_version: string;
  name: string;
  /** Network input order: spatial variables, then t. */
  variables: string[];
  spatial_index: number[];
  fields: string[];
  /** Numeric constants of the problem (pi, e and the spec's), by name. */
  constants: Record<string, number>;
  /** Trained values of unknown constants. */
  unknowns: Record<string, number>;
  /** Network input = (x - shift) * scale, per variable; of log(x) for the variables listed in `log`. */
  input: { shift: number[]; scale: number[]; log?: number[] };
  /** Parameter ranges (the last variables, spec `parameters:`); absent: none. */
  parameters?: { name: string; min: number; max: number; scale: 'linear' | 'log' }[];
  network: {
    inputs: number;
    hidden: number[];
    outputs: number;
    activation: ActivationName;
    fourier_features?: { count: number; scale: number };
  };
  /**
   * Names in the weights manifest. Forward pass: h = input; with `fourier` B,
   * h = [sin(2 pi h B), cos(2 pi h B)]; then h = act(h W_l + b_l) for every layer
   * but the last, which is linear. Output column k is field k's raw value.
   */
  weights: { fourier?: string; kernels: string[]; biases: string[] };
  /** Per field: value = transform, an expression of variables, constants and `__raw_<field>`. */
  transforms: Record<string, Expr>;
  /** Named regions by distance function (their side variables, see model.ts regionSides); absent: none. */
  regions?: RegionDistance[];
  /** The kink representation at interfaces (model.ts Kink): extra inputs or per-piece outputs; absent: none. */
  kink?: Kink;
  /** Inputs after the scaled variables, one expression of the variables per hole (model.ts holeInput); absent: none. */
  hole_inputs?: Expr[];
  /** float64: evaluate field values in float64 (the model was trained to that precision); absent: float32. */
  precision?: 'float64';
  /** Whether model.json loads with tf.loadLayersModel (else see `format` above). */
  layers_model: boolean;
  files: { topology: string; weights: string; spec: string };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The files of model/ (names relative to it), from a trained model. */
export function modelFiles(
  problem: ModelProblem & { name: string },
  model: Model,
  specYaml: string,
  pinnVersion: string,
): { name: string; content: string | Uint8Array }[] {
  const net = model.net;
  const layersActivation = LAYERS_ACTIVATION[net.shape.activation];
  const layersModel =
    layersActivation !== undefined && !net.fourier && !model.kink && !model.logInputs && !model.holeInputs;
  const weights = weightTable(model, problem.variables.length);
  const manifest = pinnManifest(problem, model, weights, layersModel, pinnVersion);
  const topology = layersModel ? layersTopology(net, problem.variables.length, weights.names, layersActivation) : null;
  const modelJson = {
    format: layersModel ? 'layers-model' : 'pinn-weights',
    generatedBy: `pinn ${pinnVersion}`,
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.specs }],
    userDefinedMetadata: {
      pinn: layersModel
        ? `input: raw coordinates (${problem.variables.join(', ')}); output: raw network values (${problem.fields.join(', ')}), before the output transforms in ${MANIFEST_FILE}`
        : `no tfjs-layers equivalent (${noLayersReason(model)}); load with 'pinn eval' or read ${MANIFEST_FILE} with these weights`,
    },
  };
  return [
    { name: WEIGHTS_FILE, content: concatBytes(weights.chunks) },
    { name: TOPOLOGY_FILE, content: `${JSON.stringify(modelJson)}\n` },
    { name: SPEC_FILE, content: specYaml },
    { name: MANIFEST_FILE, content: `${JSON.stringify(manifest, null, 2)}\n` },
  ];
}

/** Every weight in file order, with its name and shape: input scaling, Fourier features, then the layers. */
interface WeightTable {
  specs: WeightSpec[];
  chunks: Float32Array[];
  /** Layer names, input side first. */
  names: string[];
  fourier: string | undefined;
}

function weightTable(model: Model, nVars: number): WeightTable {
  const net = model.net;
  const specs: WeightSpec[] = [];
  const chunks: Float32Array[] = [];
  const add = (name: string, shape: number[], data: ArrayLike<number>) => {
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(Float32Array.from(data));
  };
  // The fixed input scaling as a dense layer: kernel diag(scale), bias -shift * scale.
  const diag = new Array<number>(nVars * nVars).fill(0);
  for (let i = 0; i < nVars; i++) diag[i * nVars + i] = model.scale[i]!;
  add('input_scaling/kernel', [nVars, nVars], diag);
  add(
    'input_scaling/bias',
    [nVars],
    model.shift.map((s, i) => -s * model.scale[i]!),
  );
  let fourier: string | undefined;
  if (net.fourier) {
    fourier = 'fourier_features/kernel';
    add(fourier, net.fourier.shape, net.fourier.dataSync());
  }
  const names = layerNames(net);
  net.weights.forEach((w, l) => {
    add(`${names[l]}/kernel`, w.shape, w.dataSync());
    add(`${names[l]}/bias`, [net.biases[l]!.size], net.biases[l]!.dataSync());
  });
  return { specs, chunks, names, fourier };
}

function pinnManifest(
  problem: ModelProblem & { name: string },
  model: Model,
  weights: WeightTable,
  layersModel: boolean,
  pinnVersion: string,
): PinnManifest {
  const net = model.net;
  return {
    format: 'pinn-model',
    version: 1,
    pinn_version: pinnVersion,
    name: problem.name,
    variables: problem.variables,
    spatial_index: problem.spatialIndex,
    fields: problem.fields,
    constants: Object.fromEntries(problem.constants),
    unknowns: unknownNumbers(model),
    input: { shift: model.shift, scale: model.scale, ...(model.logInputs ? { log: model.logInputs } : {}) },
    ...(problem.parameters?.length
      ? { parameters: problem.parameters.map(({ name, min, max, scale }) => ({ name, min, max, scale })) }
      : {}),
    network: {
      inputs: net.shape.inputs,
      hidden: net.shape.hidden,
      outputs: net.shape.outputs,
      activation: net.shape.activation,
      ...(net.shape.fourierFeatures ? { fourier_features: net.shape.fourierFeatures } : {}),
    },
    weights: {
      ...(weights.fourier ? { fourier: weights.fourier } : {}),
      kernels: weights.names.map((n) => `${n}/kernel`),
      biases: weights.names.map((n) => `${n}/bias`),
    },
    transforms: Object.fromEntries(model.transforms),
    ...(model.regions.length ? { regions: model.regions } : {}),
    ...(model.kink ? { kink: model.kink } : {}),
    ...(model.holeInputs ? { hole_inputs: model.holeInputs } : {}),
    ...(model.values64 ? { precision: 'float64' as const } : {}),
    layers_model: layersModel,
    files: { topology: TOPOLOGY_FILE, weights: WEIGHTS_FILE, spec: SPEC_FILE },
  };
}

function noLayersReason(model: Model): string {
  if (model.net.fourier) return 'Fourier features';
  if (model.kink) return `interface kink (${model.kink.kind})`;
  if (model.holeInputs) return 'hole inputs';
  if (model.logInputs) return 'log-scale parameter inputs';
  return `activation ${model.net.shape.activation}`;
}

function layerNames(net: NetworkParams): string[] {
  const last = net.weights.length - 1;
  return net.weights.map((_, l) => (l === last ? 'output' : `dense_${l}`));
}

function concatBytes(chunks: Float32Array[]): Uint8Array {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new Uint8Array(all.buffer);
}

/** Keras-style topology of the equivalent tf.sequential (built, serialised, disposed). */
function layersTopology(net: NetworkParams, nVars: number, names: string[], activation: string): unknown {
  const last = net.weights.length - 1;
  const seq = tf.sequential({ name: 'pinn_mlp' });
  seq.add(
    tf.layers.dense({
      inputShape: [nVars],
      units: nVars,
      activation: 'linear',
      name: 'input_scaling',
      trainable: false,
    }),
  );
  net.weights.forEach((w, l) => {
    seq.add(
      tf.layers.dense({
        units: w.shape[1]!,
        activation: (l === last ? 'linear' : activation) as 'linear',
        name: names[l]!,
      }),
    );
  });
  const topology = seq.toJSON(undefined, false);
  seq.layers.forEach((layer) => layer.dispose());
  return topology;
}

/** Reads the artifacts back: the manifest, and the weights by name. */
export function readModelFiles(
  files: { manifest: string; topology: string; weights: Uint8Array },
  where: string,
): { manifest: PinnManifest; tensors: Record<string, tf.Tensor> } {
  let manifest: PinnManifest;
  let modelJson: { weightsManifest?: { paths: string[]; weights: WeightSpec[] }[] };
  try {
    manifest = JSON.parse(files.manifest) as PinnManifest;
  } catch (err) {
    throw new ModelFormatError(`${where}/${MANIFEST_FILE}: not valid JSON (${(err as Error).message})`);
  }
  try {
    modelJson = JSON.parse(files.topology) as typeof modelJson;
  } catch (err) {
    throw new ModelFormatError(`${where}/${TOPOLOGY_FILE}: not valid JSON (${(err as Error).message})`);
  }
  if (manifest.format !== 'pinn-model' || manifest.version !== 1)
    throw new ModelFormatError(
      `${where}/${MANIFEST_FILE}: not a pinn model manifest (format ${String(manifest.format)}, version ${String(manifest.version)}); expected format pinn-model version 1`,
    );
  const specs = (modelJson.weightsManifest ?? []).flatMap((g) => g.weights);
  const bytes = specs.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes !== files.weights.byteLength)
    throw new ModelFormatError(
      `${where}/${WEIGHTS_FILE}: ${files.weights.byteLength} bytes, but the weights manifest in ${TOPOLOGY_FILE} describes ${bytes}`,
    );
  const copy = new Uint8Array(files.weights.byteLength);
  copy.set(files.weights);
  const tensors = tf.io.decodeWeights(copy.buffer, specs) as Record<string, tf.Tensor>;
  const need = [
    ...manifest.weights.kernels,
    ...manifest.weights.biases,
    ...(manifest.weights.fourier ? [manifest.weights.fourier] : []),
  ];
  const missing = need.filter((n) => !tensors[n]);
  if (missing.length)
    throw new ModelFormatError(`${where}/${TOPOLOGY_FILE}: the weights manifest lacks ${missing.join(', ')}`);
  return { manifest, tensors };
}

class ModelFormatError extends Error {}

/** A model and the problem view it evaluates on, rebuilt from the saved artifacts. */
export function modelFromArtifacts(
  manifest: PinnManifest,
  tensors: Record<string, tf.Tensor>,
): { model: Model; view: ModelProblem & { name: string } } {
  const w = manifest.weights;
  const weights = w.kernels.map((n) => tf.variable(tensors[n]!, false));
  const biases = w.biases.map((n) => tf.variable(tf.reshape(tensors[n]!, [1, -1]), false));
  const fourier = w.fourier ? tf.keep(tensors[w.fourier] as tf.Tensor2D) : undefined;
  for (const [name, t] of Object.entries(tensors)) if (name !== w.fourier) t.dispose();
  const net: NetworkParams = {
    shape: {
      inputs: manifest.network.inputs,
      hidden: manifest.network.hidden,
      outputs: manifest.network.outputs,
      activation: manifest.network.activation,
      fourierFeatures: manifest.network.fourier_features,
    },
    weights,
    biases,
    fourier,
  };
  const unknowns = new Map(Object.entries(manifest.unknowns).map(([k, v]) => [k, tf.variable(tf.scalar(v), false)]));
  const model: Model = {
    net,
    shift: manifest.input.shift,
    scale: manifest.input.scale,
    ...(manifest.input.log ? { logInputs: manifest.input.log } : {}),
    unknowns,
    transforms: new Map(Object.entries(manifest.transforms)),
    regions: manifest.regions ?? [],
    ...(manifest.kink ? { kink: manifest.kink } : {}),
    ...(manifest.hole_inputs ? { holeInputs: manifest.hole_inputs } : {}),
    ...(manifest.precision === 'float64' ? { values64: true } : {}),
  };
  const view = {
    name: manifest.name,
    variables: manifest.variables,
    fields: manifest.fields,
    spatialIndex: manifest.spatial_index,
    constants: new Map(Object.entries(manifest.constants)),
    parameters: manifest.parameters ?? [],
  };
  return { model, view };
}
