/**
 * Conditions to terms: each condition kind's residuals on the point set of its
 * target (the whole boundary, a named part, a selector expression, the initial
 * slice, observations), with the values a `hard` strategy may impose exactly.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import {
  exprLoc,
  type ConditionSpec,
  type ConditionTarget,
  type NoiseSpec,
  type SourceExpr,
  type SourceLoc,
} from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import { add, compileNumeric, ExprError, field as fieldRef, mul, parseExpr, sub, type Expr } from '../expr/index.js';
import type { Geometry } from './geometry/types.js';
import { compile, finish, nameScope, type BuildContext } from './context.js';
import { loadData } from './data-file.js';
import { absorbingResiduals, pecResiduals, type Phasor } from './electromagnetics.js';
import { periodicProblem } from './periodic.js';
import type { PointSet, Term } from './types.js';

/** Where one condition applies, and the parts every term of it shares. */
interface ConditionSite {
  set: PointSet;
  /** The target as messages name it. */
  label: string;
  onBoundary: boolean;
  geometry: Geometry;
  base: Pick<Term, 'kind' | 'set' | 'strategy' | 'weight' | 'loc'>;
  /** The spec's folder, against which data files are resolved. */
  dir: string;
}

/** The terms of every condition of the spec, in order; conditions with errors are reported and left out. */
/** Every condition of the spec as terms; `phasor`: a complex template's, which `pec` sets to zero (in total). */
export function conditionTerms(ctx: BuildContext, phasor?: Phasor): Term[] {
  const dir = dirname(resolvePath(ctx.spec.file));
  const terms: Term[] = [];
  for (const c of ctx.spec.conditions) {
    const where = c.on;
    if (where.kind === 'initial' && !ctx.spec.time) {
      ctx.diags.error(c.loc, "an initial condition needs 'time: [start, end]' in the spec");
      continue;
    }
    if (c.kind === 'data') {
      terms.push(...dataTerms(c, dir, ctx));
      continue;
    }
    const geometry = ctx.geometry;
    const set = geometry ? pointSetFor(where, geometry, ctx, c.loc) : undefined;
    if (!geometry || !set) continue;
    const site: ConditionSite = {
      set,
      label: describeTarget(where),
      onBoundary: set.kind === 'boundary',
      geometry,
      dir,
      base: { kind: 'condition', set, strategy: c.strategy, weight: c.weight, loc: c.loc },
    };
    terms.push(...termsOf(c, site, ctx, phasor));
  }
  return withNoiseUnit(terms);
}

/**
 * Data terms with a stated noise get the problem's noise unit: sqrt(1 / mean(1 / sigma^2)) over
 * every such observation, so files weigh against each other by their noise and, together, as much
 * as one noise-free file of weight 1 would (1 / sigma^2 alone would outweigh the equations by
 * 1 / sigma^2: a 4.5% error of D on inverse-heat with 1% noise, against 1.1e-3).
 */
function withNoiseUnit(terms: Term[]): Term[] {
  let sum = 0;
  let count = 0;
  for (const t of terms)
    if (t.set.kind === 'data' && t.set.sigma) {
      for (const s of t.set.sigma) sum += 1 / (s * s);
      count += t.set.sigma.length;
    }
  if (count === 0) return terms;
  const noiseUnit = Math.sqrt(count / sum);
  return terms.map((t) => (t.set.kind === 'data' && t.set.sigma ? { ...t, set: { ...t.set, noiseUnit } } : t));
}

function termsOf(c: ConditionSpec, site: ConditionSite, ctx: BuildContext, phasor: Phasor | undefined): Term[] {
  switch (c.kind) {
    case 'dirichlet':
    case 'neumann':
      return valueTerms(c.kind, c.values, c.loc, site, ctx);
    case 'robin':
      return robinTerms(c.values, c.loc, site, ctx);
    case 'equation':
      return equationTerms(c.equations, site, ctx);
    case 'initial':
      return initialTerms(c.value, c.rate, site, ctx);
    case 'pec':
      return pecTerms(c.loc, site, ctx, phasor);
    case 'conductor':
      return conductorTerms(c.potential, c.loc, site, ctx);
    case 'absorbing':
      return absorbingTerms(c, site, ctx);
    case 'data':
      return dataTerms(c, site.dir, ctx);
    case 'periodic':
      return periodicTerms(c.axis, c.axisLoc ?? c.loc, site, ctx);
  }
}

/** A condition's value for field `f` (no derivatives; the normal on a boundary), or undefined after reporting why not. */
function valueExpr(f: string, src: SourceExpr, site: ConditionSite, ctx: BuildContext): Expr | undefined {
  if (!ctx.fields.includes(f)) {
    ctx.diags.error(
      src.keyLoc ?? src.loc,
      `unknown field '${f}'${didYouMean(f, ctx.fields)}; expected one of ${ctx.fields.join(', ')}`,
    );
    return undefined;
  }
  const e = compile(src, nameScope(ctx, site.onBoundary, false), ctx.diags, false);
  return e && finish(ctx, e);
}

function valueTerms(
  kind: 'dirichlet' | 'neumann',
  values: Record<string, SourceExpr>,
  loc: SourceLoc,
  site: ConditionSite,
  ctx: BuildContext,
): Term[] {
  const terms: Term[] = [];
  for (const [f, src] of Object.entries(values)) {
    const g = valueExpr(f, src, site, ctx);
    if (!g) continue;
    if (kind === 'dirichlet') {
      terms.push({
        ...site.base,
        name: `dirichlet ${f} on ${site.label}`,
        form: 'dirichlet',
        residuals: [sub(fieldRef(f), g)],
        hardValues: [{ field: f, value: g }],
      });
    } else {
      if (!site.onBoundary) {
        ctx.diags.error(loc, 'a neumann condition needs a boundary part (it uses the outward normal)');
        continue;
      }
      terms.push({
        ...site.base,
        name: `neumann ${f} on ${site.label}`,
        form: 'neumann',
        residuals: [sub({ kind: 'dn', field: f }, g)],
      });
    }
  }
  return terms;
}

/** a u + b du/dn = value. */
function robinTerms(
  values: Record<string, { a: SourceExpr; b: SourceExpr; value: SourceExpr }>,
  loc: SourceLoc,
  site: ConditionSite,
  ctx: BuildContext,
): Term[] {
  if (!site.onBoundary) {
    ctx.diags.error(loc, 'a robin condition needs a boundary part (it uses the outward normal)');
    return [];
  }
  const terms: Term[] = [];
  for (const [f, abv] of Object.entries(values)) {
    const [a, b, v] = [abv.a, abv.b, abv.value].map((s) => valueExpr(f, s, site, ctx));
    if (!a || !b || !v) continue;
    terms.push({
      ...site.base,
      name: `robin ${f} on ${site.label}`,
      form: 'robin',
      residuals: [sub(add(mul(a, fieldRef(f)), mul(b, { kind: 'dn', field: f })), v)],
    });
  }
  return terms;
}

function equationTerms(equations: SourceExpr[], site: ConditionSite, ctx: BuildContext): Term[] {
  const terms: Term[] = [];
  for (const src of equations) {
    const e = compile(src, nameScope(ctx, site.onBoundary), ctx.diags, true);
    if (e)
      terms.push({
        ...site.base,
        name: `equation ${src.text.trim()} on ${site.label}`,
        form: 'equation',
        residuals: [finish(ctx, e)],
      });
  }
  return terms;
}

/** Initial values u = g (imposable exactly) and rates u_t = g at the start time. */
function initialTerms(
  value: Record<string, SourceExpr>,
  rate: Record<string, SourceExpr>,
  site: ConditionSite,
  ctx: BuildContext,
): Term[] {
  const terms: Term[] = [];
  for (const [f, src] of Object.entries(value)) {
    const g = valueExpr(f, src, site, ctx);
    if (g)
      terms.push({
        ...site.base,
        name: `initial value ${f}`,
        form: 'initial-value',
        residuals: [sub(fieldRef(f), g)],
        hardValues: [{ field: f, value: g }],
      });
  }
  for (const [f, src] of Object.entries(rate)) {
    const g = valueExpr(f, src, site, ctx);
    if (g)
      terms.push({
        ...site.base,
        name: `initial rate ${f}_t`,
        form: 'initial-rate',
        residuals: [sub(fieldRef(f, 't'), g)],
      });
  }
  return terms;
}

function pecTerms(loc: SourceLoc, site: ConditionSite, ctx: BuildContext, phasor: Phasor | undefined): Term[] {
  const pec = pecResiduals(ctx.fields, ctx.dim, phasor);
  if (!pec) {
    ctx.diags.error(
      loc,
      `pec needs electric field components among the fields (Ez for TM, Ex and Ey for TE, Ex, Ey, Ez in 3D, or the phasor of maxwell-harmonic's complex form); fields are ${ctx.fields.join(', ')}`,
    );
    return [];
  }
  if (pec.needsNormal && !site.onBoundary) {
    ctx.diags.error(loc, 'pec with tangential components needs a boundary part');
    return [];
  }
  return [{ ...site.base, name: `pec on ${site.label}`, form: 'pec', residuals: pec.residuals, hardValues: pec.hard }];
}

/** An outgoing wave leaves through the part: see absorbingResiduals; the part's curvature must be constant. */
function absorbingTerms(
  c: Extract<ConditionSpec, { kind: 'absorbing' }>,
  site: ConditionSite,
  ctx: BuildContext,
): Term[] {
  const missing = c.fields.filter((f) => !ctx.fields.includes(f));
  if (missing.length > 0) {
    ctx.diags.error(
      c.fieldsLoc,
      `absorbing: unknown field '${missing[0]}'${didYouMean(missing[0]!, ctx.fields)}; expected the real and imaginary parts among ${ctx.fields.join(', ')}`,
    );
    return [];
  }
  const set = site.set;
  if (set.kind !== 'boundary') {
    ctx.diags.error(c.loc, 'absorbing needs a boundary part (it uses the outward normal)');
    return [];
  }
  if (c.order === 2 && ctx.dim !== 2) {
    ctx.diags.error(c.loc, `absorbing order 2 is for 2D problems; in ${ctx.dim}D write order: 1`);
    return [];
  }
  const kappa = site.geometry.partCurvature(set.selector);
  if (kappa === undefined) {
    ctx.diags.error(
      c.loc,
      `absorbing needs a part of constant curvature (one circle, or flat sides); ${site.label} is not: name the circle's shape (name: outer) and write on: outer`,
    );
    return [];
  }
  const k = compile(c.k, nameScope(ctx, true, false), ctx.diags, false);
  if (!k) return [];
  const shape = kappa === 0 ? 'flat sides' : `radius ${+(1 / Math.abs(kappa)).toPrecision(6)}`;
  return [
    {
      ...site.base,
      name: `absorbing ${c.fields.join(', ')} order ${c.order} on ${site.label} (${shape})`,
      form: 'equation',
      residuals: absorbingResiduals(c.fields, finish(ctx, k), kappa, c.order, ctx.dim).map((r) => finish(ctx, r)),
    },
  ];
}

/** A conductor fixes the potential: a dirichlet condition on phi (or the only field). */
function conductorTerms(potential: SourceExpr, loc: SourceLoc, site: ConditionSite, ctx: BuildContext): Term[] {
  const fields = ctx.fields;
  const target = fields.includes('phi') ? 'phi' : fields.length === 1 ? fields[0]! : undefined;
  if (!target) {
    ctx.diags.error(
      loc,
      "conductor sets the potential field 'phi' (or the only field); this problem has several fields and no 'phi'",
    );
    return [];
  }
  const v = compile(potential, nameScope(ctx, site.onBoundary, false), ctx.diags, false);
  if (!v) return [];
  return [
    {
      ...site.base,
      name: `conductor ${target} = ${potential.text} on ${site.label}`,
      form: 'dirichlet',
      residuals: [sub(fieldRef(target), finish(ctx, v))],
      hardValues: [{ field: target, value: finish(ctx, v) }],
    },
  ];
}

/**
 * Observations: field = value at each row's point, in the loss group `data`. The file is read
 * (and every row checked to lie in the domain and the time range) when the problem is built.
 */
function dataTerms(c: Extract<ConditionSpec, { kind: 'data' }>, dir: string, ctx: BuildContext): Term[] {
  const data = loadData(resolvePath(dir, c.file), c.fileLoc, ctx.variables, ctx.fields, ctx.diags, (p) =>
    outsideProblem(p, ctx),
  );
  if (!data) return [];
  const set: PointSet = { kind: 'data', ...data, ...(c.noise ? { sigma: noiseSigma(data, c.noise) } : {}) };
  return [
    {
      kind: 'data',
      set,
      strategy: c.strategy,
      weight: c.weight,
      loc: c.loc,
      name: `data ${c.file}`,
      form: 'data',
      residuals: data.columns.map((f) => sub(fieldRef(f), { kind: 'var', name: `__data_${f}` })),
    },
  ];
}

/**
 * Each observed value's standard deviation. Relative noise is floored at a tenth of the column's
 * rms value times the level, so a value near zero does not get an unbounded weight.
 */
function noiseSigma(data: { values: Float64Array; columns: string[] }, noise: NoiseSpec): Float64Array {
  const nc = data.columns.length;
  const rows = data.values.length / nc;
  const sigma = new Float64Array(data.values.length);
  for (let c = 0; c < nc; c++) {
    let sumSq = 0;
    for (let i = 0; i < rows; i++) sumSq += data.values[i * nc + c]! ** 2;
    const floor = 0.1 * Math.sqrt(sumSq / rows);
    for (let i = 0; i < rows; i++) {
      const y = Math.abs(data.values[i * nc + c]!);
      // A column of zeros under relative noise has no scale at all: weight it as unit noise.
      sigma[i * nc + c] = noise.kind === 'absolute' ? noise.value : noise.value * (Math.max(y, floor) || 1);
    }
  }
  return sigma;
}

/** Why an observation point (variable order) lies outside the domain or the time range; undefined when inside. */
function outsideProblem(p: Float64Array, ctx: BuildContext): { variable: string; message: string } | undefined {
  const space = p.subarray(0, ctx.dim);
  const at = ctx.spatial.map((v, i) => `${v} = ${space[i]}`).join(', ');
  if (ctx.geometry && !ctx.geometry.contains(space))
    return { variable: ctx.spatial[0]!, message: `the point ${at} lies outside the domain` };
  const time = ctx.spec.time;
  const t = p[ctx.dim];
  if (time && t !== undefined && !(t >= time.min && t <= time.max))
    return { variable: 't', message: `t = ${t} lies outside the time range [${time.min}, ${time.max}]` };
  const first = ctx.variables.length - ctx.spec.parameters.length;
  const param = ctx.spec.parameters.find((q, k) => !(p[first + k]! >= q.min && p[first + k]! <= q.max));
  if (param) {
    const v = p[first + ctx.spec.parameters.indexOf(param)];
    return {
      variable: param.name,
      message: `${param.name} = ${v} lies outside its range [${param.min}, ${param.max}]`,
    };
  }
  return undefined;
}

/** Every field and its derivative along the axis match on the two sides. */
function periodicTerms(axisName: string, axisLoc: SourceLoc, site: ConditionSite, ctx: BuildContext): Term[] {
  const axis = ctx.spatial.indexOf(axisName);
  if (axis < 0) {
    ctx.diags.error(
      axisLoc,
      `periodic ${axisName}: '${axisName}' is not a spatial variable of this ${ctx.dim}D problem; expected one of ${ctx.spatial.join(', ')}`,
    );
    return [];
  }
  const geometry = site.geometry;
  const why = periodicProblem(geometry, axis, axisName);
  if (why) {
    ctx.diags.error(axisLoc, why);
    return [];
  }
  const set: PointSet = {
    kind: 'periodic',
    axis,
    label: `${axisName} = ${geometry.bbox.min[axis]} and ${axisName} = ${geometry.bbox.max[axis]}`,
  };
  return ctx.fields.map((f) => ({
    ...site.base,
    set,
    name: `periodic ${f} in ${axisName}`,
    form: 'periodic',
    residuals: [fieldRef(f), fieldRef(f, axisName)],
  }));
}

function describeTarget(t: ConditionTarget): string {
  switch (t.kind) {
    case 'boundary':
      return 'boundary';
    case 'part':
      return t.name;
    case 'selector':
      return `"${t.expr.text}"`;
    case 'initial':
      return 'initial';
    case 'data':
      return 'data';
  }
}

/** The point set of a condition or inequality target; undefined after reporting an unknown part, a bad selector or a data target (data conditions read their own points). */
export function pointSetFor(
  target: ConditionTarget,
  geometry: Geometry,
  ctx: BuildContext,
  loc: SourceLoc,
): PointSet | undefined {
  switch (target.kind) {
    case 'boundary':
      return { kind: 'boundary', selector: { kind: 'all' }, label: 'boundary' };
    case 'initial':
      return { kind: 'initial' };
    case 'data':
      ctx.diags.error(
        loc,
        'only a data condition ({on: data, file: observations.csv}) applies to data points; expected boundary, a part name or an expression like "x == 1"',
      );
      return undefined;
    case 'part': {
      if (!geometry.partNames.includes(target.name)) {
        ctx.diags.error(
          target.loc ?? loc,
          `unknown boundary part '${target.name}'${didYouMean(target.name, [...geometry.partNames, 'boundary', 'initial'])}; expected boundary, initial, data${geometry.partNames.length ? `, ${geometry.partNames.join(', ')}` : ''} or an expression like "x == 1"`,
        );
        return undefined;
      }
      return { kind: 'boundary', selector: { kind: 'name', name: target.name }, label: target.name };
    }
    case 'selector': {
      const spatial = ctx.spatial;
      let e: Expr;
      try {
        e = parseExpr(target.expr.text, {
          variables: spatial,
          fields: [],
          constants: ctx.constantNames,
          spatial,
          derivatives: false,
          boundary: false,
        });
      } catch (err) {
        if (err instanceof ExprError) ctx.diags.error(exprLoc(target.expr, err.offset), err.message);
        return undefined;
      }
      const test = selectorPredicate(e, spatial, geometry, ctx.constants);
      return { kind: 'boundary', selector: { kind: 'predicate', test }, label: `"${target.expr.text}"` };
    }
  }
}

/**
 * A boundary selector expression as a point predicate; `==` holds within a
 * tolerance scaled to the domain size, since sampled points are never exact.
 */
function selectorPredicate(
  e: Expr,
  spatial: string[],
  geometry: Geometry,
  known: ReadonlyMap<string, number>,
): (p: ArrayLike<number>) => boolean {
  const size = Math.max(...geometry.bbox.max.map((m, i) => m - geometry.bbox.min[i]!));
  const tol = 1e-6 * Math.max(1, size);
  const run = compileNumeric(e);
  return (p) =>
    run({
      tolerance: tol,
      value: (name) => {
        const i = spatial.indexOf(name);
        return i >= 0 ? p[i]! : (known.get(name) ?? NaN);
      },
    }) !== 0;
}
