import type { Expr } from '../../expr/index.js';

/**
 * Produces n quasi- or pseudo-random points in the unit cube [0,1)^dim,
 * row-major (n * dim numbers). Implementations: uniform, lhs, halton, sobol, grid.
 */
export type UnitSampler = (n: number, dim: number) => Float64Array;

/** Which part of a boundary a condition applies to. */
export type BoundarySelector =
  | { kind: 'all' }
  /** A named side (left/right/bottom/top/front/back) or a node's `name:`. */
  | { kind: 'name'; name: string }
  /** Points where the predicate holds (an expression selector like "x == 1"). */
  | { kind: 'predicate'; test: (point: ArrayLike<number>) => boolean };

export interface BoundarySample {
  /** n * dim coordinates. */
  points: Float64Array;
  /** n * dim outward unit normals. */
  normals: Float64Array;
  /** Estimated measure (length/area) of the selected part. */
  measure: number;
}

/** An axis-aligned box domain: its corners, side names in (min, max) pairs per axis, and its own name. */
export interface AxisBox {
  min: number[];
  max: number[];
  sides: string[];
  name?: string;
}

export interface Geometry {
  readonly dim: 1 | 2 | 3;
  readonly bbox: { min: number[]; max: number[] };
  /** Names selectable with `on:` (sides and node names), for messages and "did you mean". */
  readonly partNames: string[];
  /** Interior or boundary point (closed set) test. */
  contains(point: ArrayLike<number>): boolean;
  /** n interior points (n * dim), mapped from the sampler's unit-cube points. */
  sampleInterior(n: number, sampler: UnitSampler): Float64Array;
  /** n points on the selected boundary part, in proportion to boundary measure. */
  sampleBoundary(n: number, sampler: UnitSampler, select: BoundarySelector): BoundarySample;
  /** Total volume (length/area/volume) of the domain, estimated if need be. */
  volume(): number;
  /**
   * Approximate distance function as an expression of the variables x, y, z:
   * zero on the boundary, positive inside, smooth inside, gradient of unit length on the boundary.
   */
  distance(): Expr;
  /** Distance function that vanishes only on the selected part (for partial Dirichlet parts). */
  partDistance(select: BoundarySelector): Expr | undefined;
  /**
   * 2D: the boundary pieces that may carry the selected part, as curves (point coordinates as
   * expressions of the parameter `s` in [0, 1]); together they cover the part (and may reach past it).
   * Undefined when a piece has no curve form.
   */
  boundaryCurves(select: BoundarySelector): Expr[][] | undefined;
  /**
   * The curvature shared by every piece of the selected part (1/radius on a circle or sphere, 0 on
   * flat sides; negative where the domain lies outside the circle, as around a hole), or undefined
   * when the pieces differ, a piece's curvature is not constant, or the part is an expression.
   */
  partCurvature(select: BoundarySelector): number | undefined;
  /** The box when the domain is a single axis-aligned box (interval, rectangle, box), else undefined. */
  axisBox(): AxisBox | undefined;
  /** The shapes subtracted from the outer shape that lie inside it (a coax's inner conductor, a scatterer). */
  holes(): Hole[];
}

/** A hole in the domain: its distance (zero on it, positive in the domain) and its half-extent. */
export interface Hole {
  distance: Expr;
  /** Half the smallest side of the hole's bounding box (a disk's radius). */
  size: number;
}
