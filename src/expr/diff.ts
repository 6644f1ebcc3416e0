/**
 * Symbolic differentiation of expression IR by a variable, and light algebraic
 * simplification (zeros and ones). Used to expand templates with
 * space-dependent coefficients into their divergence form exactly:
 * -div(eps grad u) = -eps lap(u) - grad(eps) . grad(u), with grad(eps) the
 * derivative of the coefficient's own expression.
 *
 * Coefficients are expressions of the variables and constants; `cond ? a : b`
 * differentiates branchwise (the jump at the switch has no pointwise
 * derivative: see docs/electromagnetics.md on interfaces), comparisons and
 * logic are piecewise constant. A field (an unknown coefficient field, say)
 * differentiates to its derivative channel, up to the second order the jets
 * carry; lap() and dn() of a field are refused.
 */
import { assertNever } from '../util/index.js';
import { add, call, div, mul, neg, num, sub, type Expr } from './ir.js';

export class DiffError extends Error {}

const isNum = (e: Expr, v?: number): boolean => e.kind === 'num' && (v === undefined || e.value === v);

/** The names a problem's variables can have; fields are functions of them. */
const PROBLEM_VARIABLES = ['x', 'y', 'z', 't'];

/** d e / d name, simplified. */
export function diff(e: Expr, name: string): Expr {
  return simplify(d(e, name));
}

// One case per IR node kind and function, like a rule table (JAX's jet_rules) in switch form; long by design.
function d(e: Expr, v: string): Expr {
  switch (e.kind) {
    case 'num':
    case 'const':
    case 'normal':
      return num(0);
    case 'var':
      return num(e.name === v ? 1 : 0);
    case 'field':
      if (e.derivs.length >= 2)
        throw new DiffError(
          `a coefficient's gradient would need a third derivative of ${e.field} (found ${e.field}_${e.derivs})`,
        );
      return { kind: 'field', field: e.field, derivs: [...e.derivs, v].sort().join('') };
    case 'lap':
    case 'dn':
      throw new DiffError(`a coefficient cannot contain ${e.kind}(${e.field})`);
    case 'neg':
      return neg(d(e.arg, v));
    case 'compare':
    case 'logic':
    case 'not':
      return num(0);
    case 'cond':
      return { kind: 'cond', test: e.test, then: d(e.then, v), else: d(e.else, v) };
    case 'binary': {
      const { left: a, right: b } = e;
      switch (e.op) {
        case '+':
          return add(d(a, v), d(b, v));
        case '-':
          return sub(d(a, v), d(b, v));
        case '*':
          return add(mul(d(a, v), b), mul(a, d(b, v)));
        case '/':
          return sub(div(d(a, v), b), div(mul(a, d(b, v)), mul(b, b)));
        case '^': {
          const db = simplify(d(b, v));
          // a^c with constant c: c a^(c-1) a'.
          if (isNum(db, 0)) return mul(mul(b, { kind: 'binary', op: '^', left: a, right: sub(b, num(1)) }), d(a, v));
          // General: a^b (b' log a + b a'/a).
          return mul(e, add(mul(db, call('log', a)), div(mul(b, d(a, v)), a)));
        }
      }
      break;
    }
    case 'call': {
      const [a, b] = e.args as [Expr, Expr | undefined];
      const da = d(a, v);
      switch (e.fn) {
        case 'sin':
          return mul(call('cos', a), da);
        case 'cos':
          return neg(mul(call('sin', a), da));
        case 'tan':
          return div(da, mul(call('cos', a), call('cos', a)));
        case 'exp':
          return mul(e, da);
        case 'log':
          return div(da, a);
        case 'sqrt':
          return div(da, mul(num(2), e));
        case 'abs':
          return { kind: 'cond', test: { kind: 'compare', op: '<', left: a, right: num(0) }, then: neg(da), else: da };
        case 'tanh':
          return mul(sub(num(1), mul(e, e)), da);
        case 'sinh':
          return mul(call('cosh', a), da);
        case 'cosh':
          return mul(call('sinh', a), da);
        case 'min':
          return { kind: 'cond', test: { kind: 'compare', op: '<=', left: a, right: b! }, then: da, else: d(b!, v) };
        case 'max':
          return { kind: 'cond', test: { kind: 'compare', op: '>=', left: a, right: b! }, then: da, else: d(b!, v) };
        case 'sigmoid':
          return mul(mul(e, sub(num(1), e)), da);
        case 'softplus':
          return mul(call('sigmoid', a), da);
        default:
          return assertNever(e.fn, 'function');
      }
    }
  }
  return assertNever(e, 'expression');
}

/** Removes additions of 0, multiplications by 0 and 1, and folds numbers. */
export function simplify(e: Expr): Expr {
  switch (e.kind) {
    case 'neg': {
      const a = simplify(e.arg);
      if (a.kind === 'num') return num(-a.value);
      if (a.kind === 'neg') return a.arg;
      return neg(a);
    }
    case 'binary': {
      const a = simplify(e.left);
      const b = simplify(e.right);
      if (a.kind === 'num' && b.kind === 'num') {
        const x = a.value;
        const y = b.value;
        const r = e.op === '+' ? x + y : e.op === '-' ? x - y : e.op === '*' ? x * y : e.op === '/' ? x / y : x ** y;
        if (Number.isFinite(r)) return num(r);
      }
      switch (e.op) {
        case '+':
          if (isNum(a, 0)) return b;
          if (isNum(b, 0)) return a;
          break;
        case '-':
          if (isNum(b, 0)) return a;
          if (isNum(a, 0)) return simplify(neg(b));
          break;
        case '*':
          if (isNum(a, 0) || isNum(b, 0)) return num(0);
          if (isNum(a, 1)) return b;
          if (isNum(b, 1)) return a;
          break;
        case '/':
          if (isNum(a, 0)) return num(0);
          if (isNum(b, 1)) return a;
          break;
        case '^':
          if (isNum(b, 1)) return a;
          if (isNum(b, 0)) return num(1);
          break;
      }
      return { ...e, left: a, right: b };
    }
    case 'call':
      return { ...e, args: e.args.map(simplify) };
    case 'cond': {
      const t = simplify(e.then);
      const f = simplify(e.else);
      if (t.kind === 'num' && f.kind === 'num' && t.value === f.value) return t;
      return { ...e, test: e.test, then: t, else: f };
    }
    default:
      return e;
  }
}

/** Whether `e` reads any of the named variables. */
export function dependsOn(e: Expr, names: string[]): boolean {
  switch (e.kind) {
    case 'var':
      return names.includes(e.name);
    // A field is a function of every problem variable (and of nothing else named).
    case 'field':
    case 'lap':
    case 'dn':
      return names.some((n) => PROBLEM_VARIABLES.includes(n));
    case 'neg':
    case 'not':
      return dependsOn(e.arg, names);
    case 'binary':
    case 'compare':
    case 'logic':
      return dependsOn(e.left, names) || dependsOn(e.right, names);
    case 'call':
      return e.args.some((a) => dependsOn(a, names));
    case 'cond':
      return dependsOn(e.test, names) || dependsOn(e.then, names) || dependsOn(e.else, names);
    default:
      return false;
  }
}
