/**
 * Spec -> Problem: variables, fields, constants, geometry, and every equation,
 * condition and inequality compiled to expression IR with the point set it
 * lives on. All name and expression errors are collected with their location.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { Diagnostics, exprLoc, shapeDim, TEMPLATE_PARAMS, type ConditionTarget, type SourceExpr, type SourceLoc, type Spec } from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import { add, compileNumeric, dependsOn, derivativeOrder, diff, DiffError, ExprError, field as fieldRef, fieldsUsed, fold, mapExpr, mul, parseEquation, parseExpr, show, simplify, sub, type Expr, type NameScope } from '../expr/index.js';
import { buildGeometry } from './geometry/index.js';
import type { Geometry } from './geometry/types.js';
import { NO_SECOND_DERIVATIVE } from '../derivatives/index.js';
import { periodicProblem } from './periodic.js';
import { checkResources } from './limits.js';
import type { PointSet, Problem, Term } from './types.js';

const SPATIAL = ['x', 'y', 'z'];

export function buildProblem(spec: Spec): Problem {
  const diags = new Diagnostics();
  const dim = shapeDim(spec.geometry);
  const spatial = SPATIAL.slice(0, dim);
  const variables = spec.time ? [...spatial, 't'] : spatial;
  const spatialIndex = spatial.map((_, i) => i);

  let geometry: Geometry | undefined;
  try {
    geometry = buildGeometry(spec.geometry);
  } catch (err) {
    diags.error(spec.geometry.loc, `invalid geometry: ${(err as Error).message}`);
  }

  // Fields: listed, or from the templates.
  const templateFields = spec.templates.flatMap((t) => t.fields ?? TEMPLATE_PARAMS[t.name].fields);
  const fields = spec.fields.length > 0 ? spec.fields : [...new Set(templateFields)];
  if (fields.length === 0) diags.error({ file: spec.file, line: 1, col: 1 }, "no fields: add 'fields: [u]' (the unknowns the network outputs) or use a template");
  for (const t of spec.templates) {
    const info = TEMPLATE_PARAMS[t.name];
    for (const f of t.fields ?? info.fields) {
      if (!fields.includes(f)) diags.error(t.loc, `template ${t.name} uses field '${f}', which is not in fields [${fields.join(', ')}]${didYouMean(f, fields)}; rename with ${t.name}: {fields: [...]}`);
    }
    if (info.needsTime && !spec.time) diags.error(t.loc, `template ${t.name} is time-dependent; add 'time: [start, end]'`);
    if (info.dims && !info.dims.includes(dim)) diags.error(t.loc, `template ${t.name} needs a ${info.dims.join(' or ')}D geometry, found ${dim}D`);
  }

  // Constants, in order; each may use earlier ones.
  const constants = new Map<string, number>();
  const unknowns: { name: string; initial: number }[] = [];
  const constScope: NameScope = { variables: [], fields: [], constants: [], spatial: [], derivatives: false, boundary: false };
  for (const c of spec.constants) {
    if (fields.includes(c.name)) { diags.error(c.loc, `constant '${c.name}' has the name of a field`); continue; }
    const e = compile(c.value, { ...constScope, constants: [...constants.keys(), ...unknowns.map((u) => u.name)] }, diags, false);
    if (!e) continue;
    const v = fold(e, constants);
    if (v.kind !== 'num') { diags.error(c.value.loc, `constant '${c.name}' must evaluate to a number; it may use only numbers and earlier known constants`); continue; }
    if (c.unknown) unknowns.push({ name: c.name, initial: v.value });
    else constants.set(c.name, v.value);
  }
  const constantNames = [...constants.keys(), ...unknowns.map((u) => u.name)];
  const scope = (boundary: boolean, derivatives = true): NameScope =>
    ({ variables, fields, constants: constantNames, spatial, derivatives, boundary });
  const finish = (e: Expr) => fold(e, constants);

  // Equations: written ones, then template expansions.
  const terms: Term[] = [];
  const equationText: string[] = [];
  let electromagnetic: Problem['electromagnetic'];
  for (const eq of spec.equations) {
    const e = compile(eq, scope(false), diags, true);
    if (!e) continue;
    checkInvolvesField(e, eq, diags);
    terms.push({ name: `equation ${eq.text.trim()}`, kind: 'equation', type: 'equation', set: { kind: 'domain' }, residuals: [finish(e)], loc: eq.loc });
    equationText.push(eq.text.trim());
  }
  for (const t of spec.templates) {
    const info = TEMPLATE_PARAMS[t.name];
    const params = new Map<string, Expr>();
    const paramValues: Record<string, string | boolean> = { ...info.defaults };
    for (const [k, v] of Object.entries(t.params)) paramValues[k] = typeof v === 'boolean' ? v : v.text;
    for (const [k, v] of Object.entries(paramValues)) {
      if (typeof v === 'boolean') continue;
      const src = t.params[k];
      const e = typeof src === 'object' ? compile(src, scope(false), diags, false) : parseExpr(v, scope(false));
      if (e) params.set(k, e);
    }
    const rename = new Map(info.fields.map((f, i) => [f, (t.fields ?? info.fields)[i]!]));
    // `param_x` in a template is the derivative of the parameter's expression by x (divergence forms).
    const paramDerivs = new Map<string, [string, string]>();
    for (const k of params.keys()) for (const v of spatial) paramDerivs.set(`${k}_${v}`, [k, v]);
    const tScope: NameScope = { variables, fields: info.fields, constants: [...Object.keys(info.params), ...paramDerivs.keys()], spatial, derivatives: true, boundary: false };
    const varies = (k: string) => params.has(k) && dependsOn(params.get(k)!, spatial);
    if ((t.name === 'maxwell-tm' || t.name === 'maxwell-te' || t.name === 'maxwell-3d') && params.has('permittivity') && params.has('permeability')) {
      const named = info.fields.map((f) => rename.get(f)!);
      electromagnetic = {
        E: named.filter((_, i) => info.fields[i]!.startsWith('E')), H: named.filter((_, i) => info.fields[i]!.startsWith('H')),
        permittivity: finish(params.get('permittivity')!), permeability: finish(params.get('permeability')!),
      };
    }
    for (const text of info.equations(paramValues, { spatial, varies })) {
      let e: Expr;
      try {
        e = parseEquation(text, tScope);
      } catch (err) {
        diags.error(t.loc, `template ${t.name} does not fit this problem: ${(err as Error).message}`);
        continue;
      }
      try {
        e = mapExpr(e, (n) => {
          if (n.kind === 'const' && paramDerivs.has(n.name)) { const [k, v] = paramDerivs.get(n.name)!; return diff(params.get(k)!, v); }
          if (n.kind === 'const' && params.has(n.name)) return params.get(n.name)!;
          if ((n.kind === 'field' || n.kind === 'lap' || n.kind === 'dn') && rename.has(n.field)) return { ...n, field: rename.get(n.field)! };
          return n;
        });
      } catch (err) {
        if (!(err instanceof DiffError)) throw err;
        diags.error(t.loc, `template ${t.name}: ${err.message}`);
        continue;
      }
      const shown = [...rename].reduce((s, [a, b]) => s.replace(new RegExp(`\\b${a}(?=_|\\b)`, 'g'), b), text);
      e = simplify(finish(e));
      terms.push({ name: `${t.name}: ${shown}`, kind: 'equation', type: 'equation', set: { kind: 'domain' }, residuals: [e], loc: t.loc });
      equationText.push(`${show(e)} = 0`);
    }
  }

  // Conditions.
  const dir = dirname(resolvePath(spec.file));
  for (const c of spec.conditions) {
    const where = c.on;
    if (where.kind === 'initial' && !spec.time) { diags.error(c.loc, "an initial condition needs 'time: [start, end]' in the spec"); continue; }
    const set = geometry ? pointSetFor(where, geometry, constants, variables, constantNames, diags, c.loc) : undefined;
    if (!set) continue;
    const label = describeTarget(where);
    const base = { kind: 'condition' as const, set, strategy: c.strategy, weight: c.weight, loc: c.loc };
    const onBoundary = set.kind === 'boundary';
    const valueExpr = (f: string, src: SourceExpr) => {
      if (!fields.includes(f)) { diags.error(src.keyLoc ?? src.loc, `unknown field '${f}'${didYouMean(f, fields)}; expected one of ${fields.join(', ')}`); return undefined; }
      const e = compile(src, scope(onBoundary, false), diags, false);
      return e && finish(e);
    };
    switch (c.kind) {
      case 'dirichlet': case 'neumann': {
        for (const [f, src] of Object.entries(c.values)) {
          const g = valueExpr(f, src);
          if (!g) continue;
          if (c.kind === 'dirichlet') {
            terms.push({ ...base, name: `dirichlet ${f} on ${label}`, type: 'dirichlet', residuals: [sub(fieldRef(f), g)], hardValues: [{ field: f, value: g }] });
          } else {
            if (!onBoundary) { diags.error(c.loc, 'a neumann condition needs a boundary part (it uses the outward normal)'); continue; }
            terms.push({ ...base, name: `neumann ${f} on ${label}`, type: 'neumann', residuals: [sub({ kind: 'dn', field: f }, g)] });
          }
        }
        break;
      }
      case 'robin': {
        if (!onBoundary) { diags.error(c.loc, 'a robin condition needs a boundary part (it uses the outward normal)'); break; }
        for (const [f, abv] of Object.entries(c.values)) {
          const [a, b, v] = [abv.a, abv.b, abv.value].map((s) => valueExpr(f, s));
          if (!a || !b || !v) continue;
          terms.push({ ...base, name: `robin ${f} on ${label}`, type: 'robin', residuals: [sub(add(mul(a, fieldRef(f)), mul(b, { kind: 'dn', field: f })), v)] });
        }
        break;
      }
      case 'equation': {
        for (const src of c.equations) {
          const e = compile(src, scope(onBoundary), diags, true);
          if (e) terms.push({ ...base, name: `equation ${src.text.trim()} on ${label}`, type: 'equation', residuals: [finish(e)] });
        }
        break;
      }
      case 'initial': {
        for (const [f, src] of Object.entries(c.value)) {
          const g = valueExpr(f, src);
          if (g) terms.push({ ...base, name: `initial value ${f}`, type: 'initial-value', residuals: [sub(fieldRef(f), g)], hardValues: [{ field: f, value: g }] });
        }
        for (const [f, src] of Object.entries(c.rate)) {
          const g = valueExpr(f, src);
          if (g) terms.push({ ...base, name: `initial rate ${f}_t`, type: 'initial-rate', residuals: [sub(fieldRef(f, 't'), g)] });
        }
        break;
      }
      case 'pec': {
        const pec = pecResiduals(fields, dim);
        if (!pec) { diags.error(c.loc, `pec needs electric field components among the fields (Ez for TM, Ex and Ey for TE, Ex, Ey, Ez in 3D); fields are ${fields.join(', ')}`); break; }
        if (pec.needsNormal && !onBoundary) { diags.error(c.loc, 'pec with tangential components needs a boundary part'); break; }
        terms.push({ ...base, name: `pec on ${label}`, type: 'pec', residuals: pec.residuals, hardValues: pec.hard });
        break;
      }
      case 'conductor': {
        const target = fields.includes('phi') ? 'phi' : fields.length === 1 ? fields[0]! : undefined;
        if (!target) { diags.error(c.loc, "conductor sets the potential field 'phi' (or the only field); this problem has several fields and no 'phi'"); break; }
        const v = compile(c.potential, scope(onBoundary, false), diags, false);
        if (v) terms.push({ ...base, name: `conductor ${target} = ${c.potential.text} on ${label}`, type: 'dirichlet', residuals: [sub(fieldRef(target), finish(v))], hardValues: [{ field: target, value: finish(v) }] });
        break;
      }
      case 'data': {
        const data = loadData(resolvePath(dir, c.file), c.fileLoc, variables, fields, diags);
        if (data) {
          terms.push({
            ...base, kind: 'data', name: `data ${c.file}`, type: 'data', set: { kind: 'data', ...data },
            residuals: data.columns.map((f) => sub(fieldRef(f), { kind: 'var', name: `__data_${f}` })),
          });
        }
        break;
      }
      case 'periodic': {
        const axis = spatial.indexOf(c.axis);
        if (axis < 0) { diags.error(c.axisLoc ?? c.loc, `periodic ${c.axis}: '${c.axis}' is not a spatial variable of this ${dim}D problem; expected one of ${spatial.join(', ')}`); break; }
        if (!geometry) break;
        const why = periodicProblem(geometry, axis, c.axis);
        if (why) { diags.error(c.axisLoc ?? c.loc, why); break; }
        const pset: PointSet = { kind: 'periodic', axis, label: `${c.axis} = ${geometry.bbox.min[axis]} and ${c.axis} = ${geometry.bbox.max[axis]}` };
        for (const f of fields) {
          terms.push({ ...base, set: pset, name: `periodic ${f} in ${c.axis}`, type: 'periodic', residuals: [fieldRef(f), fieldRef(f, c.axis)] });
        }
        break;
      }
    }
  }

  // Inequalities: g <= 0 residuals.
  for (const q of spec.inequalities) {
    const set = q.on.kind === 'domain' ? { kind: 'domain' as const } : geometry ? pointSetFor(q.on as ConditionTarget, geometry, constants, variables, constantNames, diags, q.loc) : undefined;
    if (!set) continue;
    const e = compile(q.constraint, scope(set.kind === 'boundary'), diags, false);
    if (!e) continue;
    const gs = inequalityParts(e);
    if (!gs) { diags.error(q.constraint.loc, `inequality '${q.constraint.text}' must compare two sides, e.g. "u >= 0" or "abs(Ez) <= 1"`); continue; }
    terms.push({ name: set.kind === 'boundary' ? `${q.constraint.text.trim()} on ${set.label}` : q.constraint.text.trim(), kind: 'inequality', type: 'inequality', set, residuals: gs.map(finish), strategy: q.strategy, weight: q.weight, loc: q.loc });
  }

  // Exact solution.
  const exact = new Map<string, Expr>();
  for (const [f, src] of Object.entries(spec.exact)) {
    if (!fields.includes(f)) { diags.error(src.keyLoc ?? src.loc, `exact names unknown field '${f}'${didYouMean(f, fields)}; expected one of ${fields.join(', ')}`); continue; }
    const e = compile(src, { ...scope(false, false), fields: [] }, diags, false);
    if (e) exact.set(f, finish(e));
  }

  // An activation without a second derivative cannot train second-order residuals.
  const secondOrder = terms.find((t) => t.residuals.some((r) => derivativeOrder(r) >= 2));
  if (spec.network.activation && NO_SECOND_DERIVATIVE.has(spec.network.activation) && secondOrder) {
    diags.error(spec.locs?.['network.activation'] ?? { file: spec.file, line: 1, col: 1 },
      `activation '${spec.network.activation}' has no second derivative, which '${secondOrder.name}' needs; expected tanh, sin, silu, sigmoid or gelu`);
  }

  if (terms.length === 0 && diags.ok) {
    diags.error(spec.locs?.['equations'] ?? { file: spec.file, line: 1, col: 1 }, 'the problem has nothing to train on; expected at least one equation');
  }
  diags.throwIfAny();
  const problem: Problem = {
    spec, name: spec.name, variables, spatialIndex, dim, time: spec.time && { min: spec.time.min, max: spec.time.max },
    fields, constants, unknowns, geometry: geometry!, terms, exact, equationText, ...(electromagnetic ? { electromagnetic } : {}),
  };
  checkResources(problem, diags);
  diags.throwIfAny();
  return problem;
}

function compile(src: SourceExpr, scope: NameScope, diags: Diagnostics, equation: boolean): Expr | undefined {
  try {
    return equation ? parseEquation(src.text, scope) : parseExpr(src.text, scope);
  } catch (err) {
    if (err instanceof ExprError) {
      diags.error(exprLoc(src, err.offset), err.message);
      return undefined;
    }
    throw err;
  }
}

function checkInvolvesField(e: Expr, src: SourceExpr, diags: Diagnostics): void {
  if (fieldsUsed(e).size === 0) diags.error(src.loc, `equation '${src.text.trim()}' does not involve any field; expected a residual of the fields`);
}

function describeTarget(t: ConditionTarget): string {
  switch (t.kind) {
    case 'boundary': return 'boundary';
    case 'part': return t.name;
    case 'selector': return `"${t.expr.text}"`;
    case 'initial': return 'initial';
    case 'data': return 'data';
  }
}

function pointSetFor(
  target: ConditionTarget, geometry: Geometry, known: ReadonlyMap<string, number>, variables: string[], constants: string[],
  diags: Diagnostics, loc: SourceLoc,
): PointSet | undefined {
  switch (target.kind) {
    case 'boundary': return { kind: 'boundary', selector: { kind: 'all' }, label: 'boundary' };
    case 'initial': return { kind: 'initial' };
    case 'data': return undefined;
    case 'part': {
      if (!geometry.partNames.includes(target.name)) {
        diags.error(target.loc ?? loc, `unknown boundary part '${target.name}'${didYouMean(target.name, [...geometry.partNames, 'boundary', 'initial'])}; expected boundary, initial, data${geometry.partNames.length ? `, ${geometry.partNames.join(', ')}` : ''} or an expression like "x == 1"`);
        return undefined;
      }
      return { kind: 'boundary', selector: { kind: 'name', name: target.name }, label: target.name };
    }
    case 'selector': {
      const spatial = variables.filter((v) => v !== 't');
      let e: Expr;
      try {
        e = parseExpr(target.expr.text, { variables: spatial, fields: [], constants, spatial, derivatives: false, boundary: false });
      } catch (err) {
        if (err instanceof ExprError) diags.error(exprLoc(target.expr, err.offset), err.message);
        return undefined;
      }
      const test = selectorPredicate(e, spatial, geometry, known);
      return { kind: 'boundary', selector: { kind: 'predicate', test }, label: `"${target.expr.text}"` };
    }
  }
}

/**
 * A boundary selector expression as a point predicate; `==` holds within a
 * tolerance scaled to the domain size, since sampled points are never exact.
 */
function selectorPredicate(e: Expr, spatial: string[], geometry: Geometry, known: ReadonlyMap<string, number>): (p: ArrayLike<number>) => boolean {
  const size = Math.max(...geometry.bbox.max.map((m, i) => m - geometry.bbox.min[i]!));
  const tol = 1e-6 * Math.max(1, size);
  const run = compileNumeric(e);
  return (p) => run({
    tolerance: tol,
    value: (name) => { const i = spatial.indexOf(name); return i >= 0 ? p[i]! : known.get(name) ?? NaN; },
  }) !== 0;
}

/** "a <= b" -> [a - b]; "a >= b" -> [b - a]; chained comparisons give several. */
function inequalityParts(e: Expr): Expr[] | undefined {
  if (e.kind === 'logic' && e.op === 'and') {
    const l = inequalityParts(e.left);
    const r = inequalityParts(e.right);
    return l && r ? [...l, ...r] : undefined;
  }
  if (e.kind !== 'compare') return undefined;
  if (e.op === '<' || e.op === '<=') return [sub(e.left, e.right)];
  if (e.op === '>' || e.op === '>=') return [sub(e.right, e.left)];
  return undefined;
}

function pecResiduals(fields: string[], dim: number): { residuals: Expr[]; hard?: { field: string; value: Expr }[]; needsNormal: boolean } | undefined {
  const has = (f: string) => fields.includes(f);
  const nx: Expr = { kind: 'normal', axis: 0 };
  const ny: Expr = { kind: 'normal', axis: 1 };
  const nz: Expr = { kind: 'normal', axis: 2 };
  const E = (c: string) => fieldRef(`E${c}`);
  if (dim === 3 && has('Ex') && has('Ey') && has('Ez')) {
    return {
      residuals: [sub(mul(ny, E('z')), mul(nz, E('y'))), sub(mul(nz, E('x')), mul(nx, E('z'))), sub(mul(nx, E('y')), mul(ny, E('x')))],
      needsNormal: true,
    };
  }
  if (dim === 2 && has('Ex') && has('Ey')) {
    return { residuals: [sub(mul(nx, E('y')), mul(ny, E('x')))], needsNormal: true };
  }
  if (has('Ez')) return { residuals: [E('z')], hard: [{ field: 'Ez', value: { kind: 'num', value: 0 } }], needsNormal: false };
  return undefined;
}

/** Reads an observations CSV: header of variables and fields, numeric rows. */
function loadData(
  file: string, loc: SourceLoc, variables: string[], fields: string[], diags: Diagnostics,
): { points: Float64Array; values: Float64Array; columns: string[] } | undefined {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file, 'utf8');
  } catch {
    diags.error(loc, `data file '${file}' does not exist or cannot be read; expected a CSV with a header naming ${variables.join(', ')} and fields`);
    return undefined;
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const at = (line: number, col = 1): SourceLoc => ({ file, line, col });
  for (const v of variables) if (!header.includes(v)) { diags.error(at(1), `the header lacks variable '${v}'; expected columns ${variables.join(', ')} and one or more of ${fields.join(', ')}`); return undefined; }
  const columns = header.filter((h) => fields.includes(h));
  const unknown = header.filter((h) => !fields.includes(h) && !variables.includes(h));
  if (unknown.length) { diags.error(at(1), `unknown column '${unknown[0]}'${didYouMean(unknown[0]!, [...variables, ...fields])}; expected variables ${variables.join(', ')} and fields ${fields.join(', ')}`); return undefined; }
  if (!columns.length) { diags.error(at(1), `the header names no field; expected one or more of ${fields.join(', ')}`); return undefined; }
  const n = lines.length - 1;
  if (n < 1) { diags.error(at(1), 'the data file has no rows'); return undefined; }
  const points = new Float64Array(n * variables.length);
  const values = new Float64Array(n * columns.length);
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1]!.split(',');
    if (cells.length !== header.length) { diags.error(at(r + 2), `row has ${cells.length} values; the header has ${header.length} columns`); return undefined; }
    for (let c = 0; c < header.length; c++) {
      const v = Number(cells[c]!.trim());
      if (cells[c]!.trim() === '' || !Number.isFinite(v)) {
        const col = cells.slice(0, c).join(',').length + (c > 0 ? 2 : 1);
        diags.error(at(r + 2, col), `'${cells[c]!.trim()}' is not a number; expected a finite number in column ${header[c]}`);
        return undefined;
      }
      const vi = variables.indexOf(header[c]!);
      if (vi >= 0) points[r * variables.length + vi] = v;
      else values[r * columns.length + columns.indexOf(header[c]!)] = v;
    }
  }
  return { points, values, columns };
}
