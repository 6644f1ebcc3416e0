/**
 * Interval jets: the second-order forward-mode rules of src/derivatives/jet.ts
 * with every channel an interval enclosing its range over an input box.
 *
 * A jet of order k carries the value (k >= 0), the gradient with respect to
 * the input variables (k >= 1) and the upper triangle of the Hessian (k >= 2).
 * A channel that cannot be bounded (e.g. a third derivative) is ENTIRE.
 *
 * Besides the exact-arithmetic enclosures, a jet carries `e`, a bound on how
 * far a float32 evaluation of its value (as TF.js computes it in deployment)
 * can be from the exact value anywhere on the box; see docs/verify.md for the
 * error model. It is only tracked when the context asks for it.
 */
import type { UnaryFunctionName } from '../expr/index.js';
import type { ActivationName } from '../spec/index.js';
import * as A from './interval.js';
import type { I } from './interval.js';

export interface Ctx {
  /** Number of input variables. */
  nv: number;
  /** Jet order: 0 value, 1 + gradient, 2 + Hessian. */
  ord: number;
  /** Track the float32 deviation bound `e`. */
  f32: boolean;
}

export interface IJet {
  v: I;
  g: I[];
  h: I[];
  e: number;
}

/** float32 unit roundoff. */
export const U32 = 2 ** -24;
const ZERO: I = Object.freeze({ lo: 0, hi: 0 });

export const pairIndex = (i: number, j: number, nv: number): number => {
  const [a, b] = i <= j ? [i, j] : [j, i];
  return a * nv - (a * (a - 1)) / 2 + (b - a);
};
export const pairCount = (nv: number): number => (nv * (nv + 1)) / 2;

const gLen = (c: Ctx) => (c.ord >= 1 ? c.nv : 0);
const hLen = (c: Ctx) => (c.ord >= 2 ? pairCount(c.nv) : 0);

export function constant(c: Ctx, v: I, e = 0): IJet {
  return { v, g: new Array<I>(gLen(c)).fill(ZERO), h: new Array<I>(hLen(c)).fill(ZERO), e };
}

/** A number as float32 would hold it: its value exactly, and the float32 rounding as e. */
export function numberJet(c: Ctx, x: number): IJet {
  return constant(c, A.point(x), c.f32 ? Math.abs(Math.fround(x) - x) : 0);
}

/** Input variable `index` over the interval `v`. */
export function variableJet(c: Ctx, index: number, v: I): IJet {
  const j = constant(c, v, c.f32 ? U32 * A.mag(v) : 0);
  if (c.ord >= 1) j.g[index] = A.point(1);
  return j;
}

/** Rounding error of storing a result in float32, with k units of roundoff. */
const roundErr = (c: Ctx, v: I, e: number, k = 1): number => (c.f32 ? k * U32 * (A.mag(v) + e) : 0);

export function add(c: Ctx, a: IJet, b: IJet): IJet {
  const v = A.add(a.v, b.v);
  return {
    v,
    g: a.g.map((x, i) => A.add(x, b.g[i]!)),
    h: a.h.map((x, i) => A.add(x, b.h[i]!)),
    e: c.f32 ? a.e + b.e + roundErr(c, v, a.e + b.e) : 0,
  };
}

export function neg(a: IJet): IJet {
  return { v: A.neg(a.v), g: a.g.map(A.neg), h: a.h.map(A.neg), e: a.e };
}

export function sub(c: Ctx, a: IJet, b: IJet): IJet {
  return add(c, a, neg(b));
}

export function mul(c: Ctx, a: IJet, b: IJet): IJet {
  // The same quantity twice (e.g. N * N): a square, which is never negative.
  if (a === b) return chain(c, a, powRule(2));
  const v = A.mul(a.v, b.v);
  const g = a.g.map((ag, i) => A.add(A.mul(ag, b.v), A.mul(a.v, b.g[i]!)));
  const h: I[] = [];
  if (c.ord >= 2) {
    for (let i = 0; i < c.nv; i++) {
      for (let j = i; j < c.nv; j++) {
        const p = pairIndex(i, j, c.nv);
        const cross = A.add(A.mul(a.g[i]!, b.g[j]!), A.mul(a.g[j]!, b.g[i]!));
        h[p] = A.add(A.add(A.mul(a.h[p]!, b.v), cross), A.mul(a.v, b.h[p]!));
      }
    }
  }
  let e = 0;
  if (c.f32) {
    const prop = A.mag(a.v) * b.e + A.mag(b.v) * a.e + a.e * b.e;
    e = prop + roundErr(c, v, prop);
  }
  return { v, g, h, e };
}

/** Multiplication by a number known exactly in float32 (e.g. a float32 weight). */
export function scaleNum(c: Ctx, a: IJet, s: number): IJet {
  return mul(c, a, numberJet(c, s));
}

/** Value, first and second derivative enclosures of an elementwise function over an interval. */
interface Rule {
  (x: I, ord: number): { f: I; f1: I; f2: I };
  /** float32 evaluation error of the function value: k * u * (|f| + abs). */
  err?: { k: number; abs: number };
  /** Hoelder-1/2 (sqrt): |f(x') - f(x)| <= sqrt(|x' - x|) where the slope is unbounded. */
  holder?: boolean;
}

/** The chain rule on jets, mirroring J.chain. */
export function chain(c: Ctx, a: IJet, rule: Rule): IJet {
  const needDeriv = c.ord >= 1 || c.f32;
  const { f, f1, f2 } = rule(a.v, needDeriv ? Math.max(c.ord, 1) : 0);
  const g = a.g.map((t) => A.mul(f1, t));
  const h: I[] = [];
  if (c.ord >= 2) {
    for (let i = 0; i < c.nv; i++) {
      for (let j = i; j < c.nv; j++) {
        const p = pairIndex(i, j, c.nv);
        h[p] = A.add(A.mul(f2, A.mul(a.g[i]!, a.g[j]!)), A.mul(f1, a.h[p]!));
      }
    }
  }
  let e = 0;
  if (c.f32) {
    // Lipschitz constant over the values the float32 input can take.
    const L = a.e > 0 ? A.mag(rule(A.widen(a.v, a.e), 1).f1) : 0;
    const k = rule.err ?? { k: 4, abs: 1 };
    const prop = a.e > 0 ? (rule.holder ? Math.min(L * a.e, Math.sqrt(a.e) * (1 + 2 ** -40)) : L * a.e) : 0;
    e = prop + k.k * U32 * (A.mag(f) + k.abs);
    if (!Number.isFinite(e)) e = Infinity;
  }
  return { v: f, g, h, e };
}

/** Every channel the hull of both (for branches that cannot be decided on the box). */
export function hullJet(a: IJet, b: IJet): IJet {
  return {
    v: A.hull(a.v, b.v),
    g: a.g.map((x, i) => A.hull(x, b.g[i]!)),
    h: a.h.map((x, i) => A.hull(x, b.h[i]!)),
    e: Math.max(a.e, b.e),
  };
}

/** Re-shapes a jet to a context's order: missing channels become ENTIRE, extra ones are dropped. */
export function reorder(c: Ctx, a: IJet): IJet {
  const g = Array.from({ length: gLen(c) }, (_, i) => a.g[i] ?? A.ENTIRE);
  const h = Array.from({ length: hLen(c) }, (_, i) => a.h[i] ?? A.ENTIRE);
  return { v: a.v, g, h, e: a.e };
}

// ---- elementwise rules (value, f', f'' over an interval) ----

const sub1 = (x: I): I => A.sub(A.point(1), x);

/** f' of tanh, 1 - tanh^2, exactly: decreasing in |x|. */
function tanhPrime(x: I): I {
  const t = A.tanh({ lo: A.mig(x), hi: A.mag(x) });
  return { lo: Math.max(0, A.dn(1 - t.hi * t.hi)), hi: Math.min(1, A.up(1 - t.lo * t.lo)) };
}
/** sigma' = sigma (1 - sigma), exactly: decreasing in |x|, at most 1/4. */
function sigmoidPrime(x: I): I {
  const s = (t: number) => {
    const v = A.sigmoidN(t);
    return v * (1 - v);
  };
  const M = A.mag(x);
  return {
    lo: M === Infinity ? 0 : Math.max(0, A.dn(s(M), 2 ** -46)),
    hi: Math.min(0.25, A.up(s(A.mig(x)), 2 ** -46)),
  };
}

/** Interval rules of every one-argument IR function and activation (the compiler checks the list is complete). */
export const RULES: Record<UnaryFunctionName | ActivationName | 'reciprocal', Rule> = {
  tanh: (x) => {
    const f = A.tanh(x);
    const f1 = tanhPrime(x);
    return { f, f1, f2: A.scale(A.mul(f, f1), -2) };
  },
  sigmoid: (x) => {
    const f = A.sigmoid(x);
    const f1 = sigmoidPrime(x);
    return { f, f1, f2: A.mul(f1, sub1(A.scale(f, 2))) };
  },
  sin: (x) => {
    const f = A.sin(x);
    return { f, f1: A.cos(x), f2: A.neg(f) };
  },
  cos: (x) => {
    const f = A.cos(x);
    return { f, f1: A.neg(A.sin(x)), f2: A.neg(f) };
  },
  exp: (x) => {
    const f = A.exp(x);
    return { f, f1: f, f2: f };
  },
  log: (x) => {
    const r = A.recip(x);
    return { f: A.log(x), f1: r, f2: A.neg(A.sqr(r)) };
  },
  sqrt: (x) => {
    const f = A.sqrt(x);
    const f1 = A.scale(A.recip(f), 0.5);
    return { f, f1, f2: A.scale(A.recip(A.mul(A.intersect(x, { lo: 0, hi: Infinity }), f)), -0.25) };
  },
  abs: (x) => ({ f: A.abs(x), f1: x.lo >= 0 ? A.point(1) : x.hi <= 0 ? A.point(-1) : { lo: -1, hi: 1 }, f2: ZERO }),
  tan: (x) => {
    const f = A.tan(x);
    const f1 = A.add(A.point(1), A.sqr(f));
    return { f, f1, f2: A.scale(A.mul(f, f1), 2) };
  },
  sinh: (x) => {
    const f = A.sinh(x);
    return { f, f1: A.cosh(x), f2: f };
  },
  cosh: (x) => {
    const f = A.cosh(x);
    return { f, f1: A.sinh(x), f2: f };
  },
  softplus: (x) => ({ f: A.softplus(x), f1: A.sigmoid(x), f2: sigmoidPrime(x) }),
  silu: (x) => {
    const s = A.sigmoid(x);
    const oneMinus = sub1(s);
    return {
      f: A.silu(x),
      f1: A.mul(s, A.add(A.point(1), A.mul(x, oneMinus))),
      f2: A.mul(A.mul(s, oneMinus), A.add(A.point(2), A.mul(x, sub1(A.scale(s, 2))))),
    };
  },
  gelu: (x) => {
    const cdf = A.normCdf(x);
    const pdf = A.normPdf(x);
    return { f: A.gelu(x), f1: A.add(cdf, A.mul(x, pdf)), f2: A.mul(pdf, A.sub(A.point(2), A.sqr(x))) };
  },
  relu: (x) => ({ f: A.relu(x), f1: x.lo > 0 ? A.point(1) : x.hi < 0 ? ZERO : { lo: 0, hi: 1 }, f2: ZERO }),
  reciprocal: (x) => {
    const r = A.recip(x);
    const r2 = A.sqr(r);
    return { f: r, f1: A.neg(r2), f2: A.scale(A.mul(r2, r), 2) };
  },
};
RULES.sqrt.err = { k: 1, abs: 0 };
RULES.sqrt.holder = true;
RULES.reciprocal.err = { k: 1, abs: 0 };
RULES.abs.err = { k: 0, abs: 0 };
RULES.relu.err = { k: 0, abs: 0 };

/** x^p for a constant p (p = 2 keeps the sign: squares are never negative). */
export function powRule(p: number): Rule {
  const rule: Rule = (x) => ({
    f: A.powConst(x, p),
    f1: p === 1 ? A.point(1) : A.scale(A.powConst(x, p - 1), p),
    f2: p === 1 || p === 0 ? ZERO : p === 2 ? A.point(2) : A.scale(A.powConst(x, p - 2), p * (p - 1)),
  });
  rule.err = Number.isInteger(p) && Math.abs(p) <= 3 ? { k: Math.abs(p), abs: 0 } : { k: 4, abs: 0 };
  return rule;
}
