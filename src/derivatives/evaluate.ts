/**
 * Evaluates expression IR on tensors as jets. With an empty channel set the
 * result is just the value; with channels it is the expression's derivatives
 * too (used for output transforms such as g + phi * N).
 */
import * as tf from '@tensorflow/tfjs';
import { children, type Expr } from '../expr/index.js';
import * as J from './jet.js';
import { UNARY_DERIVS } from './functions.js';

type Tensor = tf.Tensor;

export interface EvalEnv {
  /** Channels to compute for the expression's result. */
  ch: J.Channels;
  /** Number of points (rows). */
  n: number;
  /** Variable name to its index in the input order. */
  varIndex: ReadonlyMap<string, number>;
  /** Input variable jets by name, [n, 1]. */
  vars: ReadonlyMap<string, J.Jet>;
  /** Constant name to number or scalar tensor (trainable unknowns). */
  consts: ReadonlyMap<string, number | Tensor>;
  /** Field jets [n, 1] carrying the derivative channels residuals read. */
  fields: ReadonlyMap<string, J.Jet>;
  /** Channels the field jets were computed with (for lap). */
  fieldChannels: J.Channels;
  /** Spatial variable indices (Laplacian, normal derivative). */
  spatial: number[];
  /** Outward unit normals [n, dim] on boundary points. */
  normals?: Tensor;
  /** Where values that depend only on the points are kept between evaluations on the same points. */
  pointCache?: PointCache;
  /** Variables bound to values that change between evaluations (the network's raw outputs): never kept. */
  varying?: ReadonlySet<string>;
}

/**
 * Jets of subexpressions that depend only on a batch's points (no field, no trained constant, no
 * varying variable), kept from their first evaluation until the batch is disposed: a source term or
 * an output transform's distance function costs its kernels once per point draw, not once per
 * iteration. Only the largest such subtrees are kept, each with the channel set it was computed for.
 */
export interface PointCache {
  /** By subexpression, then by channel set (channelKey). */
  jets: Map<Expr, Map<string, J.Jet>>;
  /** Whether a subexpression depends only on the points (memo of pointOnly). */
  fixed: Map<Expr, boolean>;
}

export const emptyPointCache = (): PointCache => ({ jets: new Map(), fixed: new Map() });

export function disposePointCache(cache: PointCache): void {
  cache.jets.forEach((byChannels) => byChannels.forEach((jet) => tf.dispose(jetTensors(jet))));
  cache.jets.clear();
}

const jetTensors = (j: J.Jet): Tensor[] => [
  j.v,
  ...j.d.filter((t): t is Tensor => t !== undefined),
  ...j.dd.values(),
  ...(j.lap ? [j.lap] : []),
];

const channelKey = (ch: J.Channels): string =>
  `${ch.first.map((b) => (b ? 1 : 0)).join('')}|${ch.second.join(';')}|${ch.lap?.join(',') ?? ''}`;

/**
 * Jets of shared subtrees are computed once: geometry distance functions are
 * graphs whose R-function nodes use each input twice, exponential as trees.
 */
export function evaluate(e: Expr, env: EvalEnv, memo: Map<Expr, J.Jet> = new Map()): J.Jet {
  const hit = memo.get(e);
  if (hit) return hit;
  const cache = env.pointCache;
  const jet = cache && cacheable(e, env, cache) ? cachedJet(e, env, cache) : evaluateNode(e, env, memo);
  memo.set(e, jet);
  return jet;
}

/** An operation whose operands depend only on the points. */
function cacheable(e: Expr, env: EvalEnv, cache: PointCache): boolean {
  const leaf = e.kind === 'num' || e.kind === 'var' || e.kind === 'const' || e.kind === 'normal';
  return !leaf && pointOnly(e, env, cache);
}

function pointOnly(e: Expr, env: EvalEnv, cache: PointCache): boolean {
  const known = cache.fixed.get(e);
  if (known !== undefined) return known;
  const fixed =
    e.kind === 'const'
      ? typeof env.consts.get(e.name) === 'number'
      : e.kind === 'var'
        ? !env.varying?.has(e.name)
        : e.kind !== 'field' &&
          e.kind !== 'lap' &&
          e.kind !== 'dn' &&
          children(e).every((c) => pointOnly(c, env, cache));
  cache.fixed.set(e, fixed);
  return fixed;
}

function cachedJet(e: Expr, env: EvalEnv, cache: PointCache): J.Jet {
  const channels = channelKey(env.ch);
  let byChannels = cache.jets.get(e);
  if (!byChannels) cache.jets.set(e, (byChannels = new Map()));
  const kept = byChannels.get(channels);
  if (kept) return kept;
  // Its operands are evaluated without the cache: only this, the largest subtree, is kept.
  const fresh = evaluateNode(e, { ...env, pointCache: undefined }, new Map());
  // Clones share the data: the kept jet never frees a tensor another owner holds.
  const jet = J.mapChannels(env.ch, fresh, (t) => tf.keep(tf.clone(t)));
  byChannels.set(channels, jet);
  return jet;
}

function evaluateNode(e: Expr, env: EvalEnv, memo: Map<Expr, J.Jet>): J.Jet {
  const { ch } = env;
  const rec = (x: Expr) => evaluate(x, env, memo);
  switch (e.kind) {
    case 'num':
      return J.constant(ch, tf.scalar(e.value));
    case 'var': {
      const jet = env.vars.get(e.name);
      if (!jet) throw new Error(`variable ${e.name} is not bound`);
      return jet;
    }
    case 'const': {
      const c = env.consts.get(e.name);
      if (c === undefined) throw new Error(`constant ${e.name} is not bound`);
      return J.constant(ch, typeof c === 'number' ? tf.scalar(c) : c);
    }
    case 'field':
      return J.constant(ch, fieldDerivative(env, e.field, e.derivs));
    case 'lap':
      return J.constant(ch, J.laplacian(fieldJet(env, e.field), env.fieldChannels, env.n));
    case 'dn': {
      if (!env.normals) throw new Error('dn() evaluated off the boundary');
      const u = fieldJet(env, e.field);
      const terms = env.spatial.map((k, axis) =>
        tf.mul(J.derivative(u, [k], env.n), tf.slice(env.normals!, [0, axis], [env.n, 1])),
      );
      return J.constant(
        ch,
        terms.reduce((a, b) => tf.add(a, b)),
      );
    }
    case 'normal': {
      if (!env.normals) throw new Error('normal evaluated off the boundary');
      return J.constant(ch, tf.slice(env.normals, [0, e.axis], [env.n, 1]));
    }
    case 'neg':
      return J.neg(ch, rec(e.arg));
    case 'binary':
      return binary(e.op, e.left, e.right, env, memo);
    case 'call': {
      if (e.fn === 'min' || e.fn === 'max') {
        const a = rec(e.args[0]!);
        const b = rec(e.args[1]!);
        const mask = e.fn === 'min' ? tf.lessEqual(a.v, b.v) : tf.greaterEqual(a.v, b.v);
        return select(env, mask, a, b);
      }
      return J.chain(ch, rec(e.args[0]!), UNARY_DERIVS[e.fn]);
    }
    case 'compare':
    case 'logic':
    case 'not':
      return J.constant(ch, tf.cast(truth(e, env, memo), 'float32'));
    case 'cond':
      return select(env, truth(e.test, env, memo), rec(e.then), rec(e.else));
  }
}

/** Evaluates a boolean expression to a bool tensor. */
export function truth(e: Expr, env: EvalEnv, memo: Map<Expr, J.Jet> = new Map()): Tensor {
  // Comparisons read values only; with channels in play they get their own memo.
  const valueEnv = { ...env, ch: J.valueOnly(env.ch.first.length) };
  const valueMemo = env.ch.first.some(Boolean) ? new Map<Expr, J.Jet>() : memo;
  const value = (x: Expr) => evaluate(x, valueEnv, valueMemo).v;
  switch (e.kind) {
    case 'compare': {
      const a = value(e.left);
      const b = value(e.right);
      switch (e.op) {
        case '<':
          return tf.less(a, b);
        case '<=':
          return tf.lessEqual(a, b);
        case '>':
          return tf.greater(a, b);
        case '>=':
          return tf.greaterEqual(a, b);
        case '==':
          return tf.equal(a, b);
        case '!=':
          return tf.notEqual(a, b);
      }
      break;
    }
    case 'logic':
      return e.op === 'and'
        ? tf.logicalAnd(truth(e.left, env, memo), truth(e.right, env, memo))
        : tf.logicalOr(truth(e.left, env, memo), truth(e.right, env, memo));
    case 'not':
      return tf.logicalNot(truth(e.arg, env, memo));
    default:
      return tf.notEqual(value(e), 0);
  }
  throw new Error('unreachable');
}

function binary(op: string, left: Expr, right: Expr, env: EvalEnv, memo: Map<Expr, J.Jet>): J.Jet {
  const { ch } = env;
  if (op === '^' && right.kind === 'num') return J.powConst(ch, evaluate(left, env, memo), right.value);
  const a = evaluate(left, env, memo);
  if (op === '*' && right.kind === 'num') return J.scale(ch, a, right.value);
  if (op === '/' && right.kind === 'num') return J.scale(ch, a, 1 / right.value);
  const b = evaluate(right, env, memo);
  switch (op) {
    case '+':
      return J.add(ch, a, b);
    case '-':
      return J.sub(ch, a, b);
    case '*':
      return J.mul(ch, a, b);
    case '/':
      return J.div(ch, a, b);
    case '^':
      return J.chain(ch, J.mul(ch, b, J.chain(ch, a, UNARY_DERIVS.log)), UNARY_DERIVS.exp);
  }
  throw new Error(`unknown operator ${op}`);
}

/** Pointwise choice between two jets, channel by channel. */
function select(env: EvalEnv, mask: Tensor, a: J.Jet, b: J.Jet): J.Jet {
  const shape = [env.n, 1];
  const full = (t: Tensor | undefined) => (t ? tf.broadcastTo(t, shape) : tf.zeros(shape));
  const m = tf.broadcastTo(mask, shape);
  const pick = (x: Tensor | undefined, y: Tensor | undefined) => (x || y ? tf.where(m, full(x), full(y)) : undefined);
  const d = env.ch.first.map((want, i) => (want ? pick(a.d[i], b.d[i]) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of env.ch.second) {
    const t = pick(a.dd.get(key), b.dd.get(key));
    if (t) dd.set(key, t);
  }
  return { v: tf.where(m, full(a.v), full(b.v)), d, dd, lap: env.ch.lap ? pick(a.lap, b.lap) : undefined };
}

function fieldJet(env: EvalEnv, name: string): J.Jet {
  const jet = env.fields.get(name);
  if (!jet) throw new Error(`field ${name} is not bound`);
  return jet;
}

function fieldDerivative(env: EvalEnv, name: string, derivs: string): Tensor {
  const vars = [...derivs].map((c) => {
    const i = env.varIndex.get(c);
    if (i === undefined) throw new Error(`unknown variable ${c}`);
    return i;
  });
  return J.derivative(fieldJet(env, name), vars, env.n);
}

/** Evaluates to an [n, 1] value tensor (constants broadcast to every point). */
export function evaluateValue(e: Expr, env: EvalEnv): Tensor {
  const v = evaluate(e, { ...env, ch: J.valueOnly(env.ch.first.length) }).v;
  return v.shape.length === 2 && v.shape[0] === env.n ? v : tf.broadcastTo(tf.reshape(v, [-1, 1]), [env.n, 1]);
}
