/**
 * Interval arithmetic on float64 with outward rounding.
 *
 * JavaScript cannot switch the FPU rounding mode, so every computed bound is
 * pushed outward by a proven margin instead: basic operations (+ - * / sqrt)
 * are correctly rounded (error <= 1/2 ulp), and moving a bound by
 * |x| * 2^-51 + 2^-1074 moves it by at least one ulp, which covers that.
 * Library functions (exp, log, sin, tanh, ...) are not correctly rounded in
 * V8, but its fdlibm ports are accurate to < 1 ulp; they get a 16-ulp margin
 * (|x| * 2^-48). Bounds that are exact (0, +-1 for sin, 0 for squares) are
 * kept exact where that is proven, so signs are preserved.
 *
 * NaN never appears in a result: an undefined operation yields the whole
 * line [-inf, inf], which is sound (and simply fails to certify).
 */

export interface I {
  lo: number;
  hi: number;
}

const REL = 2 ** -51;
const REL_LIB = 2 ** -48;
const TINY = Number.MIN_VALUE;

export const ENTIRE: I = Object.freeze({ lo: -Infinity, hi: Infinity });

export function dn(x: number, rel = REL): number {
  if (x === -Infinity || x === Infinity) return x;
  return x - (Math.abs(x) * rel + TINY);
}
export function up(x: number, rel = REL): number {
  if (x === -Infinity || x === Infinity) return x;
  return x + (Math.abs(x) * rel + TINY);
}

/** An interval from raw bounds; NaN anywhere gives the whole line. */
export function mk(lo: number, hi: number): I {
  if (Number.isNaN(lo) || Number.isNaN(hi)) return ENTIRE;
  return { lo, hi };
}
/** An interval from bounds that still need outward rounding (margin `rel`). */
export function out(lo: number, hi: number, rel = REL): I {
  return mk(dn(lo, rel), up(hi, rel));
}

export const point = (x: number): I => ({ lo: x, hi: x });
export const hull = (a: I, b: I): I => ({ lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) });
export const mag = (a: I): number => Math.max(Math.abs(a.lo), Math.abs(a.hi));
/** Smallest |x| over the interval. */
export const mig = (a: I): number => (a.lo > 0 ? a.lo : a.hi < 0 ? -a.hi : 0);
export const width = (a: I): number => a.hi - a.lo;
export const contains = (a: I, x: number): boolean => a.lo <= x && x <= a.hi;
export const isPoint = (a: I): boolean => a.lo === a.hi;
export const isZero = (a: I): boolean => a.lo === 0 && a.hi === 0;
export function intersect(a: I, b: I): I {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  // Both enclose the same true range, so they overlap; guard against rounding anyway.
  return lo <= hi ? { lo, hi } : hull(a, b);
}

export function add(a: I, b: I): I {
  const lo = a.lo + b.lo;
  const hi = a.hi + b.hi;
  return mk(exactSum(a.lo, b.lo, lo) ? lo : dn(lo), exactSum(a.hi, b.hi, hi) ? hi : up(hi));
}
/** x + y computed as s is exact when one operand is 0 (cheap, common case). */
const exactSum = (x: number, y: number, _s: number): boolean => x === 0 || y === 0;

export function neg(a: I): I {
  return { lo: -a.hi, hi: -a.lo };
}
export function sub(a: I, b: I): I {
  return add(a, neg(b));
}

export function mul(a: I, b: I): I {
  if ((a.lo === 0 && a.hi === 0) || (b.lo === 0 && b.hi === 0)) return { lo: 0, hi: 0 };
  // NaN only from 0 * inf: the true product of a finite 0 with anything is 0.
  let p1 = a.lo * b.lo;
  if (p1 !== p1) p1 = 0;
  let p2 = a.lo * b.hi;
  if (p2 !== p2) p2 = 0;
  let p3 = a.hi * b.lo;
  if (p3 !== p3) p3 = 0;
  let p4 = a.hi * b.hi;
  if (p4 !== p4) p4 = 0;
  const lo = Math.min(p1, p2, p3, p4);
  const hi = Math.max(p1, p2, p3, p4);
  return { lo: lo === 0 ? 0 : dn(lo), hi: hi === 0 ? 0 : up(hi) };
}

export function scale(a: I, s: number): I {
  return mul(a, point(s));
}

export function sqr(a: I): I {
  const m = mig(a);
  const M = mag(a);
  return mk(m === 0 ? 0 : Math.max(0, dn(m * m)), up(M * M));
}

export function recip(a: I): I {
  if (a.lo > 0 || a.hi < 0) return mk(dn(1 / a.hi), up(1 / a.lo));
  if (a.lo === 0 && a.hi > 0) return mk(dn(1 / a.hi), Infinity);
  if (a.hi === 0 && a.lo < 0) return mk(-Infinity, up(1 / a.lo));
  return ENTIRE;
}

export function div(a: I, b: I): I {
  if (isZero(a) && (b.lo > 0 || b.hi < 0)) return { lo: 0, hi: 0 };
  if (b.lo > 0 || b.hi < 0) {
    const p = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi];
    return out(Math.min(...p), Math.max(...p));
  }
  return mul(a, recip(b));
}

/** Integer power n (any sign). */
export function powInt(a: I, n: number): I {
  if (n === 0) return point(1);
  if (n < 0) return recip(powInt(a, -n));
  if (n === 1) return a;
  if (n % 2 === 0) {
    const m = mig(a);
    const M = mag(a);
    return mk(m === 0 ? 0 : Math.max(0, dn(m ** n, REL_LIB)), up(M ** n, REL_LIB));
  }
  // Odd: monotone increasing, sign preserved.
  const lo = a.lo ** n;
  const hi = a.hi ** n;
  return mk(lo === 0 ? 0 : dn(lo, REL_LIB), hi === 0 ? 0 : up(hi, REL_LIB));
}

/** x^p for a constant real p; non-integer p is defined for x >= 0 (negative parts are clipped away). */
export function powConst(a: I, p: number): I {
  if (Number.isInteger(p) && Math.abs(p) < 2 ** 31) return powInt(a, p);
  const lo = Math.max(a.lo, 0);
  if (a.hi < 0) return ENTIRE;
  const x = { lo, hi: a.hi };
  if (p > 0) return mk(x.lo === 0 ? 0 : Math.max(0, dn(x.lo ** p, REL_LIB)), up(x.hi ** p, REL_LIB));
  return mk(Math.max(0, dn(x.hi ** p, REL_LIB)), x.lo === 0 ? Infinity : up(x.lo ** p, REL_LIB));
}

/** Applies an increasing function with the library margin. */
function incr(a: I, f: (x: number) => number, lowest = -Infinity, highest = Infinity): I {
  const lo = a.lo === -Infinity ? lowest : Math.max(lowest, dn(f(a.lo), REL_LIB));
  const hi = a.hi === Infinity ? highest : Math.min(highest, up(f(a.hi), REL_LIB));
  return mk(lo, hi);
}
/** Applies a decreasing function with the library margin. */
function decr(a: I, f: (x: number) => number, lowest = -Infinity, highest = Infinity): I {
  return incr(neg(a), (x) => f(-x), lowest, highest);
}

export const exp = (a: I): I => incr(a, Math.exp, 0);
export function log(a: I): I {
  if (a.hi <= 0) return ENTIRE;
  return mk(a.lo <= 0 ? -Infinity : dn(Math.log(a.lo), REL_LIB), up(Math.log(a.hi), REL_LIB));
}
export function sqrt(a: I): I {
  if (a.hi < 0) return ENTIRE;
  const lo = a.lo <= 0 ? 0 : Math.max(0, dn(Math.sqrt(a.lo)));
  return mk(lo, up(Math.sqrt(a.hi)));
}
export const tanh = (a: I): I => incr(a, Math.tanh, -1, 1);
export const sinh = (a: I): I => incr(a, Math.sinh);
export function cosh(a: I): I {
  const m = mig(a);
  const M = mag(a);
  return mk(Math.max(1, dn(Math.cosh(m), REL_LIB)), up(Math.cosh(M), REL_LIB));
}
export const sigmoidN = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
export const sigmoid = (a: I): I => incr(a, sigmoidN, 0, 1);
/** log(1 + e^x), stably. */
const softplusN = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const softplus = (a: I): I => incr(a, softplusN, 0);
export function abs(a: I): I {
  if (a.lo >= 0) return a;
  if (a.hi <= 0) return neg(a);
  return { lo: 0, hi: Math.max(-a.lo, a.hi) };
}
export const min = (a: I, b: I): I => ({ lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) });
export const max = (a: I, b: I): I => ({ lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) });

/** Whether the interval may contain a point c + 2 k pi (with slack for rounding). */
function hitsPhase(a: I, c: number): boolean {
  const twoPi = 2 * Math.PI;
  const k0 = Math.ceil((a.lo - c) / twoPi - 1e-9);
  const k1 = Math.floor((a.hi - c) / twoPi + 1e-9);
  return k0 <= k1;
}

export function sin(a: I): I {
  if (
    !(Number.isFinite(a.lo) && Number.isFinite(a.hi)) ||
    a.hi - a.lo >= 2 * Math.PI ||
    Math.abs(a.lo) > 1e8 ||
    Math.abs(a.hi) > 1e8
  ) {
    return { lo: -1, hi: 1 };
  }
  const s0 = Math.sin(a.lo);
  const s1 = Math.sin(a.hi);
  const hi = hitsPhase(a, Math.PI / 2) ? 1 : Math.min(1, up(Math.max(s0, s1), REL_LIB));
  const lo = hitsPhase(a, -Math.PI / 2) ? -1 : Math.max(-1, dn(Math.min(s0, s1), REL_LIB));
  return mk(lo, hi);
}
export const cos = (a: I): I => sin(add(a, out(Math.PI / 2, Math.PI / 2)));

export function tan(a: I): I {
  if (
    !(Number.isFinite(a.lo) && Number.isFinite(a.hi)) ||
    a.hi - a.lo >= Math.PI ||
    hitsPhase(a, Math.PI / 2) ||
    hitsPhase(a, -Math.PI / 2)
  )
    return ENTIRE;
  return incr(a, Math.tan);
}

/** erf by its all-positive series erf x = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!; error < 1e-14 for |x| <= 6. */
export function erfN(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
  return x < 0 ? -r : r;
}
const ERF_ABS = 1e-13;
export function erf(a: I): I {
  const lo = a.lo === -Infinity ? -1 : Math.max(-1, erfN(a.lo) - ERF_ABS);
  const hi = a.hi === Infinity ? 1 : Math.min(1, erfN(a.hi) + ERF_ABS);
  return mk(lo, hi);
}
/** Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2. */
export const normCdf = (a: I): I => {
  const e = erf(out(a.lo * Math.SQRT1_2, a.hi * Math.SQRT1_2));
  return mk(Math.max(0, dn((1 + e.lo) / 2)), Math.min(1, up((1 + e.hi) / 2)));
};
/** Standard normal density phi(x), decreasing in |x|. */
export const normPdf = (a: I): I => {
  const c = 1 / Math.sqrt(2 * Math.PI);
  const m = mig(a);
  const M = mag(a);
  return mk(
    M === Infinity ? 0 : Math.max(0, dn(c * Math.exp(-0.5 * M * M), REL_LIB)),
    up(c * Math.exp(-0.5 * m * m), REL_LIB),
  );
};

/**
 * Range of a function with a single minimum at xStar (decreasing before, increasing after),
 * given the minimum value enclosure.
 */
export function valley(a: I, f: (x: number) => number, xStar: number, fMin: number): I {
  const slack = 1e-9;
  if (a.hi <= xStar - slack) return decr(a, f);
  if (a.lo >= xStar + slack) return incr(a, f);
  const hi = Math.max(
    a.lo === -Infinity ? Infinity : up(f(a.lo), REL_LIB),
    a.hi === Infinity ? Infinity : up(f(a.hi), REL_LIB),
  );
  return mk(fMin, hi);
}

/** silu(x) = x sigmoid(x): minimum at x* = -1.2784645427610738, value -0.27846454276107380. */
const siluN = (x: number): number => x * sigmoidN(x);
export const silu = (a: I): I => valley(a, siluN, -1.278464542761074, -0.2784645427611);
/** gelu(x) = x Phi(x): minimum at x* = -0.7517915247, value -0.16997120. */
export const geluN = (x: number): number => x * 0.5 * (1 + erfN(x * Math.SQRT1_2));
export const gelu = (a: I): I => valley(a, geluN, -0.7517915247, -0.1699712075);
export const relu = (a: I): I => ({ lo: Math.max(0, a.lo), hi: Math.max(0, a.hi) });

/** Widens an interval by an absolute amount e >= 0 (e.g. a float32 deviation bound). */
export function widen(a: I, e: number): I {
  if (e === 0) return a;
  return mk(dn(a.lo - e), up(a.hi + e));
}
