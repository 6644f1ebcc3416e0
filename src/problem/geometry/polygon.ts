/**
 * Simple polygons (convex or not, either orientation).
 *
 * Distance function: an R-function formula over the edge lines built from the
 * convex deficiency tree (convex hull minus pockets, recursively). Each pocket
 * enters as "lid half-plane and not G(pocket)", where G(pocket) leaves out the
 * pocket's own lid; that way every edge line and every lid line appears exactly
 * once, so the function vanishes only on the polygon's edges (never on lids or
 * inside), and on an edge its gradient is that edge's unit inward normal.
 * Pockets touching their lid line at a vertex are split there and joined by R-union.
 */
import { add, mul, num, type Expr } from '../../expr/index.js';
import { segmentCurve, type BoundaryPiece, type Primitive } from './primitive.js';
import { axisVariable, rAnd, rAndAll, rNot, rOrAll } from './rfunctions.js';

type Vec = [number, number];

const cross = (o: Vec, a: Vec, b: Vec): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

function signedArea(vs: Vec[]): number {
  let s = 0;
  vs.forEach((v, i) => {
    const w = vs[(i + 1) % vs.length]!;
    s += v[0] * w[1] - w[0] * v[1];
  });
  return s / 2;
}

function segmentDistance(p: ArrayLike<number>, a: Vec, b: Vec): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.min(1, Math.max(0, ((p[0]! - a[0]) * dx + (p[1]! - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0]! - a[0] - t * dx, p[1]! - a[1] - t * dy);
}

/** Distance from p to the line through a and b. */
const lineDistance = (p: Vec, a: Vec, b: Vec): number =>
  Math.abs(cross(a, b, p)) / Math.hypot(b[0] - a[0], b[1] - a[1]);

/**
 * Drops repeated vertices (and a closing copy of the first) and vertices where
 * the boundary runs straight on; orients counter-clockwise.
 */
function cleanPolygon(vertices: Vec[], tol: number): Vec[] {
  let vs = vertices.slice();
  for (let changed = true; changed && vs.length >= 3;) {
    changed = false;
    for (let i = 0; i < vs.length && vs.length >= 3; i++) {
      const prev = vs[(i + vs.length - 1) % vs.length]!;
      const next = vs[(i + 1) % vs.length]!;
      const v = vs[i]!;
      const repeated = Math.hypot(v[0] - next[0], v[1] - next[1]) <= tol;
      const straight =
        lineDistance(v, prev, next) <= tol &&
        (v[0] - prev[0]) * (next[0] - v[0]) + (v[1] - prev[1]) * (next[1] - v[1]) > 0;
      if (repeated || straight) {
        vs.splice(i, 1);
        changed = true;
        i--;
      }
    }
  }
  if (vs.length >= 3 && signedArea(vs) < 0) vs = vs.reverse();
  return vs;
}

function segmentsIntersect(a: Vec, b: Vec, c: Vec, d: Vec, tol: number): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    segmentDistance(a, c, d) <= tol ||
    segmentDistance(b, c, d) <= tol ||
    segmentDistance(c, a, b) <= tol ||
    segmentDistance(d, a, b) <= tol
  );
}

function assertSimple(vs: Vec[], tol: number): void {
  const n = vs.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Adjacent edges share a vertex; they only overlap if the boundary folds back on itself.
        const [a, b, c] = j === i + 1 ? [vs[i]!, vs[j]!, vs[(j + 1) % n]!] : [vs[j]!, vs[0]!, vs[1]!];
        if (lineDistance(b, a, c) <= tol) throw new Error('polygon is not simple: its boundary folds back on itself');
        continue;
      }
      if (segmentsIntersect(vs[i]!, vs[(i + 1) % n]!, vs[j]!, vs[(j + 1) % n]!, tol)) {
        throw new Error(`polygon is not simple: edges ${i + 1} and ${j + 1} cross or touch`);
      }
    }
  }
}

/** Signed distance of a from the line o -> b, positive when o, a, b turn left. */
const turnsLeftBy = (o: Vec, a: Vec, b: Vec): number => cross(o, a, b) / Math.hypot(b[0] - o[0], b[1] - o[1]);

/** Indices of the strictly convex hull vertices (monotone chain). */
function hullIndices(vs: Vec[], tol: number): Set<number> {
  const order = vs.map((_, i) => i).sort((i, j) => vs[i]![0] - vs[j]![0] || vs[i]![1] - vs[j]![1]);
  const chain = (indices: number[]): number[] => {
    const out: number[] = [];
    for (const i of indices) {
      // Pop the last vertex unless it is a strict left turn (collinear points are not hull vertices).
      while (out.length >= 2 && turnsLeftBy(vs[out[out.length - 2]!]!, vs[out[out.length - 1]!]!, vs[i]!) <= tol)
        out.pop();
      out.push(i);
    }
    return out;
  };
  return new Set([...chain(order), ...chain(order.slice().reverse())]);
}

/** Line function of the directed edge a -> b: unit-normalized, positive on its left. */
function halfPlane(a: Vec, b: Vec): Expr {
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const nx = -(b[1] - a[1]) / length;
  const ny = (b[0] - a[0]) / length;
  return add(add(mul(num(nx), axisVariable(0)), mul(num(ny), axisVariable(1))), num(-(nx * a[0] + ny * a[1])));
}

/**
 * G(P): the R-function of polygon P with the edges on `lid` (its parent's lid line) left out.
 * For the top-level polygon (no lid) G(P) is its distance function.
 */
function deficiencyFormula(vertices: Vec[], tol: number, lid?: [Vec, Vec]): Expr {
  const vs = cleanPolygon(vertices, tol);
  const n = vs.length;
  const hull = hullIndices(vs, tol);
  const first = [...hull].sort((a, b) => a - b)[0]!;
  const hullOrder: number[] = [];
  for (let k = 0; k < n; k++) if (hull.has((first + k) % n)) hullOrder.push((first + k) % n);

  const terms: Expr[] = [];
  hullOrder.forEach((i, k) => {
    const j = hullOrder[(k + 1) % hullOrder.length]!;
    const a = vs[i]!;
    const b = vs[j]!;
    if (lid && lineDistance(a, lid[0], lid[1]) <= tol && lineDistance(b, lid[0], lid[1]) <= tol) return;
    const chain: Vec[] = [];
    for (let m = i; ; m = (m + 1) % n) {
      chain.push(vs[m]!);
      if (m === j) break;
    }
    const pockets = splitPockets(chain, a, b, tol);
    terms.push(
      pockets.length === 0
        ? halfPlane(a, b)
        : rAnd(halfPlane(a, b), rNot(rOrAll(pockets.map((q) => deficiencyFormula(q, tol, [a, b]))))),
    );
  });
  return rAndAll(terms);
}

/** The chain between two hull vertices, cut where it touches the hull edge's line; pieces with area are pockets. */
function splitPockets(chain: Vec[], a: Vec, b: Vec, tol: number): Vec[][] {
  const pockets: Vec[][] = [];
  let current: Vec[] = [chain[0]!];
  for (const v of chain.slice(1)) {
    current.push(v);
    if (lineDistance(v, a, b) <= tol) {
      if (current.length >= 3 && Math.abs(signedArea(current)) > tol * tol) pockets.push(current);
      current = [v];
    }
  }
  return pockets;
}

export function polygon(vertices: number[][]): Primitive {
  if (!vertices.every((v) => v.length === 2 && v.every(Number.isFinite))) {
    throw new Error('polygon vertices must be [x, y] pairs of finite numbers');
  }
  const raw = vertices.map((v) => [v[0]!, v[1]!] as Vec);
  const min = [Math.min(...raw.map((v) => v[0])), Math.min(...raw.map((v) => v[1]))];
  const max = [Math.max(...raw.map((v) => v[0])), Math.max(...raw.map((v) => v[1]))];
  const tol = 1e-9 * Math.max(max[0]! - min[0]!, max[1]! - min[1]!, Number.MIN_VALUE);
  const vs = cleanPolygon(raw, tol);
  if (vs.length < 3 || Math.abs(signedArea(vs)) <= tol * tol)
    throw new Error('polygon needs at least 3 vertices enclosing a non-zero area');
  assertSimple(vs, tol);

  const edges = vs.map((a, i) => [a, vs[(i + 1) % vs.length]!] as [Vec, Vec]);
  const pieces: BoundaryPiece[] = edges.map(([a, b]) => {
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    // Counter-clockwise: the outside is on the right of each edge.
    const normal = [(b[1] - a[1]) / length, -(b[0] - a[0]) / length];
    return {
      measure: length,
      curve: segmentCurve(a, b),
      curvature: 0,
      place: (u) => ({ point: [a[0] + u[0]! * (b[0] - a[0]), a[1] + u[0]! * (b[1] - a[1])], normal: normal.slice() }),
    };
  });

  const crossesOdd = (p: ArrayLike<number>): boolean => {
    let odd = false;
    for (const [a, b] of edges) {
      if (a[1] > p[1]! !== b[1] > p[1]! && p[0]! < a[0] + ((p[1]! - a[1]) * (b[0] - a[0])) / (b[1] - a[1])) odd = !odd;
    }
    return odd;
  };
  const edgeGap = (p: ArrayLike<number>): number => Math.min(...edges.map(([a, b]) => segmentDistance(p, a, b)));

  return {
    dim: 2,
    bbox: { min, max },
    pieces,
    volume: signedArea(vs),
    inside: (p, t) => (t >= 0 ? crossesOdd(p) || edgeGap(p) <= t : crossesOdd(p) && edgeGap(p) > -t),
    boundaryNormal: (p, t) => {
      let best: number[] | undefined;
      let bestGap = t;
      edges.forEach(([a, b], k) => {
        const gap = segmentDistance(p, a, b);
        if (gap <= bestGap) {
          bestGap = gap;
          best = pieces[k]!.place([0]).normal;
        }
      });
      return best;
    },
    distance: () => deficiencyFormula(vs, tol),
    sideDistance: () => undefined,
  };
}
