/**
 * The spec with every default filled in, written back in the spec's own key
 * language, so `spec.resolved.yaml` reruns exactly the same problem.
 */
import { stringify } from 'yaml';
import type { ConditionSpec, ConditionTarget, ShapeSpec, SourceExpr, Spec, UnknownBounds } from './types.js';

const text = (e: SourceExpr) => (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(e.text.trim()) ? Number(e.text) : e.text);
const exprMap = (m: Record<string, SourceExpr>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, text(v)]));

function shape(s: ShapeSpec): Record<string, unknown> {
  const named = s.name ? { name: s.name } : {};
  switch (s.kind) {
    case 'interval':
      return { interval: [s.min, s.max], ...named };
    case 'rectangle':
    case 'box':
      return { [s.kind]: { min: s.min, max: s.max }, ...named };
    case 'disk':
    case 'sphere':
      return { [s.kind]: { center: s.center, radius: s.radius }, ...named };
    case 'polygon':
      return { polygon: { vertices: s.vertices }, ...named };
    default:
      return { [s.kind]: s.children.map(shape), ...named };
  }
}

function target(t: ConditionTarget): string {
  switch (t.kind) {
    case 'part':
      return t.name;
    case 'selector':
      return t.expr.text;
    default:
      return t.kind;
  }
}

function condition(c: ConditionSpec): Record<string, unknown> {
  const base: Record<string, unknown> = { on: target(c.on) };
  if (c.strategy) base['strategy'] = c.strategy;
  if (c.weight !== undefined) base['weight'] = c.weight;
  switch (c.kind) {
    case 'dirichlet':
    case 'neumann':
      return { ...base, [c.kind]: exprMap(c.values) };
    case 'robin':
      return {
        ...base,
        robin: Object.fromEntries(
          Object.entries(c.values).map(([f, v]) => [f, { a: text(v.a), b: text(v.b), value: text(v.value) }]),
        ),
      };
    case 'periodic':
      return { periodic: c.axis };
    case 'pec':
      return { ...base, pec: true };
    case 'conductor':
      return { ...base, conductor: { potential: text(c.potential) } };
    case 'absorbing':
      return { ...base, absorbing: { k: text(c.k), fields: c.fields, order: c.order } };
    case 'equation':
      return { ...base, equation: c.equations.map((e) => e.text) };
    case 'initial':
      return {
        ...base,
        ...(Object.keys(c.value).length ? { value: exprMap(c.value) } : {}),
        ...(Object.keys(c.rate).length ? { rate: exprMap(c.rate) } : {}),
      };
    case 'data':
      return { ...base, file: c.file, ...(c.noise ? { noise: { [c.noise.kind]: c.noise.value } } : {}) };
  }
}

export function resolvedSpecObject(spec: Spec, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { version: 1, name: spec.name };
  if (spec.description) out['description'] = spec.description;
  out['geometry'] = shape(spec.geometry);
  if (spec.time) out['time'] = [spec.time.min, spec.time.max];
  if (spec.parameters.length)
    out['parameters'] = Object.fromEntries(
      spec.parameters.map((p) => [
        p.name,
        p.scale === 'linear' ? [p.min, p.max] : { range: [p.min, p.max], scale: p.scale },
      ]),
    );
  out['fields'] = fields.filter((f) => !spec.unknownFields.includes(f));
  if (spec.unknownFields.length) out['unknown_fields'] = spec.unknownFields;
  if (spec.regions.length) out['regions'] = Object.fromEntries(spec.regions.map((g) => [g.name, shape(g.shape)]));
  const value = (c: { value: SourceExpr; unknown: boolean; bounds?: UnknownBounds }) =>
    c.unknown ? { unknown: Number(c.value.text), ...c.bounds } : text(c.value);
  if (spec.constants.length)
    out['constants'] = Object.fromEntries(
      spec.constants.map((c) => [
        c.name,
        c.pieces ? Object.fromEntries(c.pieces.map((p) => [p.region, value(p)])) : value(c),
      ]),
    );
  out['equations'] = [
    ...spec.equations.map((e) => e.text),
    ...spec.templates.map((t) => ({
      [t.name]: {
        ...Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, typeof v === 'boolean' ? v : text(v)])),
        ...(t.fields ? { fields: t.fields } : {}),
      },
    })),
  ];
  if (spec.conditions.length) out['conditions'] = spec.conditions.map(condition);
  if (spec.inequalities.length) {
    out['inequalities'] = spec.inequalities.map((q) => ({
      constraint: q.constraint.text,
      ...(q.on.kind !== 'domain' ? { on: target(q.on) } : {}),
      ...(q.strategy ? { strategy: q.strategy } : {}),
      ...(q.weight !== undefined ? { weight: q.weight } : {}),
    }));
  }
  if (Object.keys(spec.exact).length) out['exact'] = exprMap(spec.exact);
  out['constraints'] = {
    strategy: spec.constraints.strategy,
    weights: spec.constraints.weights,
    positivity: spec.constraints.positivity,
    ...(Object.keys(spec.constraints.options).length ? { options: spec.constraints.options } : {}),
    ...(spec.constraints.tolerance !== undefined ? { tolerance: spec.constraints.tolerance } : {}),
  };
  out['network'] = {
    hidden: spec.network.hidden,
    activation: spec.network.activation,
    ...(spec.network.fourierFeatures ? { fourier_features: spec.network.fourierFeatures } : {}),
    ...(spec.network.firstLayer ? { first_layer: spec.network.firstLayer } : {}),
    ...(spec.network.interface ? { interface: spec.network.interface } : {}),
    ...(spec.network.holeInputs ? { hole_inputs: spec.network.holeInputs } : {}),
  };
  const tr = spec.training;
  out['training'] = {
    points: tr.points,
    sampling: tr.sampling,
    resample_every: tr.resampleEvery,
    seed: tr.seed,
    causal: tr.causalOptions ?? tr.causal,
    workers: tr.workers,
    ...(tr.precision ? { precision: tr.precision } : {}),
    stages: tr.stages.map((s) => ({
      optimizer: s.optimizer,
      iterations: s.iterations,
      lr: s.lr,
      ...(s.lrFinal !== undefined ? { lr_final: s.lrFinal } : {}),
    })),
  };
  out['output'] = {
    grid: spec.output.grid,
    ...(spec.output.times.length ? { times: spec.output.times } : {}),
    formats: spec.output.formats,
    ...(spec.output.parameters.length ? { parameters: spec.output.parameters } : {}),
  };
  return out;
}

export function resolvedSpecYaml(spec: Spec, fields: string[]): string {
  return stringify(resolvedSpecObject(spec, fields), { lineWidth: 0 });
}
