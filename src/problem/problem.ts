/**
 * Spec -> Problem: variables, fields, constants, geometry, and every equation,
 * condition and inequality compiled to expression IR with the point set it
 * lives on. All name and expression errors are collected with their location.
 */
import { Diagnostics, shapeDim, type SourceExpr, type Spec } from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import { derivativeOrder, fieldsUsed, fold, type Expr, type NameScope } from '../expr/index.js';
import { buildGeometry, GeometryError } from './geometry/index.js';
import type { Geometry } from './geometry/types.js';
import { NO_SECOND_DERIVATIVE } from '../derivatives/index.js';
import { compile, finish, nameScope, type BuildContext } from './context.js';
import { conditionTerms } from './conditions.js';
import { inequalityTerms } from './inequalities.js';
import { checkResources } from './limits.js';
import { buildRegions, piecewiseConstants } from './regions.js';
import { checkTemplates, fieldsFromTemplates, templateTerms } from './templates.js';
import type { Problem, Term } from './types.js';

const SPATIAL = ['x', 'y', 'z'];

export function buildProblem(spec: Spec): Problem {
  const diags = new Diagnostics();
  const dim = shapeDim(spec.geometry);
  const spatial = SPATIAL.slice(0, dim);
  const parameters = spec.parameters.map((p) => p.name);
  const variables = [...spatial, ...(spec.time ? ['t'] : []), ...parameters];
  const geometry = geometryOf(spec, diags);

  // Fields: listed, or from the templates.
  const solved = spec.fields.length > 0 ? spec.fields : fieldsFromTemplates(spec);
  const fields = [...solved, ...unknownFieldsOf(spec, solved, diags)];
  if (fields.length === 0)
    diags.error(
      { file: spec.file, line: 1, col: 1 },
      "no fields: add 'fields: [u]' (the unknowns the network outputs) or use a template",
    );
  checkTemplates(spec, fields, dim, diags);

  const { constants, unknowns } = readConstants(spec, fields, diags);
  checkParameterNames(
    spec,
    [...fields, ...spec.constants.map((c) => c.name), ...spec.regions.map((r) => r.name)],
    diags,
  );
  const regions = buildRegions(spec, geometry, diags);
  const pieceScope: NameScope = {
    variables,
    fields: [],
    constants: [...constants.keys(), ...unknowns.map((u) => u.name)],
    spatial,
    derivatives: false,
    boundary: false,
    parameters,
  };
  const piecewise = piecewiseConstants(spec, regions, geometry, pieceScope, diags);
  unknowns.push(...piecewise.unknowns);
  const ctx: BuildContext = {
    spec,
    diags,
    dim,
    spatial,
    variables,
    parameters,
    fields,
    constants,
    constantNames: [...constants.keys(), ...unknowns.map((u) => u.name), ...piecewise.values.keys()],
    geometry,
    regions,
    piecewise: piecewise.values,
  };

  // Equations: written ones, then template expansions; then conditions and inequalities.
  const written = writtenEquations(ctx);
  const expanded = templateTerms(ctx);
  const terms = [...written.terms, ...expanded.terms, ...conditionTerms(ctx, expanded.phasor), ...inequalityTerms(ctx)];
  const equationText = [...written.equationText, ...expanded.equationText];
  const exact = exactSolution(ctx);
  checkActivation(spec, terms, diags);
  if (terms.length === 0 && diags.ok) {
    diags.error(
      spec.locs?.['equations'] ?? { file: spec.file, line: 1, col: 1 },
      'the problem has nothing to train on; expected at least one equation',
    );
  }
  diags.throwIfAny();
  const electromagnetic = expanded.electromagnetic;
  const problem: Problem = {
    spec,
    name: spec.name,
    variables,
    parameters: spec.parameters,
    spatialIndex: spatial.map((_, i) => i),
    dim,
    time: spec.time && { min: spec.time.min, max: spec.time.max },
    fields,
    unknownFields: spec.unknownFields,
    constants,
    unknowns,
    geometry: geometry!,
    regions,
    terms,
    exact,
    equationText,
    ...(electromagnetic ? { electromagnetic } : {}),
    ...(expanded.pmlInterior ? { pmlInterior: expanded.pmlInterior } : {}),
  };
  checkResources(problem, diags);
  diags.throwIfAny();
  return problem;
}

function geometryOf(spec: Spec, diags: Diagnostics): Geometry | undefined {
  try {
    return buildGeometry(spec.geometry);
  } catch (err) {
    if (err instanceof GeometryError) diags.error(err.loc, `invalid geometry: ${err.message}`);
    else diags.error(spec.geometry.loc, `invalid geometry: ${(err as Error).message}`);
    return undefined;
  }
}

/** A parameter named like a field, constant or region would make every expression ambiguous. */
function checkParameterNames(spec: Spec, taken: string[], diags: Diagnostics): void {
  for (const p of spec.parameters)
    if (taken.includes(p.name))
      diags.error(
        p.loc,
        `parameter '${p.name}' has the name of a field, constant or region; expected a name of its own`,
      );
}

/** The unknown coefficient fields, each a network output beside the solved fields (none may be one of them). */
function unknownFieldsOf(spec: Spec, solved: string[], diags: Diagnostics): string[] {
  return spec.unknownFields.filter((f) => {
    if (!solved.includes(f)) return true;
    diags.error(
      spec.locs?.['unknown_fields'] ?? { file: spec.file, line: 1, col: 1 },
      `unknown field '${f}' is also in fields; list it once, under unknown_fields`,
    );
    return false;
  });
}

/** Constants, in order; each may use earlier ones. Unknowns (trainable) keep their start value apart. */
function readConstants(spec: Spec, fields: string[], diags: Diagnostics): Pick<Problem, 'constants' | 'unknowns'> {
  const constants = new Map<string, number>();
  const unknowns: Problem['unknowns'] = [];
  const constScope: NameScope = {
    variables: [],
    fields: [],
    constants: [],
    spatial: [],
    derivatives: false,
    boundary: false,
  };
  for (const c of spec.constants) {
    if (c.pieces) continue;
    if (fields.includes(c.name)) {
      diags.error(c.loc, `constant '${c.name}' has the name of a field`);
      continue;
    }
    const e = compile(
      c.value,
      { ...constScope, constants: [...constants.keys(), ...unknowns.map((u) => u.name)] },
      diags,
      false,
    );
    if (!e) continue;
    const v = fold(e, constants);
    if (v.kind !== 'num') {
      diags.error(
        c.value.loc,
        `constant '${c.name}' must evaluate to a number; it may use only numbers and earlier known constants`,
      );
      continue;
    }
    if (c.unknown) unknowns.push({ name: c.name, initial: v.value, ...(c.bounds ? { bounds: c.bounds } : {}) });
    else constants.set(c.name, v.value);
  }
  return { constants, unknowns };
}

/** The spec's own equations (not the templates'), each a domain term. */
function writtenEquations(ctx: BuildContext): { terms: Term[]; equationText: string[] } {
  const terms: Term[] = [];
  const equationText: string[] = [];
  for (const eq of ctx.spec.equations) {
    const e = compile(eq, nameScope(ctx, false), ctx.diags, true);
    if (!e) continue;
    checkInvolvesField(e, eq, ctx.diags);
    terms.push({
      name: `equation ${eq.text.trim()}`,
      kind: 'equation',
      form: 'equation',
      set: { kind: 'domain' },
      residuals: [finish(ctx, e)],
      loc: eq.loc,
    });
    equationText.push(eq.text.trim());
  }
  return { terms, equationText };
}

function checkInvolvesField(e: Expr, src: SourceExpr, diags: Diagnostics): void {
  if (fieldsUsed(e).size === 0)
    diags.error(src.loc, `equation '${src.text.trim()}' does not involve any field; expected a residual of the fields`);
}

/** The exact solution per field, for error measures: expressions of the variables and constants only. */
function exactSolution(ctx: BuildContext): Map<string, Expr> {
  const exact = new Map<string, Expr>();
  for (const [f, src] of Object.entries(ctx.spec.exact)) {
    if (!ctx.fields.includes(f)) {
      ctx.diags.error(
        src.keyLoc ?? src.loc,
        `exact names unknown field '${f}'${didYouMean(f, ctx.fields)}; expected one of ${ctx.fields.join(', ')}`,
      );
      continue;
    }
    // A piecewise constant's side variables have no float64 meaning: exact solutions write their pieces with ? :.
    const constants = ctx.constantNames.filter((c) => !ctx.piecewise.has(c));
    const e = compile(src, { ...nameScope(ctx, false, false), fields: [], constants }, ctx.diags, false);
    if (e) exact.set(f, finish(ctx, e));
  }
  return exact;
}

/** An activation without a second derivative cannot train second-order residuals. */
function checkActivation(spec: Spec, terms: Term[], diags: Diagnostics): void {
  const secondOrder = terms.find((t) => t.residuals.some((r) => derivativeOrder(r) >= 2));
  if (spec.network.activation && NO_SECOND_DERIVATIVE.has(spec.network.activation) && secondOrder) {
    diags.error(
      spec.locs?.['network.activation'] ?? { file: spec.file, line: 1, col: 1 },
      `activation '${spec.network.activation}' has no second derivative, which '${secondOrder.name}' needs; expected tanh, sin, silu, sigmoid or gelu`,
    );
  }
}
