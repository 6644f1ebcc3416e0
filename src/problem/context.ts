/**
 * What the steps of buildProblem share: the problem's names, the constants'
 * values, the geometry (when it was valid) and the diagnostics every step
 * reports to, and compiling a spec expression against them.
 */
import { type Diagnostics, exprLoc, type SourceExpr, type Spec } from '../spec/index.js';
import { ExprError, fold, mapExpr, parseEquation, parseExpr, type Expr, type NameScope } from '../expr/index.js';
import type { Geometry } from './geometry/types.js';
import type { Region } from './types.js';

export interface BuildContext {
  spec: Spec;
  diags: Diagnostics;
  dim: 1 | 2 | 3;
  spatial: string[];
  /** Spatial variables, then t when the problem has time, then the parameters. */
  variables: string[];
  /** The parameters' names (variables no derivative is taken by). */
  parameters: string[];
  fields: string[];
  /** Known constants' values, folded into every expression. */
  constants: Map<string, number>;
  /** Names of the known and unknown constants, as expressions may use them. */
  constantNames: string[];
  /** Undefined when the geometry was invalid (already reported). */
  geometry: Geometry | undefined;
  regions: Region[];
  /** Constants piecewise by region, as IR over the regions' side variables (regions.ts). */
  piecewise: Map<string, Expr>;
}

/** The names an expression of the problem may use; `boundary` allows the normal, `derivatives` the fields' derivatives. */
export function nameScope(ctx: BuildContext, boundary: boolean, derivatives = true): NameScope {
  return {
    variables: ctx.variables,
    fields: ctx.fields,
    constants: ctx.constantNames,
    spatial: ctx.spatial,
    derivatives,
    boundary,
    parameters: ctx.parameters,
  };
}

/** An expression with the piecewise constants written out and the known constants folded in. */
export function finish(ctx: BuildContext, e: Expr): Expr {
  return fold(withPiecewise(ctx, e), ctx.constants);
}

/** The piecewise constants of an expression replaced by their IR over the regions' side variables. */
export function withPiecewise(ctx: BuildContext, e: Expr): Expr {
  if (ctx.piecewise.size === 0) return e;
  return mapExpr(e, (n) => (n.kind === 'const' && ctx.piecewise.has(n.name) ? ctx.piecewise.get(n.name)! : n));
}

/** Parses a spec expression (or equation "lhs = rhs"); a syntax or name error is reported at its place. */
export function compile(src: SourceExpr, scope: NameScope, diags: Diagnostics, equation: boolean): Expr | undefined {
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
