/**
 * Bounds of a model's residuals over one box: network and output transforms
 * in interval jets, then the residual expressions, tightened by the
 * mean-value (first-order Taylor) form where the residual's gradient can be
 * bounded, and widened by the float32 deviation bound.
 */
import { walk, type Expr } from '../expr/index.js';
import { rawName } from '../model/index.js';
import * as A from './interval.js';
import type { I } from './interval.js';
import * as JI from './ijet.js';
import type { Ctx, IJet } from './ijet.js';
import { ievaluate, type FieldJets, type IEnv } from './iexpr.js';
import { forwardJets, type PlainNet } from './inet.js';

/** What the verifier needs of a trained model, as plain numbers. */
export interface VerifyModel {
  net: PlainNet;
  /** Input variables in network order (spatial, then t). */
  variables: string[];
  spatialIndex: number[];
  fields: string[];
  transforms: Map<string, Expr>;
  /** Known constants and fitted unknowns. */
  constants: Map<string, number>;
  /** Network inputs after the variables, as expressions of them (model.ts holeInputs); absent: none. */
  holeInputs?: Expr[];
}

export interface Box {
  lo: number[];
  hi: number[];
}

/** Normal components over a box, for residuals that use dn() or n_x. */
export type NormalsFn = (c: Ctx, box: Box) => IJet[];

/**
 * The input variables' jets over a box of the cover's own coordinates, where those are not the
 * variables themselves (a parametrised boundary curve): derivative channels are with respect to
 * the box's axes, so only residuals without field derivatives or normals can be bounded this way.
 */
export type Embed = (c: Ctx, box: Box) => IJet[];

/** Highest field derivative order in an expression (lap counts 2, dn 1). */
export function derivativeDepth(e: Expr): number {
  let d = 0;
  walk(e, (n) => {
    if (n.kind === 'field') d = Math.max(d, n.derivs.length);
    else if (n.kind === 'lap') d = Math.max(d, 2);
    else if (n.kind === 'dn') d = Math.max(d, 1);
  });
  return d;
}

export function usesNormals(e: Expr): boolean {
  let used = false;
  walk(e, (n) => {
    if (n.kind === 'dn' || n.kind === 'normal') used = true;
  });
  return used;
}

export interface BoundOptions {
  /** Include the float32 deviation of a TF.js evaluation (default true). */
  f32: boolean;
  /** Use the mean-value form where possible (default true). */
  meanValue: boolean;
  eqTol?: number;
  /** The box is in a curve's parameters (see Embed). */
  embed?: Embed;
}

function boxVars(c: Ctx, box: Box): IJet[] {
  return box.lo.map((lo, i) => JI.variableJet(c, i, { lo, hi: box.hi[i]! }));
}

/** Field jets of order `ord` over the box: network, then the output transforms. */
export function fieldJets(
  vm: VerifyModel,
  box: Box,
  ord: number,
  f32: boolean,
  embed: Embed = boxVars,
): Map<string, FieldJets> {
  const c: Ctx = { nv: box.lo.length, ord, f32 };
  const vars = embed(c, box);
  const varMap = new Map<string, IJet>(vm.variables.map((v, i) => [v, vars[i]!]));
  const env: IEnv = {
    c,
    varIndex: embed === boxVars ? new Map(vm.variables.map((v, i) => [v, i])) : new Map(),
    vars: varMap,
    consts: vm.constants,
    fields: new Map(),
    spatial: vm.spatialIndex,
  };
  const out = forwardJets(
    c,
    vm.net,
    vars,
    (vm.holeInputs ?? []).map((e) => ievaluate(e, env)),
  );
  const raw = new Map(vm.fields.map((f, k) => [f, out[k]!]));
  const result = new Map<string, FieldJets>();
  if (vm.transforms.size === 0) {
    for (const [f, j] of raw) result.set(f, { jet: j, ord });
    return result;
  }
  for (const [f, j] of raw) varMap.set(rawName(f), j);
  for (const f of vm.fields) {
    const t = vm.transforms.get(f);
    result.set(f, { jet: t ? ievaluate(t, env) : raw.get(f)!, ord });
  }
  return result;
}

/** Plain evaluation of residuals over a box at expression order `exprOrd`. */
function evalResiduals(
  vm: VerifyModel,
  residuals: Expr[],
  box: Box,
  exprOrd: number,
  depth: number,
  f32: boolean,
  normals: NormalsFn | undefined,
  eqTol?: number,
  embed: Embed = boxVars,
): IJet[] {
  const netOrd = Math.min(2, depth + exprOrd);
  const fields = fieldJets(vm, box, netOrd, f32, embed);
  const c: Ctx = { nv: box.lo.length, ord: exprOrd, f32 };
  const vars = embed(c, box);
  const env: IEnv = {
    c,
    // Field derivatives are with respect to the variables: unbound over a curve's parameters.
    varIndex: embed === boxVars ? new Map(vm.variables.map((v, i) => [v, i])) : new Map(),
    vars: new Map(vm.variables.map((v, i) => [v, vars[i]!])),
    consts: vm.constants,
    fields,
    spatial: vm.spatialIndex,
    normals: normals?.(c, box),
    eqTol,
  };
  return residuals.map((r) => ievaluate(r, env));
}

/**
 * Enclosures of each residual over the box, as values a float32 evaluation
 * can produce (exact enclosure widened by the float32 deviation when f32).
 */
export function residualBounds(
  vm: VerifyModel,
  residuals: Expr[],
  box: Box,
  opts: BoundOptions,
  normals?: NormalsFn,
): I[] {
  const depth = Math.max(0, ...residuals.map(derivativeDepth));
  const isPoint = box.lo.every((lo, i) => lo === box.hi[i]);
  // The mean-value form needs the residual's gradient: field derivatives one order higher than it uses.
  const mv = opts.meanValue && !isPoint && depth <= 1;
  const nat = evalResiduals(vm, residuals, box, mv ? 1 : 0, depth, opts.f32, normals, opts.eqTol, opts.embed);
  if (!mv) return nat.map((j) => A.widen(j.v, j.e));
  const center = box.lo.map((lo, i) => (box.hi[i]! === lo ? lo : 0.5 * lo + 0.5 * box.hi[i]!));
  const cBox = { ...box, lo: center, hi: center };
  const atC = evalResiduals(vm, residuals, cBox, 0, depth, false, normals, opts.eqTol, opts.embed);
  return nat.map((j, k) => {
    let m = atC[k]!.v;
    for (let i = 0; i < center.length; i++) {
      const dx = A.sub({ lo: box.lo[i]!, hi: box.hi[i]! }, A.point(center[i]!));
      m = A.add(m, A.mul(j.g[i]!, dx));
    }
    return A.widen(A.intersect(j.v, m), j.e);
  });
}
