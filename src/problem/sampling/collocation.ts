/**
 * Collocation points for every term's point set, sampled from the geometry
 * (and time) with the spec's sampler, grouped so that terms sharing a point
 * set share one batch and one forward pass.
 */
import type { Problem, PointSet, Term } from '../types.js';
import type { UnitSampler } from '../geometry/types.js';
import { periodicFace, samplePeriodicPairs } from '../periodic.js';
import { sampleInterface } from '../regions.js';

/** Points (n * nVars, variable order) and, on boundaries, outward normals (n * dim). */
export interface PointGroup {
  set: PointSet;
  terms: Term[];
  points: Float64Array;
  normals?: Float64Array;
  /** A data group's observed values of these rows (rows * columns), which travel with the points when they are split. */
  values?: Float64Array;
  /** Their noise standard deviations (as values) when the data file gives its noise. */
  sigma?: Float64Array;
}

export interface PointCounts {
  domain: number;
  boundary: number;
  initial: number;
}

/** Groups terms by point set (the same object means the same points). */
export function groupTerms(terms: Term[]): { set: PointSet; terms: Term[] }[] {
  const groups = new Map<PointSet, Term[]>();
  const domainKey = terms.find((t) => t.set.kind === 'domain')?.set;
  const initialKey = terms.find((t) => t.set.kind === 'initial')?.set;
  for (const t of terms) {
    const key = t.set.kind === 'domain' ? domainKey! : t.set.kind === 'initial' ? initialKey! : t.set;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups].map(([set, ts]) => ({ set, terms: ts }));
}

/**
 * Samples every group. Boundary groups share the boundary budget in
 * proportion to their measure (at least `minPerPart` each).
 */
export function samplePoints(
  problem: Problem,
  groups: { set: PointSet; terms: Term[] }[],
  counts: PointCounts,
  sampler: UnitSampler,
  timeSampler: UnitSampler,
): PointGroup[] {
  const g = problem.geometry;
  const dim = problem.dim;
  // Points are drawn in space(-time) (nVars columns less the parameters), then get their parameter columns.
  const nVars = problem.variables.length - problem.parameters.length;
  const params = (points: Float64Array, paired = false) => withParameters(points, nVars, problem, timeSampler, paired);
  const boundaryGroups = groups.filter(
    (x) => x.set.kind === 'boundary' || x.set.kind === 'periodic' || x.set.kind === 'interface',
  );
  // A periodic group's measure is both of its sides; it gets half its share as pairs. An interface
  // counts its region's whole boundary (an estimate: the part on the outer boundary is not sampled).
  const measures = boundaryGroups.map((x) => boundaryMeasure(problem, x.set, sampler));
  const totalMeasure = measures.reduce((a, b) => a + b, 0) || 1;
  const minPerPart = Math.min(32, counts.boundary);
  return groups.map(({ set, terms }) => {
    switch (set.kind) {
      case 'domain': {
        const space = g.sampleInterior(counts.domain, sampler);
        const sampled = withTime(space, dim, nVars, problem, counts.domain, timeSampler);
        return { set, terms, points: withAnchors(params(sampled), problem) };
      }
      case 'initial': {
        const space = g.sampleInterior(counts.initial, sampler);
        return {
          set,
          terms,
          points: params(
            withTime(space, dim, nVars, problem, counts.initial, () => new Float64Array(0), problem.time!.min),
          ),
        };
      }
      case 'boundary': {
        const k = boundaryGroups.findIndex((x) => x.set === set);
        const n = Math.max(minPerPart, Math.round((counts.boundary * measures[k]!) / totalMeasure));
        const b = g.sampleBoundary(n, sampler, set.selector);
        return {
          set,
          terms,
          points: params(withTime(b.points, dim, nVars, problem, n, timeSampler)),
          normals: b.normals,
        };
      }
      case 'periodic': {
        const k = boundaryGroups.findIndex((x) => x.set === set);
        const pairs = Math.max(minPerPart, Math.round((counts.boundary * measures[k]!) / totalMeasure / 2));
        const points = samplePeriodicPairs(g, set.axis, pairs, sampler, nVars, problem.time);
        return { set, terms, points: params(points, true) };
      }
      case 'interface': {
        const k = boundaryGroups.findIndex((x) => x.set === set);
        const n = Math.max(minPerPart, Math.round((counts.boundary * measures[k]!) / totalMeasure));
        const index = problem.regions.findIndex((r) => r.name === set.region);
        const b = sampleInterface(g, problem.regions, index, n, sampler);
        const once = params(withTime(b.points, dim, nVars, problem, n, timeSampler));
        return { set, terms, points: twice(once), normals: twice(b.normals) };
      }
      case 'data':
        return { set, terms, points: set.points, values: set.values, sigma: set.sigma };
    }
  });
}

/** The measure of a boundary-like point set, for its share of the boundary budget. */
function boundaryMeasure(problem: Problem, set: PointSet, sampler: UnitSampler): number {
  const g = problem.geometry;
  switch (set.kind) {
    case 'periodic':
      return 2 * periodicFace(g, set.axis).measure;
    case 'interface':
      return problem.regions.find((r) => r.name === set.region)!.geometry.sampleBoundary(64, sampler, { kind: 'all' })
        .measure;
    case 'boundary':
      return g.sampleBoundary(64, sampler, set.selector).measure;
    default:
      return 0;
  }
}

/** The rows twice over: the two sides of an interface batch. */
function twice(rows: Float64Array): Float64Array {
  const out = new Float64Array(2 * rows.length);
  out.set(rows);
  out.set(rows, rows.length);
  return out;
}

/** The observation points of every data term (variable order), which the equations also hold at. */
function dataAnchors(problem: Problem): Float64Array[] {
  return problem.terms.flatMap((t) => (t.set.kind === 'data' ? [t.set.points] : []));
}

/** How many observation points join the domain points. */
export function anchorCount(problem: Problem): number {
  return dataAnchors(problem).reduce((n, a) => n + a.length / problem.variables.length, 0);
}

/** Sampled domain points followed by the data anchors; the sampled array itself when there are none. */
function withAnchors(sampled: Float64Array, problem: Problem): Float64Array {
  const anchors = dataAnchors(problem);
  if (!anchors.length) return sampled;
  const out = new Float64Array(sampled.length + anchors.reduce((n, a) => n + a.length, 0));
  out.set(sampled);
  let o = sampled.length;
  for (const a of anchors) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Appends a time column (sampled, or fixed at `fixedTime`) to spatial points. */
function withTime(
  space: Float64Array,
  dim: number,
  nVars: number,
  problem: Problem,
  n: number,
  timeSampler: UnitSampler,
  fixedTime?: number,
): Float64Array {
  if (!problem.time) return space;
  const out = new Float64Array(n * nVars);
  const { min, max } = problem.time;
  // timeSampler is row-shuffled (see sampling/shuffle.ts) so times are not correlated with the spatial stream.
  const t = fixedTime === undefined ? timeSampler(n, 1) : undefined;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) out[i * nVars + k] = space[i * dim + k]!;
    out[i * nVars + dim] = t ? min + (max - min) * t[i]! : fixedTime!;
  }
  return out;
}

/**
 * Space(-time) rows (`stride` columns) with a column per parameter appended, drawn over its
 * range (uniformly in its logarithm for a log scale) from the row-shuffled stream; `paired` rows
 * (periodic: n low-side rows, then n high-side rows) share their values with their partner.
 */
function withParameters(
  rows: Float64Array,
  stride: number,
  problem: Problem,
  sampler: UnitSampler,
  paired: boolean,
): Float64Array {
  const params = problem.parameters;
  if (params.length === 0) return rows;
  const n = rows.length / stride;
  const drawn = paired ? n / 2 : n;
  const u = sampler(drawn, params.length);
  const nVars = stride + params.length;
  const out = new Float64Array(n * nVars);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < stride; k++) out[i * nVars + k] = rows[i * stride + k]!;
    const j = i % drawn;
    params.forEach((p, k) => {
      const s = u[j * params.length + k]!;
      out[i * nVars + stride + k] =
        p.scale === 'log' ? p.min * Math.pow(p.max / p.min, s) : p.min + (p.max - p.min) * s;
    });
  }
  return out;
}
