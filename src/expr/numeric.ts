/**
 * Evaluates an expression of variables and constants in float64 plain
 * JavaScript: exact solutions, boundary selectors and data checks, where a
 * point-by-point answer in double precision is wanted.
 */
import type { Expr } from './ir.js';

export interface NumericEnv {
  /** Value of a variable or constant by name (NaN if unknown). */
  value(name: string): number;
  /** Tolerance for == and != and the slack of < and > (0 for exact comparison). */
  tolerance: number;
}

export function evalNumeric(e: Expr, env: NumericEnv): number {
  const ev = (x: Expr) => evalNumeric(x, env);
  switch (e.kind) {
    case 'num': return e.value;
    case 'var': case 'const': return env.value(e.name);
    case 'neg': return -ev(e.arg);
    case 'binary': {
      const a = ev(e.left);
      const b = ev(e.right);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '^': return a ** b;
      }
      break;
    }
    case 'call': return (Math[e.fn] as (...v: number[]) => number)(...e.args.map(ev));
    case 'compare': {
      const a = ev(e.left);
      const b = ev(e.right);
      const tol = env.tolerance;
      switch (e.op) {
        case '==': return Math.abs(a - b) <= tol ? 1 : 0;
        case '!=': return Math.abs(a - b) > tol ? 1 : 0;
        case '<': return a < b + tol ? 1 : 0;
        case '<=': return a <= b + tol ? 1 : 0;
        case '>': return a > b - tol ? 1 : 0;
        case '>=': return a >= b - tol ? 1 : 0;
      }
      break;
    }
    case 'logic': return e.op === 'and' ? (ev(e.left) && ev(e.right) ? 1 : 0) : (ev(e.left) || ev(e.right) ? 1 : 0);
    case 'not': return ev(e.arg) ? 0 : 1;
    case 'cond': return ev(e.test) ? ev(e.then) : ev(e.else);
    default: return NaN;
  }
  return NaN;
}
