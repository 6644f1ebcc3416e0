/**
 * The settings of a spec: constraints, network, training and output. Every
 * default comes from DEFAULTS; a reader copies it before changing it.
 */
import { isScalar } from 'yaml';
import type { YamlReader, YNode } from './yaml-reader.js';
import { DEFAULTS } from './defaults.js';
import { STRATEGY_OPTION_NAMES } from './strategy-options.js';
import { defaultParameterValues, readOutputParameters } from './read-parameters.js';
import {
  ACTIVATIONS,
  FIRST_LAYERS,
  HOLE_INPUTS,
  INTERFACE_NETWORKS,
  OPTIMIZERS,
  OUTPUT_FORMATS,
  POSITIVITIES,
  PRECISIONS,
  SAMPLINGS,
  STRATEGIES,
  shapeDim,
  type OutputFormat,
  type ParameterSpec,
  type ShapeSpec,
  type Spec,
  type StageSpec,
} from './types.js';

export function readConstraints(r: YamlReader, node: YNode): Spec['constraints'] {
  const d = DEFAULTS.constraints;
  const out: Spec['constraints'] = {
    strategy: d.strategy,
    weights: { ...d.weights },
    positivity: d.positivity,
    options: { ...d.options },
  };
  if (node === undefined) return out;
  const m = r.map(node, 'constraints', ['strategy', 'weights', 'positivity', 'options', 'tolerance']);
  if (!m) return out;
  if (m.has('strategy')) out.strategy = r.oneOf(m.get('strategy')!.value, 'strategy', STRATEGIES) ?? out.strategy;
  if (m.has('positivity'))
    out.positivity = r.oneOf(m.get('positivity')!.value, 'positivity', POSITIVITIES) ?? out.positivity;
  if (m.has('weights')) {
    const w = r.map(m.get('weights')!.value, 'constraints.weights', [
      'equations',
      'conditions',
      'inequalities',
      'data',
    ]);
    for (const [k, { value }] of w ?? []) {
      const v = r.number(value, `constraints.weights.${k}`, { min: 0 });
      if (v !== undefined) out.weights[k as keyof Spec['constraints']['weights']] = v;
    }
  }
  if (m.has('tolerance'))
    out.tolerance = r.number(m.get('tolerance')!.value, 'constraints.tolerance', { exclusiveMin: 0 });
  if (m.has('options')) {
    const o = r.map(m.get('options')!.value, 'constraints.options', STRATEGY_OPTION_NAMES);
    for (const [k, { value }] of o ?? []) {
      const v = r.number(value, `constraints.options.${k}`, { min: 0 });
      if (v !== undefined) out.options[k] = v;
    }
  }
  return out;
}

const isLayerWidth = (w: number) => Number.isInteger(w) && w >= 1 && w <= 4096;

export function readNetwork(r: YamlReader, node: YNode): Spec['network'] {
  const d = DEFAULTS.network;
  const out: Spec['network'] = { hidden: [...d.hidden], activation: d.activation };
  if (node === undefined) return out;
  const m = r.map(node, 'network', [
    'hidden',
    'activation',
    'fourier_features',
    'first_layer',
    'interface',
    'hole_inputs',
  ]);
  if (!m) return out;
  if (m.has('hidden')) {
    const at = m.get('hidden')!.value;
    const h = r.numbers(at, 'network.hidden');
    if (h) {
      if (h.length === 0) r.error(at, 'network.hidden needs at least one layer width, e.g. [50, 50, 50]');
      else if (!h.every(isLayerWidth)) r.error(at, 'network.hidden widths must be whole numbers from 1 to 4096');
      else if (h.length > 64) r.error(at, 'network.hidden has more than 64 layers');
      else out.hidden = h;
    }
  }
  if (m.has('activation'))
    out.activation = r.oneOf(m.get('activation')!.value, 'activation', ACTIVATIONS) ?? out.activation;
  if (m.has('fourier_features')) {
    const f = r.map(
      m.get('fourier_features')!.value,
      'network.fourier_features',
      ['count', 'scale'],
      ['count', 'scale'],
    );
    const count =
      f?.get('count') &&
      r.number(f.get('count')!.value, 'fourier_features.count', { integer: true, min: 1, max: 4096 });
    const scale = f?.get('scale') && r.number(f.get('scale')!.value, 'fourier_features.scale', { exclusiveMin: 0 });
    if (typeof count === 'number' && typeof scale === 'number') out.fourierFeatures = { count, scale };
  }
  if (m.has('first_layer')) {
    // The default stays implicit, so the resolved spec writes first_layer only when it differs.
    const v = r.oneOf(m.get('first_layer')!.value, 'network.first_layer', FIRST_LAYERS);
    if (v !== undefined && v !== d.firstLayer) out.firstLayer = v;
  }
  if (m.has('interface')) {
    const v = r.oneOf(m.get('interface')!.value, 'network.interface', INTERFACE_NETWORKS);
    if (v !== undefined && v !== d.interface) out.interface = v;
  }
  if (m.has('hole_inputs')) {
    const v = r.oneOf(m.get('hole_inputs')!.value, 'network.hole_inputs', HOLE_INPUTS);
    if (v !== undefined && v !== d.holeInputs) out.holeInputs = v;
  }
  return out;
}

const MAX_POINTS = 5_000_000;

export function readTraining(r: YamlReader, node: YNode): Spec['training'] {
  const d = DEFAULTS.training;
  const out: Spec['training'] = {
    points: { ...d.points },
    sampling: d.sampling,
    resampleEvery: d.resampleEvery,
    seed: d.seed,
    causal: d.causal,
    logEvery: d.logEvery,
    checkpointEvery: d.checkpointEvery,
    workers: d.workers,
    stages: d.stages.map((s) => ({ ...s, loc: { file: '', line: 0, col: 0 } })),
  };
  if (node === undefined) return out;
  const m = r.map(node, 'training', [
    'points',
    'sampling',
    'resample_every',
    'seed',
    'stages',
    'causal',
    'log_every',
    'checkpoint_every',
    'workers',
    'precision',
  ]);
  if (!m) return out;
  const whole = (key: string, min: number, max?: number) =>
    r.number(m.get(key)!.value, `training.${key}`, { integer: true, min, ...(max !== undefined ? { max } : {}) });
  if (m.has('points')) readPoints(r, m.get('points')!.value, out.points);
  if (m.has('sampling')) out.sampling = r.oneOf(m.get('sampling')!.value, 'sampling', SAMPLINGS) ?? out.sampling;
  if (m.has('resample_every')) out.resampleEvery = whole('resample_every', 0) ?? d.resampleEvery;
  if (m.has('seed')) out.seed = whole('seed', 0, 2 ** 32 - 1) ?? d.seed;
  if (m.has('causal')) readCausal(r, m.get('causal')!.value, out);
  if (m.has('log_every')) out.logEvery = whole('log_every', 0) ?? d.logEvery;
  if (m.has('workers')) {
    const w = r.resolve(m.get('workers')!.value);
    if (w && isScalar(w) && w.value === 'auto') out.workers = 'auto';
    else {
      const n = r.number(w, "training.workers (a count, or 'auto')", { integer: true, min: 1, max: 2 });
      if (n !== undefined) out.workers = n;
    }
  }
  if (m.has('precision')) {
    // The default stays implicit, so the resolved spec writes precision only when it differs.
    const p = r.oneOf(m.get('precision')!.value, 'training.precision', PRECISIONS);
    if (p !== undefined && p !== d.precision) out.precision = p;
  }
  if (m.has('checkpoint_every')) out.checkpointEvery = whole('checkpoint_every', 0) ?? d.checkpointEvery;
  if (m.has('stages')) out.stages = readStages(r, m.get('stages')!.value);
  return out;
}

function readPoints(r: YamlReader, node: YNode, points: Spec['training']['points']): void {
  const p = r.map(node, 'training.points', ['domain', 'boundary', 'initial']);
  for (const [k, { value }] of p ?? []) {
    const v = r.number(value, `training.points.${k}`, { integer: true, min: 1, max: MAX_POINTS });
    if (v !== undefined) points[k as keyof typeof points] = v;
  }
}

/** `causal: true/false`, or `{epsilon, bins}`: causal weighting on, with these settings. */
function readCausal(r: YamlReader, node: YNode, out: Spec['training']): void {
  const c = r.resolve(node);
  if (c && !isScalar(c)) {
    const d = DEFAULTS.causal;
    const cm = r.map(c, 'training.causal', ['epsilon', 'bins']);
    const epsilon = cm?.get('epsilon')
      ? r.number(cm.get('epsilon')!.value, 'training.causal.epsilon', { min: 0 })
      : d.epsilon;
    const bins = cm?.get('bins')
      ? r.number(cm.get('bins')!.value, 'training.causal.bins', { integer: true, min: 1, max: 4096 })
      : d.bins;
    out.causal = true;
    if (epsilon !== undefined && bins !== undefined) out.causalOptions = { epsilon, bins };
  } else out.causal = r.boolean(node, 'training.causal') ?? DEFAULTS.training.causal;
}

function readStages(r: YamlReader, node: YNode): StageSpec[] {
  const items = r.seq(node, 'training.stages') ?? [];
  const stages: StageSpec[] = [];
  for (const [i, it] of items.entries()) {
    const what = `training.stages[${i}]`;
    const s = r.map(it, what, ['optimizer', 'iterations', 'lr', 'lr_final'], ['optimizer', 'iterations']);
    if (!s) continue;
    const optimizer = r.oneOf(s.get('optimizer')?.value, 'optimizer', OPTIMIZERS);
    const iterations = r.number(s.get('iterations')?.value, `${what}.iterations`, {
      integer: true,
      min: 0,
      max: 10_000_000,
    });
    const lr = s.has('lr')
      ? r.number(s.get('lr')!.value, `${what}.lr`, { exclusiveMin: 0 })
      : optimizer && DEFAULTS.stage.lr[optimizer];
    let lrFinal: number | undefined;
    if (s.has('lr_final')) {
      if (optimizer !== undefined && optimizer !== 'adam') {
        r.error(
          s.get('lr_final')!.value,
          `${what}.lr_final applies to adam stages only (${optimizer} chooses its steps by ${optimizer === 'lbfgs' ? 'line search' : 'its damping'})`,
        );
      } else lrFinal = r.number(s.get('lr_final')!.value, `${what}.lr_final`, { exclusiveMin: 0 });
    }
    if (optimizer && iterations !== undefined && lr !== undefined) {
      stages.push({
        optimizer,
        iterations,
        lr,
        ...(lrFinal !== undefined ? { lrFinal } : {}),
        loc: r.loc(r.resolve(it)),
      });
    }
  }
  if (items.length === 0)
    r.error(node, 'training.stages is empty; expected e.g. [{optimizer: adam, iterations: 5000, lr: 1.0e-3}]');
  return stages;
}

/** `geometry` and `time` as read: the default grid has the geometry's dimension, the default times span `time`. */
export function readOutput(
  r: YamlReader,
  node: YNode,
  geometry: ShapeSpec | undefined,
  t: Spec['time'],
  params: ParameterSpec[] = [],
): Spec['output'] {
  // Without a (valid) geometry, which is reported already, a 2D grid lets the rest be checked.
  const dim = geometry ? shapeDim(geometry) : 2;
  const out: Spec['output'] = {
    grid: [...DEFAULTS.output.grid[dim]],
    times: t ? [t.min, (t.min + t.max) / 2, t.max] : [],
    formats: [...DEFAULTS.output.formats],
    parameters: defaultParameterValues(params),
  };
  if (node === undefined) return out;
  const m = r.map(node, 'output', ['grid', 'times', 'formats', 'parameters']);
  if (!m) return out;
  if (m.has('grid')) {
    const at = m.get('grid')!.value;
    const g = r.numbers(at, 'output.grid', dim);
    const count = g?.reduce((a, b) => a * b, 1);
    if (g) {
      if (g.some((c) => !Number.isInteger(c) || c < 2))
        r.error(at, 'output.grid counts must be whole numbers of at least 2');
      else if (count! > 4_000_000) r.error(at, `output.grid has ${count} points; at most 4000000 are written`);
      else out.grid = g;
    }
  }
  if (m.has('times')) {
    const at = m.get('times')!.value;
    const ts = r.numbers(at, 'output.times');
    if (ts && !t) r.error(at, "output.times needs 'time: [start, end]' in the spec");
    else if (ts && t && ts.some((v) => v < t.min || v > t.max))
      r.error(at, `output.times must lie within time [${t.min}, ${t.max}]`);
    else if (ts) out.times = ts;
  }
  if (m.has('formats')) out.formats = readFormats(r, m.get('formats')!.value) ?? out.formats;
  if (m.has('parameters'))
    out.parameters = readOutputParameters(r, m.get('parameters')!.value, params) ?? out.parameters;
  return out;
}

/** The known formats listed (each unknown one is reported); undefined when the list itself is not one of texts. */
function readFormats(r: YamlReader, node: YNode): OutputFormat[] | undefined {
  const f = r.strings(node, 'output.formats');
  const items = r.seq(node, 'output.formats') ?? [];
  const known = (x: string): x is OutputFormat => (OUTPUT_FORMATS as readonly string[]).includes(x);
  f?.forEach((x, i) => {
    if (!known(x)) r.oneOf(items[i], 'output format', OUTPUT_FORMATS);
  });
  return f?.filter(known);
}
