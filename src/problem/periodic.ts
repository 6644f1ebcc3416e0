/**
 * Periodic conditions: paired points on the two sides of the geometry's
 * extent along one axis (axis = min and axis = max, equal other coordinates).
 * A batch of a periodic point set holds the n low-side points followed by the
 * n high-side points; a term's residual expressions are the quantities that
 * must match, and the trainer takes their difference low minus high.
 */
import type { Geometry, UnitSampler } from './geometry/types.js';
import { estimateSampler } from './sampling/samplers.js';

/** Fraction of the bounding box's face that must be shared by both sides. */
const MIN_FACE_FRACTION = 0.02;
const PILOT = 512;

/** Inset used to test containment just inside each side, relative to the domain size. */
function inset(geometry: Geometry): number {
  const size = Math.max(...geometry.bbox.max.map((m, i) => m - geometry.bbox.min[i]!));
  return 1e-7 * size;
}

/** Whether the face point `others` (coordinates on the other axes) lies on both sides. */
function onBothSides(
  geometry: Geometry,
  axis: number,
  others: ArrayLike<number>,
  eps: number,
  buf: Float64Array,
): boolean {
  const dim = geometry.dim;
  for (let a = 0, k = 0; a < dim; a++) if (a !== axis) buf[a] = others[k++]!;
  buf[axis] = geometry.bbox.min[axis]! + eps;
  if (!geometry.contains(buf)) return false;
  buf[axis] = geometry.bbox.max[axis]! - eps;
  return geometry.contains(buf);
}

/** Maps unit points (m * (dim-1)) onto the bounding-box face of the other axes. */
function facePoints(geometry: Geometry, axis: number, unit: Float64Array, m: number): Float64Array {
  const dim = geometry.dim;
  const k = dim - 1;
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let a = 0, j = 0; a < dim; a++) {
      if (a === axis) continue;
      const lo = geometry.bbox.min[a]!;
      out[i * k + j] = lo + unit[i * k + j]! * (geometry.bbox.max[a]! - lo);
      j++;
    }
  }
  return out;
}

/**
 * The fraction of the bounding box's face (other axes) on which both sides
 * belong to the geometry, and the measure of that shared face.
 */
export function periodicFace(geometry: Geometry, axis: number): { fraction: number; measure: number } {
  const dim = geometry.dim;
  let faceArea = 1;
  for (let a = 0; a < dim; a++) if (a !== axis) faceArea *= geometry.bbox.max[a]! - geometry.bbox.min[a]!;
  const eps = inset(geometry);
  const buf = new Float64Array(dim);
  if (dim === 1) {
    const ok = onBothSides(geometry, axis, [], eps, buf);
    return { fraction: ok ? 1 : 0, measure: ok ? 1 : 0 };
  }
  const pts = facePoints(geometry, axis, estimateSampler()(PILOT, dim - 1), PILOT);
  let inside = 0;
  for (let i = 0; i < PILOT; i++)
    if (onBothSides(geometry, axis, pts.subarray(i * (dim - 1), (i + 1) * (dim - 1)), eps, buf)) inside++;
  const fraction = inside / PILOT;
  return { fraction, measure: fraction * faceArea };
}

/** Why a geometry cannot carry a periodic condition along `axis`, or undefined if it can. */
export function periodicProblem(geometry: Geometry, axis: number, axisName: string): string | undefined {
  const { fraction } = periodicFace(geometry, axis);
  if (fraction >= MIN_FACE_FRACTION) return undefined;
  const lo = geometry.bbox.min[axis]!;
  const hi = geometry.bbox.max[axis]!;
  return (
    `periodic ${axisName} needs flat sides at ${axisName} = ${lo} and ${axisName} = ${hi} facing each other (as a rectangle or box has); ` +
    `this geometry shares ${(100 * fraction).toFixed(1)}% of its extent between those sides; expected a geometry with box-like extent along ${axisName}`
  );
}

/**
 * n point pairs in variable order (n low-side rows, then the n matching
 * high-side rows; 2n * nVars numbers). With time, `t` is drawn once per pair.
 */
export function samplePeriodicPairs(
  geometry: Geometry,
  axis: number,
  n: number,
  sampler: UnitSampler,
  nVars: number,
  time?: { min: number; max: number },
): Float64Array {
  const dim = geometry.dim;
  const k = dim - 1 + (time ? 1 : 0);
  const eps = inset(geometry);
  const buf = new Float64Array(dim);
  const out = new Float64Array(2 * n * nVars);
  const lo = geometry.bbox.min[axis]!;
  const hi = geometry.bbox.max[axis]!;
  const write = (row: number, others: ArrayLike<number>, t: number | undefined) => {
    for (const [r, side] of [
      [row, lo],
      [row + n, hi],
    ] as const) {
      for (let a = 0, j = 0; a < dim; a++) out[r * nVars + a] = a === axis ? side : others[j++]!;
      if (time) out[r * nVars + dim] = t!;
    }
  };
  if (k === 0) {
    for (let i = 0; i < n; i++) write(i, [], undefined);
    return out;
  }
  const { fraction } = periodicFace(geometry, axis);
  let m = Math.ceil((n / Math.max(fraction, MIN_FACE_FRACTION)) * 1.2) + 16;
  for (let attempt = 0; attempt < 6; attempt++, m *= 2) {
    const unit = sampler(m, k);
    const space = dim > 1 ? facePoints(geometry, axis, spaceColumns(unit, m, k, dim - 1), m) : new Float64Array(0);
    let found = 0;
    for (let i = 0; i < m && found < n; i++) {
      const others = space.subarray(i * (dim - 1), (i + 1) * (dim - 1));
      if (dim > 1 && !onBothSides(geometry, axis, others, eps, buf)) continue;
      const t = time ? time.min + unit[i * k + k - 1]! * (time.max - time.min) : undefined;
      write(found++, others, t);
    }
    if (found === n) return out;
  }
  throw new Error(
    `could not place ${n} periodic point pairs along axis ${axis}; the sides share too little of the geometry's extent`,
  );
}

/** The first `cols` columns of an m x k unit sample. */
function spaceColumns(unit: Float64Array, m: number, k: number, cols: number): Float64Array {
  if (cols === k) return unit;
  const out = new Float64Array(m * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = unit[i * k + j]!;
  return out;
}
