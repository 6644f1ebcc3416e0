/**
 * Sign and bound constraints through output transforms: `u >= a` becomes
 * u = a + P(N) with P one of abs, square, softplus, exp; `u <= b` becomes
 * u = b - P(N); `a <= u <= b` becomes u = a + (b - a) (1 + sin N) / 2.
 * Only inequalities that compare a field (no derivatives) with a constant
 * qualify; anything else falls back to a loss term.
 */
import { add, call, mul, num, sub, type Expr } from '../expr/index.js';
import type { Term } from '../problem/index.js';

export type Positivity = 'square' | 'softplus' | 'exp' | 'abs';

export interface Bounds {
  lower?: number;
  upper?: number;
}

/** Whether the value g lies within the bounds (an absent side is no limit). */
export function withinBounds(g: number, b: Bounds): boolean {
  return (b.lower === undefined || g >= b.lower) && (b.upper === undefined || g <= b.upper);
}

/** A residual g (g <= 0 required) as a bound on a plain field, if it is one. */
export function boundOf(g: Expr): { field: string; lower?: number; upper?: number } | undefined {
  const plain = (e: Expr) => (e.kind === 'field' && e.derivs === '' ? e.field : undefined);
  if (plain(g)) return { field: plain(g)!, upper: 0 };
  if (g.kind === 'neg' && plain(g.arg)) return { field: plain(g.arg)!, lower: 0 };
  if (g.kind === 'binary' && g.op === '-') {
    if (g.left.kind === 'num' && plain(g.right)) return { field: plain(g.right)!, lower: g.left.value };
    if (g.right.kind === 'num' && plain(g.left)) return { field: plain(g.left)!, upper: g.right.value };
  }
  return undefined;
}

/** Bounds per field from the inequality terms that are pure field bounds; the rest are returned as not handled. */
export function planBounds(terms: Term[]): { bounds: Map<string, Bounds>; handled: Term[]; rest: Term[] } {
  const bounds = new Map<string, Bounds>();
  const handled: Term[] = [];
  const rest: Term[] = [];
  for (const term of terms) {
    const parts = term.kind === 'inequality' ? term.residuals.map(boundOf) : [undefined];
    if (parts.some((p) => p === undefined)) {
      rest.push(term);
      continue;
    }
    for (const p of parts) {
      const b = bounds.get(p!.field) ?? {};
      if (p!.lower !== undefined) b.lower = Math.max(b.lower ?? -Infinity, p!.lower);
      if (p!.upper !== undefined) b.upper = Math.min(b.upper ?? Infinity, p!.upper);
      bounds.set(p!.field, b);
    }
    handled.push(term);
  }
  return { bounds, handled, rest };
}

/**
 * The rounding of `abs`, sqrt(N^2 + eps^2) - eps: |N| smoothed within eps of 0 (N starts of
 * order 1). Unlike softplus and exp it has no flat side: its slope is +-1 away from N = 0, so a
 * loss that first pulls u toward the bound cannot strand N where no gradient comes back, and
 * u = 0 at N = 0 is reached at a finite N. On the held-out bump (docs/strategies.md) eps = 0.1
 * gave L2 2.0e-2, 0.3 gave 3.2e-2, 1 gave 4.2e-2, 0.01 gave 1.3e-1 (its curvature 1/eps stiffens
 * the residual where N crosses 0); softplus 1.0 (collapsed), square 4.2e-2.
 */
const ABS_EPS = 0.1;

/** P(N) >= 0. */
export function positive(kind: Positivity, n: Expr): Expr {
  switch (kind) {
    case 'square':
      return mul(n, n);
    case 'softplus':
      return call('softplus', n); // a jet function that specs cannot name
    case 'exp':
      return call('exp', n);
    case 'abs':
      return sub(call('sqrt', add(mul(n, n), num(ABS_EPS * ABS_EPS))), num(ABS_EPS));
  }
}

/** The N where P(N) = v, for v > 0. */
export function positiveInverse(kind: Positivity, v: number): number {
  switch (kind) {
    case 'square':
      return Math.sqrt(v);
    case 'softplus':
      return v > 30 ? v : Math.log(Math.expm1(v));
    case 'exp':
      return Math.log(v);
    case 'abs':
      return Math.sqrt((v + ABS_EPS) ** 2 - ABS_EPS ** 2);
  }
}

/**
 * The two-sided map [a, b] <- a + (b - a) (1 + sin N) / 2. It reaches both bounds at a finite N
 * (+-pi/2), where a sigmoid needs N -> +-infinity and has no gradient left on the way: a solution
 * that touches a bound (0 <= u <= 1 touched at interior points, data on the bounds of an annulus)
 * made sigmoid runs stall (docs/strategies.md, held-out family). N = 0 is the middle, so a network
 * that starts near 0 starts with full slope.
 */
function between(b: Required<Bounds>, n: Expr): Expr {
  return add(num(b.lower), mul(num((b.upper - b.lower) / 2), add(num(1), call('sin', n))));
}

/** The transform of raw output `n` that keeps the field within `b`. */
export function boundTransform(b: Bounds, kind: Positivity, n: Expr): Expr {
  if (b.lower !== undefined && b.upper !== undefined) return between({ lower: b.lower, upper: b.upper }, n);
  if (b.lower !== undefined) return b.lower === 0 ? positive(kind, n) : add(num(b.lower), positive(kind, n));
  if (b.upper !== undefined) return sub(num(b.upper), positive(kind, n));
  return n;
}

/**
 * The N where boundTransform(b, kind, N) = v, for v within the bounds; undefined where no finite N
 * gives v (softplus and exp never reach their bound).
 */
export function boundInverse(b: Bounds, kind: Positivity, v: number): number | undefined {
  if (!withinBounds(v, b)) return undefined;
  if (b.lower !== undefined && b.upper !== undefined) {
    const s = (2 * (v - b.lower)) / (b.upper - b.lower) - 1;
    return Math.asin(Math.min(1, Math.max(-1, s)));
  }
  const gap = b.lower !== undefined ? v - b.lower : b.upper !== undefined ? b.upper - v : undefined;
  if (gap === undefined) return v;
  if (gap > 0) return positiveInverse(kind, gap);
  return kind === 'abs' || kind === 'square' ? 0 : undefined;
}
