/**
 * The expression IR: plain data that every consumer walks (jet evaluation,
 * interval bounds, channel analysis). User strings, templates and geometry
 * distance functions all become this; nothing here can reach JavaScript.
 */

type BinaryOp = '+' | '-' | '*' | '/' | '^';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
type LogicOp = 'and' | 'or';

/** Elementary functions a spec's expression may call, with their arity. */
export const FUNCTIONS = {
  sin: 1,
  cos: 1,
  tan: 1,
  exp: 1,
  log: 1,
  sqrt: 1,
  abs: 1,
  tanh: 1,
  sinh: 1,
  cosh: 1,
  min: 2,
  max: 2,
} as const;
/** Functions only pinn's own transforms call (reparam's sign transforms); specs cannot name them. */
interface InternalFunctions {
  sigmoid: 1;
  softplus: 1;
}

type Arity = typeof FUNCTIONS & InternalFunctions;
export type UserFunctionName = keyof typeof FUNCTIONS;
/**
 * Every function the IR can call. Each interpretation of the IR keeps a table typed over these
 * names (jets: derivatives/functions.ts, symbolic: diff.ts, float64: numeric.ts, intervals:
 * verify/ijet.ts), so a function added here fails to compile until every table has it.
 */
export type FunctionName = keyof Arity;
/** The one-argument functions (min and max take two and are rules of their own everywhere). */
export type UnaryFunctionName = { [K in FunctionName]: Arity[K] extends 1 ? K : never }[FunctionName];

/** Source offset of a node inside the expression string (0-based). */
export interface Located {
  pos?: number;
}

export type Expr = Located &
  (
    | { kind: 'num'; value: number }
    | { kind: 'var'; name: string }
    | { kind: 'const'; name: string }
    | { kind: 'field'; field: string; derivs: string }
    | { kind: 'lap'; field: string }
    | { kind: 'dn'; field: string }
    | { kind: 'normal'; axis: number }
    | { kind: 'neg'; arg: Expr }
    | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
    | { kind: 'call'; fn: FunctionName; args: Expr[] }
    | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
    | { kind: 'logic'; op: LogicOp; left: Expr; right: Expr }
    | { kind: 'not'; arg: Expr }
    | { kind: 'cond'; test: Expr; then: Expr; else: Expr }
  );

export const num = (value: number): Expr => ({ kind: 'num', value });
export const variable = (name: string): Expr => ({ kind: 'var', name });
export const field = (name: string, derivs = ''): Expr => ({ kind: 'field', field: name, derivs });
export const neg = (arg: Expr): Expr => ({ kind: 'neg', arg });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right });
export const add = (a: Expr, b: Expr): Expr => bin('+', a, b);
export const sub = (a: Expr, b: Expr): Expr => bin('-', a, b);
export const mul = (a: Expr, b: Expr): Expr => bin('*', a, b);
export const div = (a: Expr, b: Expr): Expr => bin('/', a, b);
export const pow = (a: Expr, b: Expr): Expr => bin('^', a, b);
export const call = (fn: FunctionName, ...args: Expr[]): Expr => ({ kind: 'call', fn, args });

/** Sum of a non-empty list of expressions. */
export function sum(terms: Expr[]): Expr {
  if (terms.length === 0) return num(0);
  return terms.slice(1).reduce((acc, t) => add(acc, t), terms[0]!);
}

/** Every direct child of a node, for generic walks. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'neg':
    case 'not':
      return [e.arg];
    case 'binary':
    case 'compare':
    case 'logic':
      return [e.left, e.right];
    case 'call':
      return e.args;
    case 'cond':
      return [e.test, e.then, e.else];
    default:
      return [];
  }
}

/** Visits every node depth-first. */
export function walk(e: Expr, visit: (node: Expr) => void): void {
  visit(e);
  for (const c of children(e)) walk(c, visit);
}

/** Rebuilds a tree bottom-up; `f` sees a node whose children are already mapped. */
export function mapExpr(e: Expr, f: (node: Expr) => Expr): Expr {
  let copy: Expr;
  switch (e.kind) {
    case 'neg':
    case 'not':
      copy = { ...e, arg: mapExpr(e.arg, f) };
      break;
    case 'binary':
    case 'compare':
    case 'logic':
      copy = { ...e, left: mapExpr(e.left, f), right: mapExpr(e.right, f) };
      break;
    case 'call':
      copy = { ...e, args: e.args.map((a) => mapExpr(a, f)) };
      break;
    case 'cond':
      copy = { ...e, test: mapExpr(e.test, f), then: mapExpr(e.then, f), else: mapExpr(e.else, f) };
      break;
    default:
      copy = e;
  }
  return f(copy);
}

/** Readable text form, used by `pinn validate` and messages. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return Number.isInteger(e.value) ? String(e.value) : String(e.value);
    case 'var':
    case 'const':
      return e.name;
    case 'field':
      return e.derivs ? `${e.field}_${e.derivs}` : e.field;
    case 'lap':
      return `lap(${e.field})`;
    case 'dn':
      return `dn(${e.field})`;
    case 'normal':
      return `n_${'xyz'[e.axis] ?? e.axis}`;
    case 'neg':
      return `-(${show(e.arg)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.fn}(${e.args.map(show).join(', ')})`;
    case 'compare':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'logic':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'not':
      return `not (${show(e.arg)})`;
    case 'cond':
      return `(${show(e.test)} ? ${show(e.then)} : ${show(e.else)})`;
  }
}
