/**
 * User expression strings to IR. mathjs's parser gives the syntax tree; only
 * the node kinds listed here are accepted, and mathjs's evaluator is never
 * used, so an expression cannot reach JavaScript, the file system or the process.
 */
import { parse as mathParse, type MathNode } from 'mathjs';
import { FUNCTIONS, type CompareOp, type Expr, type UserFunctionName } from './ir.js';
import { didYouMean } from '../util/index.js';

/** What names an expression may use where it is written. */
export interface NameScope {
  /** Independent variables in order, e.g. ['x', 'y', 't']. */
  variables: string[];
  fields: string[];
  constants: string[];
  /** Spatial variables (the Laplacian and normals range over these). */
  spatial: string[];
  /** Field derivatives (u_x, lap(u)) are allowed. */
  derivatives: boolean;
  /** dn(u) and normal components n_x are allowed (boundary conditions). */
  boundary: boolean;
  /** Variables that are parameters (network inputs over a range): read like variables, never differentiated by. */
  parameters?: string[];
}

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const BUILTIN_NUMBERS: Record<string, number> = { pi: Math.PI, e: Math.E };
const MAX_LENGTH = 10_000;
/** Deepest expression tree accepted (every later stage walks the tree recursively). */
const MAX_DEPTH = 200;
const TOO_DEEP = `the expression is nested more than ${MAX_DEPTH} levels deep; expected a shorter expression (name parts of it as constants)`;

const COMPARE: Record<string, CompareOp> = {
  larger: '>',
  smaller: '<',
  largerEq: '>=',
  smallerEq: '<=',
  equal: '==',
  unequal: '!=',
};

/** Parses a plain expression (no top-level '='). */
export function parseExpr(text: string, scope: NameScope, baseOffset = 0): Expr {
  if (text.length > MAX_LENGTH)
    throw new ExprError(`expression is ${text.length} characters long; at most ${MAX_LENGTH} are accepted`, baseOffset);
  if (text.trim() === '')
    throw new ExprError('empty expression; expected a math expression such as "sin(pi*x)"', baseOffset);
  let node: MathNode;
  try {
    node = mathParse(text);
  } catch (err) {
    const e = err as Error & { char?: number };
    if (err instanceof RangeError) throw new ExprError(TOO_DEEP, baseOffset);
    const at = typeof e.char === 'number' ? Math.max(0, Math.min(text.length, e.char - 1)) : 0;
    throw new ExprError(`cannot parse expression: ${e.message.replace(/ \(char \d+\)$/, '')}`, baseOffset + at);
  }
  try {
    return new Converter(text, scope, baseOffset).convert(node);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError(TOO_DEEP, baseOffset);
    throw err;
  }
}

/**
 * Parses "lhs = rhs" (or a bare expression meaning "= 0") into the residual lhs - rhs.
 */
export function parseEquation(text: string, scope: NameScope): Expr {
  const at = topLevelEquals(text);
  if (at < 0) return parseExpr(text, scope);
  const lhs = parseExpr(text.slice(0, at), scope, 0);
  const rhs = parseExpr(text.slice(at + 1), scope, at + 1);
  return { kind: 'binary', op: '-', left: lhs, right: rhs, pos: at };
}

/** Index of a single '=' that is not part of ==, <=, >=, !=; -1 if none. */
export function topLevelEquals(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '=') continue;
    const before = text[i - 1];
    const after = text[i + 1];
    if (after === '=') {
      i++;
      continue;
    }
    if (before === '<' || before === '>' || before === '!' || before === '=') continue;
    return i;
  }
  return -1;
}

class Converter {
  constructor(
    private readonly text: string,
    private readonly scope: NameScope,
    private readonly base: number,
  ) {}

  /** Offset of the first whole-word occurrence of a name, for pointing at it. */
  private where(name: string): number {
    const re = new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`);
    const m = re.exec(this.text);
    return this.base + (m ? m.index + m[1]!.length : 0);
  }

  private fail(message: string, name?: string): never {
    throw new ExprError(
      message,
      name ? this.where(name) : this.base + (this.text.length - this.text.trimStart().length),
    );
  }

  private depth = 0;

  convert(node: MathNode): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(TOO_DEEP);
    try {
      return this.convertNode(node);
    } finally {
      this.depth--;
    }
  }

  private convertNode(node: MathNode): Expr {
    const n = node as MathNode & Record<string, unknown>;
    switch (node.type) {
      case 'ConstantNode': {
        const value = n['value'];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.fail(
            `only finite numbers are allowed as literals, found ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
          );
        }
        return { kind: 'num', value };
      }
      case 'ParenthesisNode':
        return this.convert(n['content'] as MathNode);
      case 'SymbolNode':
        return this.symbol(n['name'] as string);
      case 'OperatorNode':
        return this.operator(n['fn'] as string, n['op'] as string, n['args'] as MathNode[]);
      case 'ConditionalNode':
        return {
          kind: 'cond',
          test: this.convert(n['condition'] as MathNode),
          then: this.convert(n['trueExpr'] as MathNode),
          else: this.convert(n['falseExpr'] as MathNode),
        };
      case 'RelationalNode': {
        const ops = n['conditionals'] as string[];
        const params = (n['params'] as MathNode[]).map((p) => this.convert(p));
        let result: Expr | undefined;
        for (let i = 0; i < ops.length; i++) {
          const cmp: Expr = {
            kind: 'compare',
            op:
              (Object.hasOwn(COMPARE, ops[i]!) ? COMPARE[ops[i]!] : undefined) ??
              this.fail(`unsupported comparison '${ops[i]}'`),
            left: params[i]!,
            right: params[i + 1]!,
          };
          result = result ? { kind: 'logic', op: 'and', left: result, right: cmp } : cmp;
        }
        return result!;
      }
      case 'FunctionNode':
        return this.func(n['fn'] as MathNode, n['args'] as MathNode[]);
      default:
        return this.fail(
          `${describeNode(node.type)} is not allowed in an expression; expected arithmetic (+ - * / ^), comparisons, 'cond ? a : b' and the functions ${Object.keys(FUNCTIONS).join(', ')}`,
        );
    }
  }

  private symbol(name: string): Expr {
    const s = this.scope;
    if (s.variables.includes(name)) return { kind: 'var', name, pos: this.where(name) };
    if (s.fields.includes(name)) return { kind: 'field', field: name, derivs: '', pos: this.where(name) };
    if (s.constants.includes(name)) return { kind: 'const', name, pos: this.where(name) };
    if (Object.hasOwn(BUILTIN_NUMBERS, name)) return { kind: 'num', value: BUILTIN_NUMBERS[name]! };
    const under = name.indexOf('_');
    if (under > 0) {
      const base = name.slice(0, under);
      const suffix = name.slice(under + 1);
      if (base === 'n' && s.spatial.includes(suffix) && !s.fields.includes('n')) {
        if (!s.boundary)
          this.fail(`the normal component '${name}' exists only on the boundary; use it in a boundary condition`, name);
        return { kind: 'normal', axis: s.spatial.indexOf(suffix), pos: this.where(name) };
      }
      if (s.fields.includes(base)) return this.derivative(name, base, suffix);
    }
    const known = [...s.variables, ...s.fields, ...s.constants, 'pi', 'e'];
    this.fail(
      `unknown name '${name}'${didYouMean(name, known)}; expected a variable (${s.variables.join(', ')}), a field (${s.fields.join(', ') || 'none'}), a constant${s.constants.length ? ` (${s.constants.join(', ')})` : ''}, pi or e`,
      name,
    );
  }

  private derivative(name: string, fieldName: string, letters: string): Expr {
    const s = this.scope;
    if (!s.derivatives)
      this.fail(
        `derivatives such as '${name}' are not allowed here; expected an expression of the variables and constants`,
        name,
      );
    for (const ch of letters) {
      if (s.parameters?.includes(ch))
        this.fail(
          `'${name}' differentiates by the parameter '${ch}'; a parameter is an input over a range, not a variable of the problem, so no derivative by it exists`,
          name,
        );
      if (!s.variables.includes(ch)) {
        this.fail(
          `'${name}' differentiates by '${ch}', which is not a variable of this problem; expected letters from ${s.variables.join(', ')}`,
          name,
        );
      }
    }
    if (letters.length === 0)
      this.fail(`'${name}' names no variable after '_'; write e.g. ${fieldName}_${s.variables[0]}`, name);
    if (letters.length > 2)
      this.fail(
        `'${name}' is a derivative of order ${letters.length}; at most second derivatives are supported (e.g. ${fieldName}_${letters.slice(0, 2)})`,
        name,
      );
    const sorted = [...letters].sort((a, b) => s.variables.indexOf(a) - s.variables.indexOf(b)).join('');
    return { kind: 'field', field: fieldName, derivs: sorted, pos: this.where(name) };
  }

  private operator(fn: string, op: string, args: MathNode[]): Expr {
    const a = args.map((x) => this.convert(x));
    switch (fn) {
      case 'add':
        return { kind: 'binary', op: '+', left: a[0]!, right: a[1]! };
      case 'subtract':
        return { kind: 'binary', op: '-', left: a[0]!, right: a[1]! };
      case 'multiply':
        return { kind: 'binary', op: '*', left: a[0]!, right: a[1]! };
      case 'divide':
        return { kind: 'binary', op: '/', left: a[0]!, right: a[1]! };
      case 'pow':
        return { kind: 'binary', op: '^', left: a[0]!, right: a[1]! };
      case 'unaryMinus':
        return { kind: 'neg', arg: a[0]! };
      case 'unaryPlus':
        return a[0]!;
      case 'and':
      case 'or':
        return { kind: 'logic', op: fn, left: a[0]!, right: a[1]! };
      case 'not':
        return { kind: 'not', arg: a[0]! };
      default: {
        const cmp = Object.hasOwn(COMPARE, fn) ? COMPARE[fn] : undefined;
        if (cmp) return { kind: 'compare', op: cmp, left: a[0]!, right: a[1]! };
        return this.fail(
          `operator '${op}' is not supported; expected + - * / ^, comparisons (< <= > >= == !=), and, or, not`,
        );
      }
    }
  }

  private func(fnNode: MathNode, args: MathNode[]): Expr {
    const name = fnNode.type === 'SymbolNode' ? (fnNode as unknown as { name: string }).name : undefined;
    if (!name)
      this.fail(
        `only the functions ${Object.keys(FUNCTIONS).join(', ')}, lap and dn can be called; property access and method calls are not allowed`,
      );
    if (name === 'lap' || name === 'dn') return this.fieldOperator(name, args);
    if (!Object.hasOwn(FUNCTIONS, name)) {
      this.fail(
        `unknown function '${name}'${didYouMean(name, [...Object.keys(FUNCTIONS), 'lap', 'dn'])}; expected one of ${Object.keys(FUNCTIONS).join(', ')}, lap, dn`,
        name,
      );
    }
    const arity = FUNCTIONS[name as UserFunctionName];
    if (args.length !== arity)
      this.fail(`${name}() takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`, name);
    return {
      kind: 'call',
      fn: name as UserFunctionName,
      args: args.map((x) => this.convert(x)),
      pos: this.where(name),
    };
  }

  private fieldOperator(name: 'lap' | 'dn', args: MathNode[]): Expr {
    const s = this.scope;
    const arg = args[0] as (MathNode & { name?: string }) | undefined;
    if (args.length !== 1 || arg?.type !== 'SymbolNode' || !s.fields.includes(arg.name!)) {
      this.fail(`${name}() takes one field name, e.g. ${name}(${s.fields[0] ?? 'u'})`, name);
    }
    if (!s.derivatives)
      this.fail(`${name}() is not allowed here; expected an expression of the variables and constants`, name);
    if (name === 'dn' && !s.boundary)
      this.fail(
        `dn(${arg.name}) is the outward normal derivative and exists only on a boundary; use it in a boundary condition`,
        name,
      );
    return name === 'lap'
      ? { kind: 'lap', field: arg.name!, pos: this.where(name) }
      : { kind: 'dn', field: arg.name!, pos: this.where(name) };
  }
}

function describeNode(type: string): string {
  const names: Record<string, string> = {
    AssignmentNode: 'assignment',
    FunctionAssignmentNode: 'function definition',
    AccessorNode: 'indexing',
    ArrayNode: 'an array',
    ObjectNode: 'an object',
    BlockNode: 'a block of several expressions',
    RangeNode: 'a range',
    IndexNode: 'indexing',
  };
  return names[type] ?? type;
}
