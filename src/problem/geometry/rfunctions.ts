/**
 * Rvachev R-functions (the R0 system) as expression builders, plus a small
 * numeric evaluator for the expressions geometry builds. R0 conjunction
 * a + b - sqrt(a^2 + b^2) has the sign of "a > 0 and b > 0", vanishes where
 * one argument vanishes and the other is non-negative, and there has the
 * gradient of the vanishing argument, so normalized distances stay normalized
 * (to first order) on the composed boundary.
 */
import { add, call, compileNumeric, neg, num, pow, sub, variable, type Expr } from '../../expr/index.js';

const AXIS_NAMES = ['x', 'y', 'z'] as const;

export const axisVariable = (axis: number): Expr => variable(AXIS_NAMES[axis]!);

/** x_axis - c, without a "- 0". */
export function offsetAxis(axis: number, c: number): Expr {
  return c === 0 ? axisVariable(axis) : sub(axisVariable(axis), num(c));
}

/** e^2; written as a power so that `e` appears once (expressions are trees to their consumers). */
export const square = (e: Expr): Expr => pow(e, num(2));

export function rAnd(a: Expr, b: Expr): Expr {
  return sub(add(a, b), call('sqrt', add(square(a), square(b))));
}

function rOr(a: Expr, b: Expr): Expr {
  return add(add(a, b), call('sqrt', add(square(a), square(b))));
}

export const rNot = neg;

/** Balanced fold: each R-operation repeats its arguments, so depth (not length) sets the size. */
function foldBalanced(terms: Expr[], op: (a: Expr, b: Expr) => Expr): Expr {
  if (terms.length === 0) throw new Error('R-function of no terms');
  if (terms.length === 1) return terms[0]!;
  const half = Math.ceil(terms.length / 2);
  return op(foldBalanced(terms.slice(0, half), op), foldBalanced(terms.slice(half), op));
}

export const rAndAll = (terms: Expr[]): Expr => foldBalanced(terms, rAnd);
export const rOrAll = (terms: Expr[]): Expr => foldBalanced(terms, rOr);

/**
 * Compiles a geometry expression (numbers, x/y/z, arithmetic, sqrt/abs/min/max)
 * into a point evaluator. Shared subtrees are evaluated once.
 */
export function compileDistance(e: Expr): (point: ArrayLike<number>) => number {
  const run = compileNumeric(e);
  return (point) =>
    run({
      tolerance: 0,
      value: (name) => {
        const axis = AXIS_NAMES.indexOf(name as (typeof AXIS_NAMES)[number]);
        if (axis < 0 || axis >= point.length) throw new Error(`unknown coordinate '${name}'`);
        return point[axis]!;
      },
    });
}
