/**
 * Which terms a strategy imposes exactly, and how: `hard` value conditions and
 * `reparam` bounds become output transforms of the fields, and the terms they
 * satisfy leave the loss. Whatever cannot be imposed exactly falls back to a
 * loss term, and the notes say why. Pure: decided from the problem alone.
 */
import type { Problem, Term } from '../problem/index.js';
import type { StrategyName } from '../spec/index.js';
import { add, num, type Expr } from '../expr/index.js';
import { constantValue, hardTransform, planHard, raw, type HardPart } from './hard.js';
import {
  boundOf,
  boundTransform,
  planBounds,
  positiveInverse,
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
  const { bounds, handled, rest } = planBounds(
    problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'reparam'),
  );

  // Exact value conditions. Under reparam, a value condition whose data is a constant on the allowed
  // side of a one-sided bound is imposed exactly too (u = g + phi * P(N)): the sign transform alone
  // fights data on its bound, where its gradient vanishes (positive-poisson: 5e-2 against 1e-5).
  // Under barrier, a value condition whose constant data sit on a barrier inequality's bound is imposed
  // exactly too: the data make the inequality active on that whole part, and a barrier cannot hold an
  // active constraint against a penalty (positive-poisson: the boundary sagged to -3e-4 between points).
  const valuesExact = (t: Term, strategy: StrategyName, holds: (h: HardValue) => boolean) =>
    want(t) === strategy && (t.hardValues ?? []).length > 0 && t.hardValues!.every(holds);
  const onBarrier = barrierBoundTest(problem, want);
  const barrierValues = (t: Term) => valuesExact(t, 'barrier', (h) => onBarrier(t, h));
  const hardCandidates = problem.terms.filter(
    (t) =>
      t.kind === 'condition' &&
      (want(t) === 'hard' || valuesExact(t, 'reparam', (h) => insideOneSidedBound(h, bounds)) || barrierValues(t)),
  );
  const hard = planHard(problem, hardCandidates);
  for (const t of hard.exact) {
    const why = barrierValues(t) ? '; its data sit on a barrier bound, which a barrier cannot hold' : '';
    notes.push(`${t.name}: exact (${hard.detail.get(t) ?? 'u = g + phi * N'}${why})`);
  }
  for (const { term, reason } of hard.fallback) notes.push(`${term.name}: penalty, not exact: ${reason}`);
  const exactTerms = new Set<Term>(hard.exact);
  for (const t of fixedInequalities(problem, want, hard.exact)) {
    exactTerms.add(t);
    notes.push(`${t.name}: exact (the field is fixed there by an exact condition)`);
  }
  const fields = fieldTransforms(problem, hard.parts, bounds, handled);
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

/** Whether the value is a constant on the allowed side of a one-sided bound on its field. */
function insideOneSidedBound(h: HardValue, bounds: Map<string, Bounds>): boolean {
  const b = bounds.get(h.field);
  const g = h.value.kind === 'num' ? h.value.value : undefined;
  return !!b && g !== undefined && (b.lower === undefined) !== (b.upper === undefined) && withinBounds(g, b);
}

/**
 * Whether condition c's value is a constant on the bound of a barrier inequality. Only inequalities that
 * apply where the data are count: domain ones (the closure) and those on an overlapping part.
 */
function barrierBoundTest(problem: Problem, want: (t: Term) => StrategyName): (c: Term, h: HardValue) => boolean {
  const barrierIneqs = problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'barrier');
  return (c, h) => {
    const g = h.value.kind === 'num' ? h.value.value : undefined;
    return (
      g !== undefined &&
      barrierIneqs.some(
        (q) =>
          (q.set.kind === 'domain' || covers(q.set, c.set) || covers(c.set, q.set)) &&
          q.residuals.some((r) => {
            const b = boundOf(r);
            return b?.field === h.field && (b.lower === g || b.upper === g);
          }),
      )
    );
  };
}

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
): { transforms: Map<string, Expr>; exact: Term[]; notes: string[] } {
  const transforms = new Map<string, Expr>();
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
    // u = G + phi * P(N) keeps u >= G (or <= G): exact when G is a constant inside the bounds.
    const g = constantValue(parts);
    const oneSided = b && (b.lower === undefined) !== (b.upper === undefined);
    if (b && oneSided && g !== undefined && withinBounds(g, b)) {
      transforms.set(f, boundedHard(parts, b, g, positivity, raw(f), domainSize));
      for (const t of onField) {
        exact.push(t);
        notes.push(
          `${t.name}: exact (${g === (b.lower ?? b.upper) ? `u = g + phi * ${positivity}(N)` : `u = ${b.lower ?? b.upper} ${b.lower !== undefined ? '+' : '-'} ${positivity}(c + phi * N), data strictly inside the bound`})`,
        );
      }
    } else {
      transforms.set(f, hardTransform(parts, raw(f), domainSize));
      for (const t of onField)
        notes.push(
          `${t.name}: penalty, not exact: ${f} also has exact boundary data that is not a constant on the bound's side`,
        );
    }
  }
  return { transforms, exact, notes };
}

/** Whether point set `outer` contains `inner`: the whole boundary contains every part, a named part itself; the initial slice itself. */
function covers(outer: Term['set'], inner: Term['set']): boolean {
  if (outer.kind === 'initial' || inner.kind === 'initial') return outer.kind === inner.kind;
  if (outer.kind !== 'boundary' || inner.kind !== 'boundary') return false;
  const [x, y] = [outer.selector, inner.selector];
  return x.kind === 'all' || (x.kind === 'name' && y.kind === 'name' && x.name === y.name);
}

/**
 * u = g + phi * P(N) when the data g lie on the bound: u >= g is then the bound itself. Data strictly
 * inside it would make that transform demand u >= g, stricter than the bound (an obstacle u >= -1
 * with u = 0 on the boundary and a contact region inside); then u = a + P(c + phi * N) with
 * P(c) = g - a (u <= b: b - P(...)), which is g on the part and keeps only the bound.
 */
function boundedHard(parts: HardPart[], b: Bounds, g: number, positivity: Positivity, n: Expr, size: number): Expr {
  const bound = (b.lower ?? b.upper)!;
  if (g === bound) {
    const inner =
      b.lower !== undefined ? boundTransform({ lower: 0 }, positivity, n) : boundTransform({ upper: 0 }, positivity, n);
    return hardTransform(parts, inner, size);
  }
  const c = positiveInverse(positivity, Math.abs(g - bound));
  const shifted = add(hardTransform(parts, n, size), num(c - g));
  return boundTransform(b, positivity, shifted);
}

function describeBound(b: Bounds, positivity: Positivity): string {
  if (b.lower !== undefined && b.upper !== undefined) return `u = ${b.lower} + ${b.upper - b.lower} * sigmoid(N)`;
  if (b.lower !== undefined) return `u = ${b.lower === 0 ? '' : `${b.lower} + `}${positivity}(N)`;
  return `u = ${b.upper} - ${positivity}(N)`;
}
