/**
 * Which terms a strategy imposes exactly, and how: `hard` value conditions and
 * `reparam` bounds become output transforms of the fields, and the terms they
 * satisfy leave the loss. Whatever cannot be imposed exactly falls back to a
 * loss term, and the notes say why. Pure: decided from the problem alone.
 */
import type { Problem, Term } from '../problem/index.js';
import type { StrategyName } from '../spec/index.js';
import { num, type Expr } from '../expr/index.js';
import { constantValue, dataRangeOnPart, hardTransform, planHard, raw, type HardPart } from './hard.js';
import {
  boundInverse,
  boundOf,
  boundTransform,
  planBounds,
  withinBounds,
  type Bounds,
  type Positivity,
} from './reparam.js';

export interface ExactPlan {
  /** Output transform per field, in terms of the raw network output and the variables. */
  transforms: Map<string, Expr>;
  /** Terms satisfied by construction. */
  exactTerms: Set<Term>;
  /** Terms asked to be exact that fall back to a loss term, with the reason already in the notes. */
  explained: Set<Term>;
  /** What is imposed how, in order. */
  notes: string[];
}

type HardValue = NonNullable<Term['hardValues']>[number];

/** The exact part of strategy `name` (the run's; a term's own `strategy:` overrides it). */
export function planExact(problem: Problem, name: StrategyName): ExactPlan {
  const notes: string[] = [];
  const want = (t: Term): StrategyName => t.strategy ?? name;

  // Sign and bound transforms.
  const positivity = problem.spec.constraints.positivity;
  const { bounds, handled, rest } = planBounds(
    problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'reparam'),
  );

  // Exact value conditions. Under reparam, a value condition whose data is a constant within the
  // field's bounds is imposed exactly too (u = g + phi * P(N), or the bound's map of c + phi * N):
  // the sign transform alone fights data on its bound, where its gradient vanishes (positive-poisson:
  // 5e-2 against 1e-5), and a two-sided map cannot reach data on its bounds through a penalty.
  // Under barrier, a value condition whose data reach a barrier inequality's bound on its part is imposed
  // exactly too: the data make the inequality active there, and a barrier cannot hold an active
  // constraint against a penalty (positive-poisson: the boundary sagged to -3e-4 between points).
  const valuesExact = (t: Term, strategy: StrategyName, holds: (h: HardValue) => boolean) =>
    want(t) === strategy && (t.hardValues ?? []).length > 0 && t.hardValues!.every(holds);
  const onBarrier = barrierBoundTest(problem, want);
  // Decided once per term: the test samples each part's data.
  const barrierValues = new Set(
    problem.terms.filter((t) => t.kind === 'condition' && valuesExact(t, 'barrier', (h) => onBarrier(t, h))),
  );
  const hardCandidates = problem.terms.filter(
    (t) =>
      t.kind === 'condition' &&
      (want(t) === 'hard' ||
        valuesExact(t, 'reparam', (h) => reachableInBound(h, bounds, positivity)) ||
        barrierValues.has(t)),
  );
  const hard = planHard(problem, hardCandidates);
  const fields = fieldTransforms(problem, hard.parts, bounds, handled);
  for (const t of hard.exact) {
    const why = barrierValues.has(t) ? '; its data reach a barrier bound, which a barrier cannot hold' : '';
    const bound = t.hardValues?.map((h) => fields.boundedHow.get(h.field)).find((how) => how !== undefined);
    notes.push(`${t.name}: exact (${bound ?? hard.detail.get(t) ?? 'u = g + phi * N'}${why})`);
  }
  for (const { term, reason } of hard.fallback) notes.push(`${term.name}: penalty, not exact: ${reason}`);
  const exactTerms = new Set<Term>(hard.exact);
  for (const t of fixedInequalities(problem, want, hard.exact)) {
    exactTerms.add(t);
    notes.push(`${t.name}: exact (the field is fixed there by an exact condition)`);
  }
  for (const t of fields.exact) exactTerms.add(t);
  notes.push(...fields.notes);
  for (const t of rest)
    notes.push(
      `${t.name}: penalty, not exact: reparam handles only bounds like "u >= 0" or "a <= u <= b" on a plain field`,
    );
  return {
    transforms: fields.transforms,
    exactTerms,
    explained: new Set([...hard.fallback.map((f) => f.term), ...rest]),
    notes,
  };
}

/**
 * Whether the value is a constant the field's bound transform can carry on a part: within the bounds
 * and reached at a finite N, or on a one-sided bound (u = g + phi * P(N) holds it for every P).
 */
function reachableInBound(h: HardValue, bounds: Map<string, Bounds>, positivity: Positivity): boolean {
  const b = bounds.get(h.field);
  const g = h.value.kind === 'num' ? h.value.value : undefined;
  if (!b || g === undefined || !withinBounds(g, b)) return false;
  const oneSided = (b.lower === undefined) !== (b.upper === undefined);
  return (oneSided && g === (b.lower ?? b.upper)) || boundInverse(b, positivity, g) !== undefined;
}

/**
 * Whether condition c's data reach the bound of a barrier inequality on c's part without crossing it
 * (a constant on the bound, or a formula that touches it: sin(pi x) y (2 - y) >= 0 on the sides of a
 * square, zero on three of them). Only inequalities that apply where the data are count: domain ones
 * (the closure) and those on an overlapping part. Data strictly inside the bound are not active there
 * and stay a penalty.
 */
function barrierBoundTest(problem: Problem, want: (t: Term) => StrategyName): (c: Term, h: HardValue) => boolean {
  const barrierIneqs = problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'barrier');
  return (c, h) => {
    const bounds = barrierIneqs
      .filter((q) => q.set.kind === 'domain' || covers(q.set, c.set) || covers(c.set, q.set))
      .flatMap((q) => q.residuals.map(boundOf))
      .filter((b) => b?.field === h.field);
    if (bounds.length === 0) return false;
    const range = dataRangeOnPart(problem, c, h.value);
    if (!range) return false;
    const tol = BOUND_TOUCH * Math.max(1, Math.abs(range.min), Math.abs(range.max));
    return bounds.some(
      (b) =>
        (b!.lower !== undefined && Math.abs(range.min - b!.lower) <= tol) ||
        (b!.upper !== undefined && Math.abs(range.max - b!.upper) <= tol),
    );
  };
}

/** Data within this relative distance of a bound on their part touch it. */
const BOUND_TOUCH = 1e-9;

/** Bounds (not reparam's) on a part where an exact condition already fixes the field to a constant that satisfies them. */
function fixedInequalities(problem: Problem, want: (t: Term) => StrategyName, exact: Set<Term>): Term[] {
  return problem.terms.filter((t) => {
    if (t.kind !== 'inequality' || want(t) === 'reparam' || t.residuals.length === 0) return false;
    return t.residuals.map(boundOf).every((b) => {
      const data =
        b &&
        [...exact].flatMap((c) => (covers(c.set, t.set) ? (c.hardValues ?? []) : [])).find((h) => h.field === b.field);
      return !!b && data?.value.kind === 'num' && withinBounds(data.value.value, b);
    });
  });
}

/** Each field's transform from its exact parts and bounds; the bound terms it satisfies, and the notes on them. */
function fieldTransforms(
  problem: Problem,
  hardParts: Map<string, HardPart[]>,
  bounds: Map<string, Bounds>,
  boundTerms: Term[],
): { transforms: Map<string, Expr>; exact: Term[]; notes: string[]; boundedHow: Map<string, string> } {
  const transforms = new Map<string, Expr>();
  const boundedHow = new Map<string, string>();
  const exact: Term[] = [];
  const notes: string[] = [];
  const positivity = problem.spec.constraints.positivity;
  const { min, max } = problem.geometry.bbox;
  const domainSize = Math.hypot(...min.map((lo, a) => max[a]! - lo));
  for (const f of problem.fields) {
    const parts = hardParts.get(f);
    const b = bounds.get(f);
    const onField = boundTerms.filter((t) => t.residuals.some((r) => boundOf(r)?.field === f));
    if (!parts) {
      if (b) {
        transforms.set(f, boundTransform(b, positivity, raw(f)));
        for (const t of onField) {
          exact.push(t);
          notes.push(`${t.name}: exact (${describeBound(b, positivity)})`);
        }
      }
      continue;
    }
    const bounded = b ? boundedHard(parts, b, positivity, raw(f), domainSize) : undefined;
    if (bounded) {
      transforms.set(f, bounded.transform);
      boundedHow.set(f, bounded.how);
      for (const t of onField) {
        exact.push(t);
        notes.push(`${t.name}: exact (${bounded.how})`);
      }
    } else {
      transforms.set(f, hardTransform(parts, raw(f), domainSize));
      for (const t of onField)
        notes.push(
          `${t.name}: penalty, not exact: ${f} also has exact boundary data that the bound's transform cannot carry (data must be constants within the bounds)`,
        );
    }
  }
  return { transforms, exact, notes, boundedHow };
}

/** Whether point set `outer` contains `inner`: the whole boundary contains every part, a named part itself; the initial slice itself. */
function covers(outer: Term['set'], inner: Term['set']): boolean {
  if (outer.kind === 'initial' || inner.kind === 'initial') return outer.kind === inner.kind;
  if (outer.kind !== 'boundary' || inner.kind !== 'boundary') return false;
  const [x, y] = [outer.selector, inner.selector];
  return x.kind === 'all' || (x.kind === 'name' && y.kind === 'name' && x.name === y.name);
}

/**
 * The field's transform when it has both exact data (parts) and a bound, if the data are constants
 * the bound's map reaches. One constant on a one-sided bound: u = g + phi * P(N), so u >= g is the
 * bound itself. Otherwise u = T(C + phi * N) with T the bound's map and C the blend of each part's
 * T^-1(g_k): g_k on part k, the bound everywhere. (u = g + phi * P(N) with g strictly inside a
 * bound would demand u >= g, stricter than the bound: an obstacle u >= -1 with u = 0 on the
 * boundary and a contact region inside.)
 */
function boundedHard(
  parts: HardPart[],
  b: Bounds,
  positivity: Positivity,
  n: Expr,
  size: number,
): { transform: Expr; how: string } | undefined {
  const g = constantValue(parts);
  const bound = b.lower ?? b.upper;
  const oneSided = (b.lower === undefined) !== (b.upper === undefined);
  if (oneSided && g !== undefined && g === bound) {
    const inner =
      b.lower !== undefined ? boundTransform({ lower: 0 }, positivity, n) : boundTransform({ upper: 0 }, positivity, n);
    return { transform: hardTransform(parts, inner, size), how: `u = g + phi * ${positivity}(N)` };
  }
  const preimages = parts.map((p) => (p.value.kind === 'num' ? boundInverse(b, positivity, p.value.value) : undefined));
  if (preimages.some((c) => c === undefined)) return undefined;
  const shifted = hardTransform(
    parts.map((p, k) => ({ ...p, value: num(preimages[k]!) })),
    n,
    size,
  );
  return {
    transform: boundTransform(b, positivity, shifted),
    how: `${describeBound(b, positivity).replace('(N)', '(c + phi * N)')}, c carrying each part's data`,
  };
}

function describeBound(b: Bounds, positivity: Positivity): string {
  if (b.lower !== undefined && b.upper !== undefined) return `u = ${b.lower} + ${b.upper - b.lower} * (1 + sin(N)) / 2`;
  if (b.lower !== undefined) return `u = ${b.lower === 0 ? '' : `${b.lower} + `}${positivity}(N)`;
  return `u = ${b.upper} - ${positivity}(N)`;
}
