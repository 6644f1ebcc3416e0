/**
 * Evaluates an expression of variables and constants in float64 plain
 * JavaScript: exact solutions, boundary selectors, distance functions and
 * data checks, where a point-by-point answer in double precision is wanted.
 * Shared subtrees (distance functions are graphs) are evaluated once.
 */
import { children, type Expr, type FunctionName } from './ir.js';

/** Float64 value of every IR function (softplus in the form that does not overflow). */
export const NUMERIC_FUNCTIONS: Record<FunctionName, (...args: number[]) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  min: Math.min,
  max: Math.max,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
};

interface NumericEnv {
  /** Value of a variable or constant by name (NaN if unknown). */
  value(name: string): number;
  /** Tolerance for == and != and the slack of < and > (0 for exact comparison). */
  tolerance: number;
  /** Value of a field, derivative, Laplacian, normal derivative or normal node at the point (absent: NaN). */
  field?(e: Expr): number;
}

export function evalNumeric(e: Expr, env: NumericEnv): number {
  return compileNumeric(e)(env);
}

/**
 * Orders the distinct nodes of `e` children-first once; the returned function
 * then evaluates the expression for any environment in one pass.
 */
export function compileNumeric(e: Expr): (env: NumericEnv) => number {
  const order: Expr[] = [];
  const slot = new Map<Expr, number>();
  const visit = (node: Expr): void => {
    if (slot.has(node)) return;
    children(node).forEach(visit);
    slot.set(node, order.length);
    order.push(node);
  };
  visit(e);
  return (env) => {
    const values = new Float64Array(order.length);
    const of = (child: Expr) => values[slot.get(child)!]!;
    for (let i = 0; i < order.length; i++) values[i] = evalNode(order[i]!, of, env);
    return values[order.length - 1]!;
  };
}

function evalNode(e: Expr, of: (child: Expr) => number, env: NumericEnv): number {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
    case 'const':
      return env.value(e.name);
    case 'neg':
      return -of(e.arg);
    case 'binary': {
      const a = of(e.left);
      const b = of(e.right);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '^':
          return a ** b;
      }
      break;
    }
    case 'call':
      return NUMERIC_FUNCTIONS[e.fn](...e.args.map(of));
    case 'compare': {
      const a = of(e.left);
      const b = of(e.right);
      const tol = env.tolerance;
      switch (e.op) {
        case '==':
          return Math.abs(a - b) <= tol ? 1 : 0;
        case '!=':
          return Math.abs(a - b) > tol ? 1 : 0;
        case '<':
          return a < b + tol ? 1 : 0;
        case '<=':
          return a <= b + tol ? 1 : 0;
        case '>':
          return a > b - tol ? 1 : 0;
        case '>=':
          return a >= b - tol ? 1 : 0;
      }
      break;
    }
    case 'logic':
      return e.op === 'and' ? (of(e.left) && of(e.right) ? 1 : 0) : of(e.left) || of(e.right) ? 1 : 0;
    case 'not':
      return of(e.arg) ? 0 : 1;
    case 'cond':
      return of(e.test) ? of(e.then) : of(e.else);
    case 'field':
    case 'lap':
    case 'dn':
    case 'normal':
      return env.field ? env.field(e) : NaN;
  }
  return NaN;
}
