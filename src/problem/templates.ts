/**
 * Template expansion: each physics template's equations, with its parameters
 * substituted as expressions and its fields renamed, become equation terms;
 * a time-domain Maxwell template also gives the electromagnetic metadata.
 */
import {
  defaultFields,
  exprLoc,
  interfaceQuantities,
  TEMPLATE_PARAMS,
  templateFields,
  type Diagnostics,
  type PmlOuter,
  type ShapeSpec,
  type Spec,
  type TemplateSpec,
} from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import {
  add,
  call,
  dependsOn,
  diff,
  fold,
  DiffError,
  mapExpr,
  mul,
  parseEquation,
  parseExpr,
  show,
  simplify,
  walk,
  variable,
  type Expr,
  type NameScope,
} from '../expr/index.js';
import { compile, finish, nameScope, withPiecewise, type BuildContext } from './context.js';
import { hasInterface, sideName } from './regions.js';
import { electromagneticMetadata, type Phasor } from './electromagnetics.js';
import type { PointSet, Problem, Term } from './types.js';

/** The fields the templates use, in order, each once (the problem's fields when the spec lists none). */
export function fieldsFromTemplates(spec: Spec): string[] {
  return [...new Set(spec.templates.flatMap((t) => templateFields(t)))];
}

/** Each template's fields are among the problem's, and the problem has the time and dimension it needs. */
export function checkTemplates(spec: Spec, fields: string[], dim: number, diags: Diagnostics): void {
  for (const t of spec.templates) {
    const info = TEMPLATE_PARAMS[t.name];
    for (const f of templateFields(t)) {
      if (!fields.includes(f))
        diags.error(
          t.loc,
          `template ${t.name} uses field '${f}', which is not in fields [${fields.join(', ')}]${didYouMean(f, fields)}; rename with ${t.name}: {fields: [...]}`,
        );
    }
    if (info.needsTime && !spec.time)
      diags.error(t.loc, `template ${t.name} is time-dependent; add 'time: [start, end]'`);
    if (info.dims && !info.dims.includes(dim))
      diags.error(t.loc, `template ${t.name} needs a ${info.dims.join(' or ')}D geometry, found ${dim}D`);
  }
}

interface TemplateExpansion {
  terms: Term[];
  /** Each expanded equation as "residual = 0", for display. */
  equationText: string[];
  /** From the last time-domain Maxwell template with both materials. */
  electromagnetic: Problem['electromagnetic'];
  /** The box inside a template's PML layers. */
  pmlInterior?: Problem['pmlInterior'];
  /** The first complex template's phasor (the pec condition's data). */
  phasor?: Phasor;
}

/** How one template's text becomes IR: its scope, parameters (piecewise constants written out) and renamed fields. */
interface Expansion {
  t: TemplateSpec;
  scope: NameScope;
  params: Map<string, Expr>;
  /** `param_x` in a template is the derivative of the parameter's expression by x (divergence forms). */
  paramDerivs: Map<string, [string, string]>;
  rename: Map<string, string>;
}

/** Every template of the spec expanded, in order, with the interface conditions of piecewise materials. */
export function templateTerms(ctx: BuildContext): TemplateExpansion {
  const out: TemplateExpansion = { terms: [], equationText: [], electromagnetic: undefined };
  const interfaceSets = new Map<string, PointSet>();
  const outer = outerBoundary(ctx.spec.geometry, ctx.geometry?.bbox ?? { min: [], max: [] });
  for (const t of ctx.spec.templates) {
    const info = TEMPLATE_PARAMS[t.name];
    const paramValues = paramText(t);
    const written = templateParams(t, paramValues, ctx);
    checkMaterials(t, written, ctx);
    const params = new Map([...written].map(([k, e]) => [k, withPiecewise(ctx, e)]));
    const paramDerivs = new Map<string, [string, string]>();
    for (const k of params.keys()) for (const v of ctx.spatial) paramDerivs.set(`${k}_${v}`, [k, v]);
    const own = defaultFields(t);
    const x: Expansion = {
      t,
      params,
      paramDerivs,
      rename: new Map(own.map((f, i) => [f, templateFields(t)[i]!])),
      scope: {
        variables: ctx.variables,
        fields: own,
        constants: [...Object.keys(info.params), ...paramDerivs.keys()],
        spatial: ctx.spatial,
        derivatives: true,
        boundary: false,
        parameters: ctx.parameters,
      },
    };
    const varies = (k: string) => params.has(k) && dependsOn(params.get(k)!, ctx.spatial);
    const named = own.map((f) => x.rename.get(f)!);
    out.electromagnetic = electromagneticMetadata(t.name, own, named, params, ctx.constants) ?? out.electromagnetic;
    if (paramValues['complex'] === true) out.phasor ??= phasor(named, params, ctx);
    const tctx = { spatial: ctx.spatial, varies, outer };
    if (paramValues['complex'] === true && params.has('pml') && ctx.geometry)
      out.pmlInterior = pmlInterior(t, params.get('pml')!, outer, ctx);
    checkReflection(t, params.get('reflection'), ctx);
    checkIncident(t, params, ctx);
    for (const [name, text] of info.derived?.(paramValues, tctx) ?? []) {
      const e = expandText(text, x, ctx, false);
      if (!e) break;
      params.set(name, e);
      x.scope.constants.push(name);
    }
    for (const text of info.equations(paramValues, tctx)) {
      const e = expandText(text, x, ctx, true);
      if (!e) continue;
      out.terms.push({
        name: `${t.name}: ${renamed(text, x.rename)}`,
        kind: 'equation',
        form: 'equation',
        set: { kind: 'domain' },
        residuals: [e],
        loc: t.loc,
      });
      out.equationText.push(`${show(e)} = 0`);
    }
    out.terms.push(...interfaceTerms(x, ctx, interfaceSets));
  }
  return out;
}

/**
 * A complex template's phasor, its fields as the problem names them, with its incident plane wave
 * exp(i omega (x cos(incident) + y sin(incident))) where it has one.
 */
function phasor(named: string[], params: Map<string, Expr>, ctx: BuildContext): Phasor {
  const fields: [string, string] = [named[0]!, named[1]!];
  const angle = params.get('incident');
  const omega = params.get('omega');
  if (!angle || !omega) return { fields };
  const along = add(mul(variable('x'), call('cos', angle)), mul(variable('y'), call('sin', angle)));
  const phase = mul(omega, along);
  return { fields, incident: [finish(ctx, call('cos', phase)), finish(ctx, call('sin', phase))] };
}

/** The outer boundary a PML lies along: the circle of a disk (or of a difference's first shape), else the bounding box. */
function outerBoundary(shape: ShapeSpec, bbox: { min: number[]; max: number[] }): PmlOuter {
  if (shape.kind === 'disk') return { kind: 'disk', center: shape.center, radius: shape.radius };
  if (shape.kind === 'difference' && shape.children[0]) return outerBoundary(shape.children[0], bbox);
  return { kind: 'box', min: bbox.min, max: bbox.max };
}

/**
 * The part inside the PML's layer; the layer's width must be a number that leaves one
 * (reported at the parameter otherwise).
 */
function pmlInterior(t: TemplateSpec, width: Expr, outer: PmlOuter, ctx: BuildContext): PmlOuter | undefined {
  const w = fold(width, ctx.constants);
  const src = t.params['pml'];
  const at = typeof src === 'object' ? src.loc : t.loc;
  const room = outer.kind === 'disk' ? outer.radius : Math.min(...outer.max.map((m, i) => (m - outer.min[i]!) / 2));
  if (w.kind !== 'num' || !(w.value > 0) || w.value >= room) {
    const bound = outer.kind === 'disk' ? "the outer circle's radius" : "half the bounding box's smallest side";
    ctx.diags.error(
      at,
      `template ${t.name}: pml is the layer's width, a number > 0 and below ${bound} (${+room.toPrecision(6)}); found '${show(w)}'`,
    );
    return undefined;
  }
  return outer.kind === 'disk'
    ? { ...outer, radius: outer.radius - w.value }
    : { kind: 'box', min: outer.min.map((m) => m + w.value), max: outer.max.map((m) => m - w.value) };
}

/** `reflection` is the PML's: refused without `pml`, and a number in (0, 1) with it. */
function checkReflection(t: TemplateSpec, reflection: Expr | undefined, ctx: BuildContext): void {
  const src = t.params['reflection'];
  if (typeof src !== 'object' || !reflection) return;
  const r = fold(reflection, ctx.constants);
  if (t.params['pml'] === undefined)
    ctx.diags.error(src.loc, `template ${t.name}: reflection belongs to the PML; add pml: WIDTH (the layer's width)`);
  else if (r.kind !== 'num' || !(r.value > 0 && r.value < 1))
    ctx.diags.error(
      src.loc,
      `template ${t.name}: reflection is the amplitude a wave keeps after crossing the PML and back, a number in (0, 1); found '${show(r)}'`,
    );
}

/** The incident wave is a plane wave: its angle and omega may not vary in space (its derivatives assume so). */
function checkIncident(t: TemplateSpec, params: Map<string, Expr>, ctx: BuildContext): void {
  if (t.params['incident'] === undefined) return;
  for (const k of ['incident', 'omega']) {
    const src = t.params[k];
    const e = params.get(k);
    if (typeof src === 'object' && e && dependsOn(e, ctx.spatial))
      ctx.diags.error(
        src.loc,
        `template ${t.name}: with incident, ${k} may not depend on ${ctx.spatial.join(', ')} (the incident wave is a plane wave); found '${src.text.trim()}'`,
      );
  }
}

/** Template text with its fields renamed, for display. */
const renamed = (text: string, rename: Map<string, string>): string =>
  [...rename].reduce((s, [a, b]) => s.replace(new RegExp(`\\b${a}(?=_|\\b)`, 'g'), b), text);

/** One equation or quantity of a template as IR over the problem's names, or undefined (reported). */
function expandText(text: string, x: Expansion, ctx: BuildContext, equation: boolean): Expr | undefined {
  const name = x.t.name;
  let e: Expr;
  try {
    e = equation ? parseEquation(text, x.scope) : parseExpr(text, { ...x.scope, boundary: true });
  } catch (err) {
    ctx.diags.error(x.t.loc, `template ${name} does not fit this problem: ${(err as Error).message}`);
    return undefined;
  }
  try {
    e = mapExpr(e, (n) => {
      if (n.kind === 'const' && x.paramDerivs.has(n.name)) {
        const [k, v] = x.paramDerivs.get(n.name)!;
        return diff(x.params.get(k)!, v);
      }
      if (n.kind === 'const' && x.params.has(n.name)) return x.params.get(n.name)!;
      if ((n.kind === 'field' || n.kind === 'lap' || n.kind === 'dn') && x.rename.has(n.field))
        return { ...n, field: x.rename.get(n.field)! };
      return n;
    });
  } catch (err) {
    if (!(err instanceof DiffError)) throw err;
    ctx.diags.error(x.t.loc, `template ${name}: ${err.message}`);
    return undefined;
  }
  return simplify(finish(ctx, e));
}

/**
 * Where a template's material is piecewise by region, the conditions on each such region's
 * interface that the equation implies: the template's `interface` quantities (the field and
 * its normal flux) are the same on both sides. One point set per region, shared by templates.
 */
function interfaceTerms(x: Expansion, ctx: BuildContext, sets: Map<string, PointSet>): Term[] {
  const info = TEMPLATE_PARAMS[x.t.name];
  const sides = ctx.regions.map((r) => sideName(r.name));
  const piecewise = (info.materials ?? []).filter((k) => x.params.has(k) && dependsOn(x.params.get(k)!, sides));
  if (piecewise.length === 0) return [];
  const continuous = interfaceQuantities(x.t);
  if (!continuous) {
    const src = x.t.params[piecewise[0]!];
    ctx.diags.error(
      typeof src === 'object' ? src.loc : x.t.loc,
      `template ${x.t.name}: a ${piecewise[0]} piecewise by region is not supported yet (its interface conditions are not derived); write a smoothed step instead`,
    );
    return [];
  }
  const quantities = continuous.map((q) => expandText(q, x, ctx, false));
  if (quantities.some((q) => !q)) return [];
  const terms: Term[] = [];
  for (const [k, r] of ctx.regions.entries()) {
    if (!piecewise.some((m) => dependsOn(x.params.get(m)!, [sideName(r.name)]))) continue;
    // A region whose boundary lies on the outer boundary or inside earlier regions has no interface of its own.
    if (!ctx.geometry || !hasInterface(ctx.geometry, ctx.regions, k)) continue;
    const set = sets.get(r.name) ?? { kind: 'interface', region: r.name, label: `interface of ${r.name}` };
    sets.set(r.name, set);
    terms.push({
      name: `${x.t.name}: ${continuous.map((q) => renamed(q, x.rename)).join(' and ')} continuous across the interface of ${r.name}`,
      kind: 'condition',
      form: 'interface',
      set,
      residuals: quantities as Expr[],
      loc: x.t.loc,
    });
  }
  return terms;
}

/** The template's parameters as written, over its defaults: expression text or booleans. */
function paramText(t: TemplateSpec): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = { ...TEMPLATE_PARAMS[t.name].defaults };
  for (const [k, v] of Object.entries(t.params)) values[k] = typeof v === 'boolean' ? v : v.text;
  return values;
}

/** The template's expression parameters compiled (written ones reported at their place, defaults parsed as they are). */
function templateParams(
  t: TemplateSpec,
  paramValues: Record<string, string | boolean>,
  ctx: BuildContext,
): Map<string, Expr> {
  const params = new Map<string, Expr>();
  for (const [k, v] of Object.entries(paramValues)) {
    if (typeof v === 'boolean') continue;
    const src = t.params[k];
    const e =
      typeof src === 'object'
        ? compile(src, nameScope(ctx, false), ctx.diags, false)
        : parseExpr(v, nameScope(ctx, false));
    if (e) params.set(k, e);
  }
  return params;
}

/** The first node of `e` where it jumps in space: a `? :`, comparison or and/or/not whose test reads x, y or z. */
function jumpIn(e: Expr, spatial: string[]): Expr | undefined {
  let found: Expr | undefined;
  walk(e, (n) => {
    if (found) return;
    const test =
      n.kind === 'cond' ? n.test : n.kind === 'compare' || n.kind === 'logic' || n.kind === 'not' ? n : undefined;
    if (test && dependsOn(test, spatial)) found = n;
  });
  return found;
}

/**
 * A material coefficient that jumps in space is refused: the expansion differentiates it
 * branchwise (zero gradient on either side), so the interface condition it implies
 * (continuity of the normal flux) would be lost and a different problem solved.
 */
function checkMaterials(t: TemplateSpec, params: Map<string, Expr>, ctx: BuildContext): void {
  const info = TEMPLATE_PARAMS[t.name];
  for (const k of info.materials ?? []) {
    const src = t.params[k];
    const e = params.get(k);
    const jump = e && typeof src === 'object' ? jumpIn(e, ctx.spatial) : undefined;
    if (!jump || typeof src !== 'object') continue;
    const continuous = interfaceQuantities(t);
    const fix = continuous
      ? `name the parts with 'regions:' and make the coefficient piecewise, e.g. regions: {core: {disk: {center: [0, 0], radius: 0.5}}}, constants: {eps: {core: 5, else: 1}}, ${k}: eps; pinn then imposes the interface conditions (continuity of ${continuous.join(' and of ')})`
      : 'write a smoothed step instead (e.g. 1 + 4*(1 + tanh((0.5 - sqrt(x^2 + y^2))/0.02))/2), which the network can resolve';
    ctx.diags.error(
      exprLoc(src, jump.pos ?? 0),
      `template ${t.name}: ${k} '${src.text.trim()}' jumps in space (? :, comparisons, and/or/not); the expanded equation would drop the interface condition at the jump and solve a different problem; ${fix}`,
    );
  }
}
