/**
 * Exact imposition of value conditions (Dirichlet, PEC with Ez, conductor
 * potentials, initial values) through output transforms u = G + phi * N:
 * phi vanishes on every part carrying data (the product of the parts' distance
 * functions; for an initial value the normalized time since the start), and G
 * is a smooth extension of the data. Several parts with different data are
 * blended by transfinite interpolation (Sukumar & Srivastava 2022) with exponent 1:
 * G = sum_i w_i g_i with w_i = (a_i + eps)^-1 / sum_k (a_k + eps)^-1, a_i = |phi_i| / scale_i,
 * so that G = g_i on part i (evaluated in the product form of extension()). Derivatives of the transform come out exactly
 * from the jet algebra, since the transform is plain expression IR.
 *
 * Tangential PEC (TE and 3D n x E = 0) is exact on rectangle and box domains,
 * per E component with the distances of the faces it is tangential to
 * (tangentialPec). Zero data on a part where the other parts' data vanish
 * already (a cavity mode's initial value on its PEC wall) stays out of the
 * blend (markSilent): G is then the other data as it is.
 */
import {
  add,
  call,
  dependsOn,
  diff,
  div,
  evalNumeric,
  fold,
  mapExpr,
  mul,
  num,
  show,
  sub,
  sum,
  variable,
  walk,
  type Expr,
} from '../expr/index.js';
import { makeSampler, type BoundarySelector, type Problem, type Term, type UnitSampler } from '../problem/index.js';
import { rawName } from '../model/index.js';
import { createRng } from '../util/index.js';
import { parameterMiddle } from '../spec/index.js';

/** Keeps the blend finite where two parts meet; its effect on a part is eps / (phi_other / domain size). */
const BLEND_EPS = 1e-12;

/**
 * One part of a field's hard data: where it holds (phi = 0 there) and the value.
 * `silent`: the value is 0 and every other part's data vanishes here already,
 * so the part only multiplies phi and stays out of the blend of G.
 */
export interface HardPart {
  term: Term;
  phi: Expr;
  value: Expr;
  silent?: boolean;
  /**
   * Where parts with different data are blended: the part's typical |phi| on the other parts
   * (setScales); the blend compares the parts' distances as fractions of it.
   */
  scale?: number;
}

interface HardPlan {
  /** Per field: the parts that can be imposed exactly. */
  parts: Map<string, HardPart[]>;
  /** Terms imposed exactly. */
  exact: Set<Term>;
  /** Terms asked for `hard` that fall back to penalty, with the reason. */
  fallback: { term: Term; reason: string }[];
  /** How an exact term is imposed, where it is not plainly u = g + phi * N. */
  detail: Map<Term, string>;
}

/** Which of `terms` (those a strategy wants exact) can be imposed, and how. */
export function planHard(problem: Problem, terms: Term[]): HardPlan {
  const parts = new Map<string, HardPart[]>();
  const exact = new Set<Term>();
  const fallback: HardPlan['fallback'] = [];
  const detail = new Map<Term, string>();
  for (const term of terms) {
    // PEC on a rectangle or box: per component, the faces it is tangential to (TM Ez: all of them).
    // Elsewhere TM Ez = 0 uses the part's distance function below; TE and 3D fall back to penalty.
    const tangential = term.form === 'pec' ? tangentialPec(problem, term) : undefined;
    if (typeof tangential === 'string' && !term.hardValues?.length) {
      fallback.push({ term, reason: tangential });
      continue;
    }
    if (tangential !== undefined && typeof tangential !== 'string') {
      for (const { field, phi } of tangential) {
        const list = parts.get(field) ?? [];
        list.push({ term, phi, value: num(0) });
        parts.set(field, list);
      }
      exact.add(term);
      detail.set(
        term,
        `tangential E = 0 on the faces: ${tangential.map((x) => `${x.field} = ${show(x.phi)} * N`).join(', ')}`,
      );
      continue;
    }
    const why = cannotImpose(problem, term);
    if (why) {
      fallback.push({ term, reason: why });
      continue;
    }
    const phi = partPhi(problem, term)!;
    const imposed = term.hardValues!.map((hv) => ({ field: hv.field, parts: dataParts(problem, term, phi, hv.value) }));
    const refused = imposed.find((x) => typeof x.parts === 'string');
    if (refused) {
      fallback.push({ term, reason: refused.parts as string });
      continue;
    }
    for (const { field, parts: found } of imposed) {
      const { list: add, note } = found as { list: HardPart[]; note?: string };
      parts.set(field, [...(parts.get(field) ?? []), ...add]);
      if (note) detail.set(term, note);
    }
    exact.add(term);
  }
  for (const list of parts.values()) {
    markSilent(problem, list);
    setScales(problem, list);
  }
  return { parts, exact, fallback, detail };
}

/**
 * Sets each part's scale where parts with different data are blended and some part's distance is
 * curved (affine ones, a box's faces and the time since the start, are lengths already): the median of |phi| over
 * sample points of the other parts, where its weight has to give way to theirs. Distances at unit
 * slope weigh a part by how far a point is from it in length; as fractions of these values two
 * concentric circles' distances sum to 1 and G is the interpolation linear in r^2 that users write
 * by hand for an annulus. Measured on a family of blends (docs/strategies.md, hard): an annulus
 * L2 3.0e-6 -> 1.6e-6, a disk minus a square 6.6e-3 -> 1.2e-4, a plate with a hole 1.4e-3 ->
 * 8.2e-4; the largest |phi| over the domain instead did as well on the annulus and was up to 25
 * times worse on the plate, where a small circle's distance grows quadratically far from it.
 */
function setScales(problem: Problem, list: HardPart[]): void {
  const blended = list.filter((p) => !p.silent);
  if (!differentData(blended)) return;
  // Affine distances (a box's faces, the time since the start) are lengths already: scaled, a
  // square with other data on each side went from 6.7e-5 / 1.2e-4 to 9.5e-5 / 1.3e-4, a heat rod
  // with other data on its ends and at the start from 1.7e-4 / 9.3e-4 to 3.1e-4 / 1.4e-3.
  if (blended.every((p) => isAffine(problem, p.phi))) return;
  const on = blended.map((p) => zeroPoints(problem, p));
  const scales = blended.map((p, i) => {
    const values = on
      .filter((_, j) => j !== i)
      .flat()
      .map((q) => Math.abs(evalAt(problem, p.phi, q)))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  });
  // All or none: a part scaled against others at the diagonal would weigh them arbitrarily.
  if (scales.every((c) => c !== undefined && c > 0)) blended.forEach((p, i) => (p.scale = scales[i]));
}

/** Whether the parts carry more than one data expression (and so need a blend). */
function differentData(parts: HardPart[]): boolean {
  return new Set(parts.map((p) => show(p.value))).size > 1;
}

/** Whether e is affine in the problem's variables (its first derivatives are constants). */
function isAffine(problem: Problem, e: Expr): boolean {
  try {
    return problem.variables.every((v) => !dependsOn(diff(e, v), problem.variables));
  } catch {
    return false;
  }
}

/** Interior data may exceed the part's data by this factor before the formula counts as singular inside. */
const DATA_GROWTH_LIMIT = 100;

/**
 * The hard parts that carry `value` on the term's part. The transform reads G in the whole
 * domain, so data given by a formula that is not finite there, or far larger than on the part
 * (a far field -(1 - c a^2 / r^2) x on an outer box, singular at the body inside), would make
 * u = G + phi N singular wherever the formula is. Such data on the faces of a box are extended by
 * their values on each face (the formula restricted to x = x_face, blended); elsewhere the term
 * falls back to penalty, and the string says why.
 */
function dataParts(problem: Problem, term: Term, phi: Expr, value: Expr): { list: HardPart[]; note?: string } | string {
  const whole: HardPart = { term, phi, value };
  const unsafe = unsafeInside(problem, whole);
  if (!unsafe) return { list: [whole] };
  const faces = faceParts(problem, term, value);
  if (!faces) {
    return `its data ${show(value)} ${unsafe}, and exact imposition evaluates the data throughout the domain (only the faces of a box domain have their data restricted to the face)`;
  }
  const restricted = faces.map((f) => show(f.value)).join(', ');
  return {
    list: faces,
    note: `u = G + phi * N with G blended from the data restricted to each face (${restricted}), since the data formula ${unsafe}`,
  };
}

/** Why the part's data formula cannot serve as its own extension: not finite, or far larger inside than on the part. */
function unsafeInside(problem: Problem, part: HardPart): string | undefined {
  const onPart = zeroPoints(problem, part);
  if (onPart.length === 0) return undefined;
  const scale = maxAbsOver(problem, part.value, onPart);
  if (!Number.isFinite(scale)) return undefined; // not finite on the part itself: nothing to extend
  let worst = { v: 0, p: [] as number[] };
  for (const p of [...samplePoints(problem), ...gridPoints(problem)]) {
    const v = Math.abs(evalAt(problem, part.value, p));
    if (!Number.isFinite(v)) return `is not finite at ${at(problem, p)} inside the domain`;
    if (v > worst.v) worst = { v, p };
  }
  if (worst.v > DATA_GROWTH_LIMIT * Math.max(scale, 1e-12)) {
    return `reaches ${worst.v.toExponential(2)} at ${at(problem, worst.p)} inside the domain, over ${DATA_GROWTH_LIMIT} times its largest value on the part (${scale.toExponential(2)})`;
  }
  return undefined;
}

const at = (problem: Problem, p: number[]): string => problem.variables.map((v, k) => `${v} = ${p[k]}`).join(', ');

/** A regular grid over the bounding box (odd count per axis, so it holds the centre), inside points only. */
function gridPoints(problem: Problem): number[][] {
  const { min, max } = problem.geometry.bbox;
  const per = problem.dim === 3 ? 9 : problem.dim === 2 ? 33 : 257;
  let pts: number[][] = [[]];
  for (let a = 0; a < problem.dim; a++) {
    const axis = Array.from({ length: per }, (_, i) => min[a]! + ((max[a]! - min[a]!) * i) / (per - 1));
    pts = pts.flatMap((p) => axis.map((x) => [...p, x]));
  }
  const time = problem.time;
  const inside = pts.filter((p) => problem.geometry.contains(p));
  return time ? inside.map((p) => [...p, (time.min + time.max) / 2]) : inside;
}

/**
 * The term's part split into the faces of a box domain, each carrying the data with the face's
 * coordinate fixed (on x = 1, g(1, y)): values of the data on the face, constant along its normal.
 * Undefined when the domain is not a box or the part is not made of its faces.
 */
function faceParts(problem: Problem, term: Term, value: Expr): HardPart[] | undefined {
  const box = problem.geometry.axisBox();
  if (!box || term.set.kind !== 'boundary') return undefined;
  const sel = term.set.selector;
  const whole = sel.kind === 'all' || (sel.kind === 'name' && sel.name === box.name);
  const faces = whole ? box.sides : sel.kind === 'name' && box.sides.includes(sel.name) ? [sel.name] : [];
  if (faces.length === 0) return undefined;
  return faces.map((name) => {
    const k = box.sides.indexOf(name);
    const axis = Math.floor(k / 2);
    const coordinate = k % 2 === 0 ? box.min[axis]! : box.max[axis]!;
    const restricted = mapExpr(value, (n) =>
      n.kind === 'var' && n.name === problem.variables[axis] ? num(coordinate) : n,
    );
    return {
      term,
      phi: problem.geometry.partDistance({ kind: 'name', name })!,
      value: fold(restricted, problem.constants),
    };
  });
}

/**
 * Tangential PEC (n x E = 0) on the faces of a rectangle or box: on a face
 * with normal along axis a, every E component but E_a is tangential and
 * vanishes, so E_j = phi_j N_j with phi_j the product of the distances of the
 * part's faces whose normal is not along j (TM Ez: all of them; the product
 * is smooth and separable, which trained the cavity modes better than the
 * R-function distance of the whole boundary; a box's whole boundary now gets
 * the same product, scaled, from Primitive.boundaryFactor). Other geometries:
 * the reason it falls back to penalty.
 */
function tangentialPec(problem: Problem, term: Term): { field: string; phi: Expr }[] | string {
  const g = problem.spec.geometry;
  if (g.kind !== 'rectangle' && g.kind !== 'box') {
    return 'tangential PEC (n x E = 0) couples the E components through the normal; it is exact only on rectangle and box domains, whose faces are axis-aligned (E_j = 0 on every face not normal to j)';
  }
  if (term.set.kind !== 'boundary') return 'tangential PEC needs a boundary part';
  const sel = term.set.selector;
  const names = problem.geometry.axisBox()?.sides ?? [];
  let faces: string[];
  if (sel.kind === 'all' || (sel.kind === 'name' && sel.name === g.name)) faces = names;
  else if (sel.kind === 'name' && names.includes(sel.name)) faces = [sel.name];
  else return 'its boundary part is given by an expression selector, which has no distance function';
  // The components pec constrains (as in problem/electromagnetics.ts pecResiduals): 3D Ex, Ey, Ez; TE Ex, Ey; TM Ez.
  const has = (f: string) => problem.fields.includes(f);
  const components = problem.dim === 3 ? ['Ex', 'Ey', 'Ez'] : has('Ex') && has('Ey') ? ['Ex', 'Ey'] : ['Ez'];
  const out: { field: string; phi: Expr }[] = [];
  components.forEach((field) => {
    const j = ['Ex', 'Ey', 'Ez'].indexOf(field);
    // Side names come in (min, max) pairs per axis: face k has its normal along axis floor(k / 2).
    const tangent = faces.filter((f) => Math.floor(names.indexOf(f) / 2) !== j);
    if (tangent.length === 0 || !has(field)) return;
    const phis = tangent.map((f) => problem.geometry.partDistance({ kind: 'name', name: f })!);
    out.push({ field, phi: phis.slice(1).reduce((a, b) => mul(a, b), phis[0]!) });
  });
  // A phasor's Ezr, Ezi: its values (possibly an incident wave's) go through the part's distance.
  return out.length > 0 ? out : 'no real E component (Ex, Ey, Ez) among the fields';
}

/**
 * Marks zero-valued parts on which every other part's data vanishes already
 * (compatible data, e.g. an initial value that is zero on a PEC wall): there
 * G = the other parts' blend satisfies them as it is, and leaving them out of
 * the blend avoids its steep weights where the parts meet (a plain blend of
 * g at t = 0 and 0 on the wall makes N singular at the wall as t -> 0).
 * Checked numerically at sample points of each zero part.
 */
function markSilent(problem: Problem, list: HardPart[]): void {
  if (!differentData(list)) return;
  for (const z of list) {
    if (z.value.kind !== 'num' || z.value.value !== 0) continue;
    const others = list.filter((p) => p !== z && !p.silent && !(p.value.kind === 'num' && p.value.value === 0));
    if (others.length === 0) continue;
    const pts = zeroPoints(problem, z);
    if (pts.length === 0) continue;
    const scale = Math.max(1, ...others.map((o) => maxAbsOver(problem, o.value, samplePoints(problem))));
    if (others.every((o) => maxAbsOver(problem, o.value, pts) <= 1e-9 * scale)) z.silent = true;
  }
}

/** The smallest and largest value of `value` over sample points of the term's part (undefined: no such points, or not finite). */
export function dataRangeOnPart(problem: Problem, term: Term, value: Expr): { min: number; max: number } | undefined {
  if (value.kind === 'num') return { min: value.value, max: value.value };
  const phi = partPhi(problem, term);
  if (!phi) return undefined;
  const pts = zeroPoints(problem, { term, phi, value });
  if (pts.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const p of pts) {
    const v = evalAt(problem, value, p);
    if (!Number.isFinite(v)) return undefined;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { min, max };
}

const SILENT_SAMPLES = 256;

/** Points (in variable order) where the part's phi vanishes: its boundary (times across the range) or the initial time. */
function zeroPoints(problem: Problem, part: HardPart): number[][] {
  const sampler = makeSampler('halton', createRng(7));
  const set = part.term.set;
  if (set.kind === 'initial')
    return withTime(problem, problem.geometry.sampleInterior(SILENT_SAMPLES, sampler), () => problem.time!.min);
  if (set.kind !== 'boundary') return [];
  const pts = boundaryPoints(problem, set.selector, sampler);
  // Tangential PEC parts vanish on some faces of the selected boundary only.
  const size = Math.max(...problem.geometry.bbox.max.map((m, a) => m - problem.geometry.bbox.min[a]!));
  return pts.filter((p) => Math.abs(evalAt(problem, part.phi, p)) <= 1e-9 * size);
}

/** Space points as rows, with time t(i) appended where the problem has time (parameters: see evalAt). */
function withTime(problem: Problem, space: Float64Array, t: (i: number) => number): number[][] {
  const dim = problem.dim;
  const out: number[][] = [];
  for (let i = 0; i < space.length / dim; i++) {
    const p = Array.from(space.subarray(i * dim, (i + 1) * dim));
    if (problem.time) p.push(t(i));
    out.push(p);
  }
  return out;
}

/** Points of a boundary part (times spread across the range); none where the part cannot be sampled. */
function boundaryPoints(problem: Problem, selector: BoundarySelector, sampler: UnitSampler): number[][] {
  try {
    return withTime(
      problem,
      problem.geometry.sampleBoundary(SILENT_SAMPLES, sampler, selector).points,
      spreadTime(problem),
    );
  } catch {
    return [];
  }
}

/** Interior points (times spread across the range). */
function samplePoints(problem: Problem): number[][] {
  const space = problem.geometry.sampleInterior(SILENT_SAMPLES, makeSampler('halton', createRng(8)));
  return withTime(problem, space, spreadTime(problem));
}

/** The i-th of SILENT_SAMPLES times spread evenly over the problem's time range. */
const spreadTime =
  (problem: Problem) =>
  (i: number): number => {
    const time = problem.time!;
    return time.min + ((time.max - time.min) * i) / (SILENT_SAMPLES - 1);
  };

function evalAt(problem: Problem, e: Expr, p: number[]): number {
  return evalNumeric(e, {
    tolerance: 0,
    value: (name) => {
      const k = problem.variables.indexOf(name);
      // The points here are space(-time) only: parameters sit at the middle of their ranges.
      const param = problem.parameters.find((q) => q.name === name);
      if (k >= p.length && param) return parameterMiddle(param);
      return k >= 0 ? p[k]! : (problem.constants.get(name) ?? NaN);
    },
  });
}

/** Largest |e| over the points (NaN anywhere: Infinity, so nothing is assumed). */
function maxAbsOver(problem: Problem, e: Expr, pts: number[][]): number {
  let m = 0;
  for (const p of pts) {
    const v = Math.abs(evalAt(problem, e, p));
    if (!Number.isFinite(v)) return Infinity;
    m = Math.max(m, v);
  }
  return m;
}

function cannotImpose(problem: Problem, term: Term): string | undefined {
  if (term.kind !== 'condition') return `a ${term.kind} term is never imposed exactly`;
  if (!term.hardValues || term.hardValues.length === 0) {
    switch (term.form) {
      case 'neumann':
      case 'robin':
        return 'normal-derivative conditions need derivatives of the network inside the output transform (u = N - phi (grad phi . grad N + h) needs third derivatives of N for second-order equations), which this version does not build';
      case 'initial-rate':
        return 'initial rates are not imposed exactly in this version';
      default:
        return `${term.form === 'interface' ? 'an' : 'a'} ${term.form} condition has no exact form`;
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
    case 'boundary':
      return problem.geometry.partDistance(term.set.selector);
    case 'initial': {
      const { min, max } = problem.time!;
      return div(sub(variable('t'), num(min)), num(max - min));
    }
    default:
      return undefined;
  }
}

/**
 * The output transform of a field: G + phi * inner, with inner the raw output (or a sign
 * transform of it). `size`: the domain's size (bounding-box diagonal), to which the blend
 * scales the distances of parts that carry no scale of their own.
 */
export function hardTransform(parts: HardPart[], inner: Expr, size = 1): Expr {
  const phi = parts.length === 1 ? parts[0]!.phi : parts.slice(1).reduce((p, q) => mul(p, q.phi), parts[0]!.phi);
  return add(extension(parts, size), mul(phi, inner));
}

/** The smooth extension G of the parts' data. */
export function extension(all: HardPart[], size = 1): Expr {
  const parts = all.filter((p) => !p.silent);
  if (parts.length === 0) return num(0);
  if (!differentData(parts)) return parts[0]!.value;
  // sum_i g_i / (a_i + eps) over sum_j 1 / (a_j + eps), a_i the distance of part i over its scale
  // (setScales; the domain's size where none was set), with numerator and
  // denominator multiplied by prod_k (a_k + eps): the same function, but nothing is divided by a
  // vanishing a_i + eps (weights of 1e12 in float32), and the denominator stays away from 0 wherever
  // one part is far, which lets the verifier's interval bounds close on a part. Exponent 1, not 2:
  // squared distances make G flat at every part (zero normal derivative) and steep between them
  // (on an annulus with data 2 and 0.5, |lap G| up to 52 against 5.3; the network then has to undo
  // it, and a one-layer recipe network stalled at L2 0.16). The absolute value only guards against
  // rounding below zero on a part: phi > 0 inside, where |phi| = phi. The scaling keeps the products
  // of up to 5 factors (a box's faces) inside float32 for domains of any size; jets divide by the
  // quotient rule (derivatives/jet.ts div), so no 1 / D^3 is formed either.
  const scaled = parts.map((p) => {
    const by = p.scale ?? size;
    const d = by === 1 ? p.phi : div(p.phi, num(by));
    return add(call('abs', d), num(BLEND_EPS));
  });
  // prod_{k != i} s_k from shared prefix and suffix products (n parts: O(n) products, not O(n^2)).
  const prefix: Expr[] = [];
  const suffix: Expr[] = [];
  scaled.forEach((t, i) => {
    prefix[i] = i === 0 ? t : mul(prefix[i - 1]!, t);
  });
  for (let i = scaled.length - 1; i >= 0; i--)
    suffix[i] = i === scaled.length - 1 ? scaled[i]! : mul(scaled[i]!, suffix[i + 1]!);
  const weights = parts.map((_, i) => {
    const before = i > 0 ? prefix[i - 1] : undefined;
    const after = i < scaled.length - 1 ? suffix[i + 1] : undefined;
    return before && after ? mul(before, after) : (before ?? after)!;
  });
  return div(sum(parts.map((p, i) => mul(weights[i]!, p.value))), sum(weights));
}

/** The raw network output of a field, as the transform reads it. */
export const raw = (field: string): Expr => variable(rawName(field));

/** Whether every part's value is the same constant (for combining with a sign transform). */
export function constantValue(parts: HardPart[]): number | undefined {
  const v = parts[0]!.value;
  if (v.kind !== 'num') return undefined;
  return parts.every((p) => p.value.kind === 'num' && p.value.value === v.value) ? v.value : undefined;
}
