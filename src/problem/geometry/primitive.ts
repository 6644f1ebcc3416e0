/**
 * Leaf shapes of the geometry tree. A primitive knows its own boundary as a
 * list of pieces (sides, arcs, faces) that CSG composes; sampling and
 * composition live in domain.ts.
 */
import { add, call, div, mul, num, sub, sum, variable, type Expr } from '../../expr/index.js';
import { offsetAxis, rAndAll, square } from './rfunctions.js';

export interface Placed {
  point: number[];
  normal: number[];
}

export interface BoundaryPiece {
  /** Length (2D), area (3D), or 1 for an end point of an interval (counting measure). */
  measure: number;
  /** Side name (left/right/bottom/top/front/back) for box-like shapes. */
  side?: string;
  /** Curvature along the piece where it is constant: 1/radius for a circle or sphere, 0 for a flat side. */
  curvature?: number;
  /** Point and outward unit normal at local parameters u in [0,1)^(dim-1), uniform in measure. */
  place(u: ArrayLike<number>): Placed;
  /** 2D pieces: the point as expressions of the parameter variable `s` in [0, 1] (as `place` maps u = [s]), for `pinn verify`'s covers along the curve. */
  curve?: Expr[];
}

/** The name of a curve's parameter in `BoundaryPiece.curve`. */
export const CURVE_PARAMETER = 's';

/** The segment from a to b as expressions of the curve parameter: a (1 - s) + b s, exact in interval arithmetic. */
export function segmentCurve(a: number[], b: number[]): Expr[] {
  const s = variable(CURVE_PARAMETER);
  return a.map((ak, k) => add(mul(num(ak), sub(num(1), s)), mul(num(b[k]!), s)));
}

export interface Primitive {
  readonly dim: 1 | 2 | 3;
  readonly bbox: { min: number[]; max: number[] };
  readonly pieces: BoundaryPiece[];
  readonly volume: number;
  /** Inside the shape grown by `tol` (shrunk when tol < 0). */
  inside(p: ArrayLike<number>, tol: number): boolean;
  /** Outward unit normal when p is within tol of the boundary, else undefined. */
  boundaryNormal(p: ArrayLike<number>, tol: number): number[] | undefined;
  /** Normalized signed distance: zero on the boundary, positive inside, unit gradient there. */
  distance(): Expr;
  /** Distance vanishing on one named side only, where the shape has sides. */
  sideDistance(side: string): Expr | undefined;
  /**
   * A smooth function that vanishes on the whole boundary and is positive inside, where it is
   * smoother than distance() (for exact transforms; unlike distance(), no sign outside).
   */
  boundaryFactor?(): Expr;
}

/** Side names per axis: [min side, max side]. */
const SIDE_NAMES: Record<1 | 2 | 3, [string, string][]> = {
  1: [['left', 'right']],
  2: [
    ['left', 'right'],
    ['bottom', 'top'],
  ],
  3: [
    ['left', 'right'],
    ['front', 'back'],
    ['bottom', 'top'],
  ],
};

export function sideNames(dim: 1 | 2 | 3): string[] {
  return SIDE_NAMES[dim].flat();
}

function asDim(n: number): 1 | 2 | 3 {
  if (n !== 1 && n !== 2 && n !== 3) throw new Error(`shapes have 1 to 3 coordinates, got ${n}`);
  return n;
}

/** Interval, rectangle or box: the axis-aligned box [min, max]. */
export function axisBox(min: number[], max: number[]): Primitive {
  const dim = asDim(min.length);
  if (max.length !== dim)
    throw new Error(`min and max need the same number of coordinates (${min.length} vs ${max.length})`);
  min.forEach((lo, a) => {
    if (!(Number.isFinite(lo) && Number.isFinite(max[a]!) && lo < max[a]!)) {
      throw new Error(`box needs min < max on every axis, got [${lo}, ${max[a]}] on ${'xyz'[a]}`);
    }
  });
  const extent = min.map((lo, a) => max[a]! - lo);
  const volume = extent.reduce((p, e) => p * e, 1);

  const faceCurve = (axis: number, high: boolean): Expr[] => {
    const a = min.slice();
    a[axis] = high ? max[axis]! : min[axis]!;
    const b = a.slice();
    b[1 - axis] = max[1 - axis]!;
    return segmentCurve(a, b);
  };
  const face = (axis: number, high: boolean): BoundaryPiece => {
    const others = extent.map((_, a) => a).filter((a) => a !== axis);
    const normal = extent.map((_, a) => (a === axis ? (high ? 1 : -1) : 0));
    return {
      measure: others.reduce((p, a) => p * extent[a]!, 1),
      side: SIDE_NAMES[dim][axis]![high ? 1 : 0],
      ...(dim === 2 ? { curve: faceCurve(axis, high) } : {}),
      curvature: 0,
      place: (u) => {
        const point = min.slice();
        point[axis] = high ? max[axis]! : min[axis]!;
        others.forEach((a, k) => {
          point[a] = min[a]! + u[k]! * extent[a]!;
        });
        return { point, normal: normal.slice() };
      },
    };
  };
  const pieces = extent.flatMap((_, a) => [face(a, false), face(a, true)]);

  const inside = (p: ArrayLike<number>, tol: number): boolean =>
    min.every((lo, a) => p[a]! >= lo - tol && p[a]! <= max[a]! + tol);

  // Normalized slab function (x - lo)(hi - x)/(hi - lo): unit slope at both walls.
  const slab = (a: number): Expr =>
    div(mul(offsetAxis(a, min[a]!), sub(num(max[a]!), offsetAxis(a, 0))), num(extent[a]!));

  return {
    dim,
    bbox: { min: min.slice(), max: max.slice() },
    pieces,
    volume,
    inside,
    boundaryNormal: (p, tol) => {
      if (!inside(p, tol)) return undefined;
      let best: BoundaryPiece | undefined;
      let bestGap = tol;
      pieces.forEach((piece, k) => {
        const axis = k >> 1;
        const gap = Math.abs(p[axis]! - (k & 1 ? max[axis]! : min[axis]!));
        if (gap <= bestGap) {
          bestGap = gap;
          best = piece;
        }
      });
      return best?.place(new Array(dim - 1).fill(0)).normal;
    },
    distance: () => rAndAll(extent.map((_, a) => slab(a))),
    // The product of the slabs: a function that vanishes on the faces is that product times a smooth
    // one, so u = g + phi N needs a smooth N, where the R-function conjunction's cone at each edge makes
    // N = (u - g) / phi a cone too. Scaled to unit slope on the faces of the shortest axis.
    ...(dim > 1 && {
      boundaryFactor: () =>
        mul(
          num(Math.min(...extent) / 4),
          extent.map((e, a) => div(mul(num(4), slab(a)), num(e))).reduce((p, q) => mul(p, q)),
        ),
    }),
    sideDistance: (side) => {
      for (let a = 0; a < dim; a++) {
        const [low, high] = SIDE_NAMES[dim][a]!;
        if (side === low) return offsetAxis(a, min[a]!);
        if (side === high) return sub(num(max[a]!), offsetAxis(a, 0));
      }
      return undefined;
    },
  };
}

/** The circle as `place` draws it, at angle 2 pi s; the angle runs a little past 2 pi, so that s in [0, 1] covers the whole circle. */
function circleCurve(center: number[], radius: number): Expr[] {
  const angle = mul(num(2 * Math.PI * (1 + 2 ** -50)), variable(CURVE_PARAMETER));
  return [call('cos', angle), call('sin', angle)].map((f, a) => add(num(center[a]!), mul(num(radius), f)));
}

/** Disk (2D) or ball (3D). */
export function ball(center: number[], radius: number): Primitive {
  const dim = asDim(center.length);
  if (dim === 1) throw new Error('a disk needs a 2D center and a sphere a 3D center');
  if (!(Number.isFinite(radius) && radius > 0)) throw new Error(`radius must be positive, got ${radius}`);
  if (!center.every(Number.isFinite)) throw new Error('center coordinates must be finite numbers');

  const radial = (p: ArrayLike<number>): number => Math.hypot(...center.map((c, a) => p[a]! - c));
  const onSphere = (direction: number[]): Placed => ({
    point: center.map((c, a) => c + radius * direction[a]!),
    normal: direction,
  });
  // Area-uniform parametrizations: angle for the circle, (z, azimuth) for the sphere (Archimedes).
  const place =
    dim === 2
      ? (u: ArrayLike<number>) => {
          const t = 2 * Math.PI * u[0]!;
          return onSphere([Math.cos(t), Math.sin(t)]);
        }
      : (u: ArrayLike<number>) => {
          const z = 1 - 2 * u[0]!;
          const rho = Math.sqrt(Math.max(0, 1 - z * z));
          const t = 2 * Math.PI * u[1]!;
          return onSphere([rho * Math.cos(t), rho * Math.sin(t), z]);
        };

  return {
    dim,
    bbox: { min: center.map((c) => c - radius), max: center.map((c) => c + radius) },
    pieces: [
      {
        measure: dim === 2 ? 2 * Math.PI * radius : 4 * Math.PI * radius * radius,
        curvature: 1 / radius,
        place,
        ...(dim === 2 ? { curve: circleCurve(center, radius) } : {}),
      },
    ],
    volume: dim === 2 ? Math.PI * radius * radius : (4 / 3) * Math.PI * radius ** 3,
    inside: (p, tol) => radial(p) <= radius + tol,
    boundaryNormal: (p, tol) => {
      const r = radial(p);
      if (Math.abs(r - radius) > tol || r === 0) return undefined;
      return center.map((c, a) => (p[a]! - c) / r);
    },
    // (r^2 - |x - c|^2) / (2r): zero on the sphere, gradient -(x - c)/r of unit length there.
    distance: () =>
      div(sub(num(radius * radius), sum(center.map((c, a) => square(offsetAxis(a, c))))), num(2 * radius)),
    sideDistance: () => undefined,
  };
}
