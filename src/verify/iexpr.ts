/**
 * Interval evaluation of expression IR over a box, in interval jets: every
 * node kind, with comparisons and logic three-valued (a branch that cannot be
 * decided on the box takes the hull of both sides).
 */
import type { Expr } from '../expr/index.js';
import * as A from './interval.js';
import type { I } from './interval.js';
import * as JI from './ijet.js';
import type { Ctx, IJet } from './ijet.js';

/** A field's jets as the network (plus transform) gives them, of some order. */
export interface FieldJets {
  jet: IJet;
  ord: number;
}

export interface IEnv {
  c: Ctx;
  varIndex: ReadonlyMap<string, number>;
  vars: ReadonlyMap<string, IJet>;
  consts: ReadonlyMap<string, number>;
  fields: ReadonlyMap<string, FieldJets>;
  /** Spatial variable indices (Laplacian, normal derivative). */
  spatial: number[];
  /** Outward unit normal components as jets, on boundary boxes. */
  normals?: IJet[];
  /** Tolerance within which `==` holds (as selectors use it). */
  eqTol?: number;
}

/** Three-valued truth: 1 true on the whole box, 0 false on the whole box, 0.5 undecided. */
type Truth = 0 | 0.5 | 1;

// One case per IR node kind (the interval twin of derivatives/evaluate.ts); long by design.
export function ievaluate(e: Expr, env: IEnv): IJet {
  const { c } = env;
  const rec = (x: Expr) => ievaluate(x, env);
  switch (e.kind) {
    case 'num':
      return JI.numberJet(c, e.value);
    case 'var': {
      const j = env.vars.get(e.name);
      if (!j) throw new Error(`variable ${e.name} is not bound`);
      return j;
    }
    case 'const': {
      const v = env.consts.get(e.name);
      if (v === undefined) throw new Error(`constant ${e.name} is not bound`);
      return JI.numberJet(c, v);
    }
    case 'field':
      return fieldDerivative(
        env,
        e.field,
        [...e.derivs].map((ch) => {
          const i = env.varIndex.get(ch);
          if (i === undefined) throw new Error(`unknown variable ${ch}`);
          return i;
        }),
      );
    case 'lap': {
      let acc: IJet | undefined;
      for (const k of env.spatial) {
        const t = fieldDerivative(env, e.field, [k, k]);
        acc = acc ? JI.add(c, acc, t) : t;
      }
      return acc!;
    }
    case 'dn': {
      if (!env.normals) throw new Error('dn() evaluated off the boundary');
      let acc: IJet | undefined;
      env.spatial.forEach((k, axis) => {
        const t = JI.mul(c, fieldDerivative(env, e.field, [k]), env.normals![axis]!);
        acc = acc ? JI.add(c, acc, t) : t;
      });
      return acc!;
    }
    case 'normal': {
      if (!env.normals) throw new Error('normal evaluated off the boundary');
      return env.normals[e.axis]!;
    }
    case 'neg':
      return JI.neg(rec(e.arg));
    case 'binary':
      return binary(e.op, e.left, e.right, env);
    case 'call': {
      if (e.fn === 'min' || e.fn === 'max') {
        const a = rec(e.args[0]!);
        const b = rec(e.args[1]!);
        const aFirst = e.fn === 'min' ? a.v.hi <= b.v.lo : a.v.lo >= b.v.hi;
        const bFirst = e.fn === 'min' ? b.v.hi <= a.v.lo : b.v.lo >= a.v.hi;
        if (aFirst && !c.f32) return a;
        if (bFirst && !c.f32) return b;
        // Undecided: the value is min/max of the ranges; derivatives the hull (Clarke gradient).
        const h = JI.hullJet(a, b);
        const v = e.fn === 'min' ? A.min(a.v, b.v) : A.max(a.v, b.v);
        return aFirst ? { ...a, e: h.e } : bFirst ? { ...b, e: h.e } : { ...h, v };
      }
      const rule = JI.RULES[e.fn];
      return JI.chain(c, rec(e.args[0]!), rule);
    }
    case 'compare':
    case 'logic':
    case 'not': {
      const t = truth(e, env);
      if (t !== 0.5) return JI.constant(c, A.point(t));
      // A jump inside the box: no derivative bound (the mean-value form must not be used across it).
      return JI.reorder(c, { v: { lo: 0, hi: 1 }, g: [], h: [], e: 0 });
    }
    case 'cond': {
      const t = truth(e.test, env);
      if (t === 1) return rec(e.then);
      if (t === 0) return rec(e.else);
      // Undecided: the value is either branch; the branches may not join continuously, so no derivative bound.
      const h = JI.hullJet(rec(e.then), rec(e.else));
      return JI.reorder(c, { v: h.v, g: [], h: [], e: h.e });
    }
  }
}

/** Truth of a boolean expression over the whole box (values include the float32 deviation). */
export function truth(e: Expr, env: IEnv): Truth {
  const value = (x: Expr): I => {
    const j = ievaluate(x, { ...env, c: { ...env.c, ord: 0 } });
    return A.widen(j.v, j.e);
  };
  switch (e.kind) {
    case 'compare': {
      const d = A.sub(value(e.left), value(e.right));
      const tol = env.eqTol ?? 0;
      switch (e.op) {
        case '<':
          return d.hi < 0 ? 1 : d.lo >= 0 ? 0 : 0.5;
        case '<=':
          return d.hi <= 0 ? 1 : d.lo > 0 ? 0 : 0.5;
        case '>':
          return d.lo > 0 ? 1 : d.hi <= 0 ? 0 : 0.5;
        case '>=':
          return d.lo >= 0 ? 1 : d.hi < 0 ? 0 : 0.5;
        case '==':
          return d.lo >= -tol && d.hi <= tol ? 1 : d.lo > tol || d.hi < -tol ? 0 : 0.5;
        case '!=':
          return d.lo > tol || d.hi < -tol ? 1 : d.lo >= -tol && d.hi <= tol ? 0 : 0.5;
      }
      break;
    }
    case 'logic': {
      const a = truth(e.left, env);
      const b = truth(e.right, env);
      return e.op === 'and' ? (Math.min(a, b) as Truth) : (Math.max(a, b) as Truth);
    }
    case 'not':
      return (1 - truth(e.arg, env)) as Truth;
    default: {
      const v = value(e);
      return v.lo > 0 || v.hi < 0 ? 1 : v.lo === 0 && v.hi === 0 ? 0 : 0.5;
    }
  }
  return 0.5;
}

function binary(op: string, left: Expr, right: Expr, env: IEnv): IJet {
  const { c } = env;
  if (op === '^' && right.kind === 'num') return JI.chain(c, ievaluate(left, env), JI.powRule(right.value));
  const a = ievaluate(left, env);
  // e * e written out twice (as transforms do): evaluate once, so the product is a square.
  const b = op === '*' && sameExpr(left, right) ? a : ievaluate(right, env);
  switch (op) {
    case '+':
      return JI.add(c, a, b);
    case '-':
      return JI.sub(c, a, b);
    case '*':
      return JI.mul(c, a, b);
    case '/':
      return JI.mul(c, a, JI.chain(c, b, JI.RULES.reciprocal));
    case '^':
      return JI.chain(c, JI.mul(c, b, JI.chain(c, a, JI.RULES.log)), JI.RULES.exp);
  }
  throw new Error(`unknown operator ${op}`);
}

/** Structural equality of two expressions (positions ignored). */
function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'num':
      return a.value === (b as typeof a).value;
    case 'var':
    case 'const':
      return a.name === (b as typeof a).name;
    case 'field':
      return a.field === (b as typeof a).field && a.derivs === (b as typeof a).derivs;
    case 'lap':
    case 'dn':
      return a.field === (b as typeof a).field;
    case 'normal':
      return a.axis === (b as typeof a).axis;
    case 'neg':
    case 'not':
      return sameExpr(a.arg, (b as typeof a).arg);
    case 'binary':
    case 'compare':
    case 'logic': {
      const o = b as typeof a;
      return a.op === o.op && sameExpr(a.left, o.left) && sameExpr(a.right, o.right);
    }
    case 'call': {
      const o = b as typeof a;
      return a.fn === o.fn && a.args.length === o.args.length && a.args.every((x, i) => sameExpr(x, o.args[i]!));
    }
    case 'cond': {
      const o = b as typeof a;
      return sameExpr(a.test, o.test) && sameExpr(a.then, o.then) && sameExpr(a.else, o.else);
    }
  }
}

/**
 * The jet of d^k field / d(vars), at the context's order: the field jet's
 * higher channels shift down; channels beyond what was propagated are ENTIRE.
 */
export function fieldDerivative(env: IEnv, name: string, vars: number[]): IJet {
  const fj = env.fields.get(name);
  if (!fj) throw new Error(`field ${name} is not bound`);
  const { c } = env;
  const { jet, ord } = fj;
  const nv = c.nv;
  const at = (idx: number[]): I => {
    if (idx.length > ord) return A.ENTIRE;
    if (idx.length === 0) return jet.v;
    if (idx.length === 1) return jet.g[idx[0]!] ?? A.ENTIRE;
    if (idx.length === 2) return jet.h[JI.pairIndex(idx[0]!, idx[1]!, nv)] ?? A.ENTIRE;
    return A.ENTIRE;
  };
  const out = JI.constant(c, at(vars), vars.length === 0 ? jet.e : 0);
  if (c.ord >= 1) for (let i = 0; i < nv; i++) out.g[i] = at([...vars, i]);
  if (c.ord >= 2)
    for (let i = 0; i < nv; i++) for (let j = i; j < nv; j++) out.h[JI.pairIndex(i, j, nv)] = at([...vars, i, j]);
  return out;
}
