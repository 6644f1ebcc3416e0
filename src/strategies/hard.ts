/**
 * Exact imposition of value conditions (Dirichlet, PEC with Ez, conductor
 * potentials, initial values) through output transforms u = G + phi * N:
 * phi vanishes on every part carrying data (the product of the parts' distance
 * functions; for an initial value the normalized time since the start), and G
 * is a smooth extension of the data. Several parts with different data are
 * blended by transfinite interpolation (Sukumar & Srivastava 2022):
 * G = sum_i w_i g_i with w_i = (phi_i^2 + eps)^-1 / sum_k (phi_k^2 + eps)^-1,
 * so that G = g_i on part i. Derivatives of the transform come out exactly
 * from the jet algebra, since the transform is plain expression IR.
 */
import { add, div, mul, num, show, sub, sum, variable, walk, type Expr } from '../expr/ir.js';
import type { Problem, Term } from '../problem/problem.js';
import type { BoundarySelector } from '../problem/geometry/types.js';
import { rawName } from '../model/model.js';

/** Keeps the blend finite where two parts meet; its effect on a part is eps / phi_other^2. */
const BLEND_EPS = 1e-12;

/** One part of a field's hard data: where it holds (phi = 0 there) and the value. */
export interface HardPart { term: Term; phi: Expr; value: Expr }

export interface HardPlan {
  /** Per field: the parts that can be imposed exactly. */
  parts: Map<string, HardPart[]>;
  /** Terms imposed exactly. */
  exact: Set<Term>;
  /** Terms asked for `hard` that fall back to penalty, with the reason. */
  fallback: { term: Term; reason: string }[];
}

/** Which of `terms` (those a strategy wants exact) can be imposed, and how. */
export function planHard(problem: Problem, terms: Term[]): HardPlan {
  const parts = new Map<string, HardPart[]>();
  const exact = new Set<Term>();
  const fallback: HardPlan['fallback'] = [];
  for (const term of terms) {
    const why = cannotImpose(problem, term);
    if (why) { fallback.push({ term, reason: why }); continue; }
    const phi = partPhi(problem, term)!;
    for (const hv of term.hardValues!) {
      const list = parts.get(hv.field) ?? [];
      list.push({ term, phi, value: hv.value });
      parts.set(hv.field, list);
    }
    exact.add(term);
  }
  return { parts, exact, fallback };
}

function cannotImpose(problem: Problem, term: Term): string | undefined {
  if (term.kind !== 'condition') return `a ${term.kind} term is never imposed exactly`;
  if (!term.hardValues || term.hardValues.length === 0) {
    switch (term.type) {
      case 'neumann': case 'robin':
        return 'normal-derivative conditions need derivatives of the network inside the output transform (u = N - phi (grad phi . grad N + h) needs third derivatives of N for second-order equations), which this version does not build';
      case 'initial-rate':
        return 'initial rates are not imposed exactly in this version';
      case 'pec':
        return 'tangential PEC (n x E = 0) couples several fields; only TM Ez = 0 is imposed exactly';
      default:
        return `a ${term.type} condition has no exact form`;
    }
  }
  for (const hv of term.hardValues) {
    let bad: string | undefined;
    walk(hv.value, (n) => {
      if (n.kind === 'normal') bad = 'its value uses the boundary normal, which has no extension inside the domain';
      if (n.kind === 'field' || n.kind === 'lap' || n.kind === 'dn') bad = 'its value depends on the fields';
    });
    if (bad) return bad;
  }
  if (partPhi(problem, term) === undefined) {
    return 'its boundary part has no distance function that vanishes only there (expression selectors and some CSG parts)';
  }
  return undefined;
}

/** Distance-like function of the term's point set: zero there, positive in the domain. */
function partPhi(problem: Problem, term: Term): Expr | undefined {
  switch (term.set.kind) {
    case 'boundary': return boxProduct(problem, term.set.selector) ?? problem.geometry.partDistance(term.set.selector);
    case 'initial': {
      const { min, max } = problem.time!;
      return div(sub(variable('t'), num(min)), num(max - min));
    }
    default: return undefined;
  }
}

/**
 * On a whole rectangle or box boundary: the product of the per-axis slabs
 * (x - lo)(hi - x)/(hi - lo), as in DeepXDE's hard-constraint examples. It is
 * smooth everywhere (the R-function conjunction of the geometry's distance
 * has steep curvature toward the corners), and u / phi stays separable for
 * separable solutions, which trains markedly better.
 */
function boxProduct(problem: Problem, selector: BoundarySelector): Expr | undefined {
  const g = problem.spec.geometry;
  if ((g.kind !== 'rectangle' && g.kind !== 'box') || selector.kind !== 'all') return undefined;
  const { min, max } = problem.geometry.bbox;
  const slabs = min.map((lo, a) => {
    const x = variable(['x', 'y', 'z'][a]!);
    return div(mul(sub(x, num(lo)), sub(num(max[a]!), x)), num(max[a]! - lo));
  });
  return slabs.slice(1).reduce((p, s) => mul(p, s), slabs[0]!);
}

/** The output transform of a field: G + phi * inner, with inner the raw output (or a sign transform of it). */
export function hardTransform(parts: HardPart[], inner: Expr): Expr {
  const phi = parts.length === 1 ? parts[0]!.phi : parts.slice(1).reduce((p, q) => mul(p, q.phi), parts[0]!.phi);
  return add(extension(parts), mul(phi, inner));
}

/** The smooth extension G of the parts' data. */
export function extension(parts: HardPart[]): Expr {
  const distinct = new Set(parts.map((p) => show(p.value)));
  if (distinct.size === 1) return parts[0]!.value;
  const inv = parts.map((p) => div(num(1), add(mul(p.phi, p.phi), num(BLEND_EPS))));
  return div(sum(parts.map((p, i) => mul(inv[i]!, p.value))), sum(inv));
}

/** The raw network output of a field, as the transform reads it. */
export const raw = (field: string): Expr => variable(rawName(field));

/** Whether every part's value is the same constant (for combining with a sign transform). */
export function constantValue(parts: HardPart[]): number | undefined {
  const v = parts[0]!.value;
  if (v.kind !== 'num') return undefined;
  return parts.every((p) => p.value.kind === 'num' && p.value.value === v.value) ? v.value : undefined;
}
