/**
 * Material regions: named parts of the domain (`regions:`), constants piecewise
 * by region, and the points of a region's interface (its boundary inside the
 * domain) on which interface conditions are imposed.
 *
 * Which region a point lies in is read, when residuals are evaluated, from one
 * side variable per region (`__side_<name>`: +1 inside, -1 outside; see
 * model/model.ts regionSides): the sign of the region's distance function, or
 * on interface batches the side each half of the paired rows stands for.
 */
import { type ConstantSpec, type Diagnostics, type Spec } from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import { type Expr, type NameScope } from '../expr/index.js';
import { buildGeometry, GeometryError } from './geometry/index.js';
import type { Geometry, UnitSampler } from './geometry/types.js';
import { estimateSampler } from './sampling/samplers.js';
import { compile } from './context.js';
import type { Region } from './types.js';

/** The variable that tells on which side of a region's boundary a row lies. */
export const sideName = (region: string): string => `__side_${region}`;

/** Name of the trainable unknown of one region's value of a piecewise constant. */
const pieceUnknownName = (constant: string, region: string): string => `${constant}_${region}`;

const ESTIMATE_POINTS = 4096;

/** The spec's regions as geometries, each checked against the domain (located errors). */
export function buildRegions(spec: Spec, domain: Geometry | undefined, diags: Diagnostics): Region[] {
  const out: Region[] = [];
  for (const r of spec.regions) {
    let geometry: Geometry;
    try {
      geometry = buildGeometry(r.shape);
    } catch (err) {
      diags.error(
        err instanceof GeometryError ? err.loc : r.loc,
        `invalid region ${r.name}: ${(err as Error).message}`,
      );
      continue;
    }
    if (!domain) continue;
    if (geometry.dim !== domain.dim) {
      diags.error(r.loc, `region ${r.name} is ${geometry.dim}D but the geometry is ${domain.dim}D`);
      continue;
    }
    if (domain.partNames.includes(r.name)) {
      diags.error(
        r.loc,
        `region ${r.name} has the name of a boundary part; regions and boundary parts share one namespace`,
      );
      continue;
    }
    const inside = geometry.sampleInterior(ESTIMATE_POINTS, estimateSampler());
    if (!someRow(inside, domain.dim, (p) => domain.contains(p))) {
      diags.error(r.loc, `region ${r.name} lies outside the geometry; expected a part of the domain`);
      continue;
    }
    out.push({ name: r.name, geometry, distance: geometry.distance(), loc: r.loc });
  }
  return out;
}

function someRow(points: Float64Array, dim: number, test: (p: Float64Array) => boolean): Float64Array | undefined {
  for (let i = 0; i < points.length; i += dim) {
    const p = points.subarray(i, i + dim);
    if (test(p)) return p;
  }
  return undefined;
}

/** The first listed region that holds the point, if any (where regions overlap the first listed wins). */
function owner(regions: Region[], p: ArrayLike<number>): Region | undefined {
  return regions.find((r) => r.geometry.contains(p));
}

interface PiecewiseResult {
  /** Each piecewise constant as IR over the side variables. */
  values: Map<string, Expr>;
  /** Trainable unknowns of `{unknown: start}` pieces. */
  unknowns: { name: string; initial: number }[];
}

/**
 * Every piecewise constant as `side_1 > 0 ? v_1 : (side_2 > 0 ? v_2 : ... : else)` in the
 * order of `regions:`, a region the constant does not name taking the `else` value.
 */
export function piecewiseConstants(
  spec: Spec,
  regions: Region[],
  domain: Geometry | undefined,
  scope: NameScope,
  diags: Diagnostics,
): PiecewiseResult {
  const out: PiecewiseResult = { values: new Map(), unknowns: [] };
  const names = regions.map((r) => r.name);
  for (const c of spec.constants) {
    if (!c.pieces) continue;
    const values = new Map<string, Expr>();
    for (const p of c.pieces) {
      if (p.region !== 'else' && !names.includes(p.region)) {
        const known = names.length ? `one of ${names.join(', ')} or else` : "a region listed under 'regions:'";
        diags.error(
          p.loc,
          `constant ${c.name}: '${p.region}' is not a region${didYouMean(p.region, names)}; expected ${known}`,
        );
        continue;
      }
      if (p.unknown) {
        const name = pieceUnknownName(c.name, p.region);
        out.unknowns.push({ name, initial: Number(p.value.text) });
        values.set(p.region, { kind: 'const', name });
        continue;
      }
      const e = compile(p.value, scope, diags, false);
      if (e) values.set(p.region, e);
    }
    if (values.size !== c.pieces.length) continue;
    if (!values.has('else') && domain) checkCovered(c, regions, values, domain, diags);
    out.values.set(c.name, chain(regions, values));
  }
  return out;
}

function chain(regions: Region[], values: Map<string, Expr>): Expr {
  const fallback = values.get('else') ?? [...values.values()].at(-1)!;
  return regions.reduceRight<Expr>(
    (rest, r) => ({
      kind: 'cond',
      test: {
        kind: 'compare',
        op: '>',
        left: { kind: 'var', name: sideName(r.name) },
        right: { kind: 'num', value: 0 },
      },
      then: values.get(r.name) ?? fallback,
      else: rest,
    }),
    fallback,
  );
}

/** Without `else`, every point of the domain must lie in a region the constant names. */
function checkCovered(
  c: ConstantSpec,
  regions: Region[],
  values: Map<string, Expr>,
  domain: Geometry,
  diags: Diagnostics,
): void {
  const points = domain.sampleInterior(ESTIMATE_POINTS, estimateSampler());
  const miss = someRow(points, domain.dim, (p) => !values.has(owner(regions, p)?.name ?? 'else'));
  if (!miss) return;
  const at = Array.from(miss, (v) => Number(v.toPrecision(3))).join(', ');
  diags.error(
    c.loc,
    `constant ${c.name} has no 'else' and the regions it names do not cover the domain (the point (${at}) is in none of them); add else: value`,
  );
}

/** Probe step off an interface, relative to the domain's size. */
const RELATIVE_PROBE = 1e-6;
const DRAWS_PER_POINT = 1000;

/**
 * n points on a region's interface with the normals out of the region: points of the region's
 * boundary strictly inside the domain, off the outer boundary, and not inside an earlier region
 * (whose own interface hides that part).
 */
export function sampleInterface(
  domain: Geometry,
  regions: Region[],
  index: number,
  n: number,
  sampler: UnitSampler,
): { points: Float64Array; normals: Float64Array } {
  const dim = domain.dim;
  const size = Math.max(...domain.bbox.max.map((m, a) => m - domain.bbox.min[a]!));
  const h = RELATIVE_PROBE * size;
  const earlier = regions.slice(0, index);
  const points = new Float64Array(n * dim);
  const normals = new Float64Array(n * dim);
  let accepted = 0;
  let drawn = 0;
  const inner = new Float64Array(dim);
  const outer = new Float64Array(dim);
  while (accepted < n) {
    if (drawn > DRAWS_PER_POINT * n + 100_000)
      throw new Error(`region ${regions[index]!.name} has no interface inside the domain`);
    const batch = Math.max(64, 2 * (n - accepted));
    const b = regions[index]!.geometry.sampleBoundary(batch, sampler, { kind: 'all' });
    drawn += batch;
    for (let i = 0; i < batch && accepted < n; i++) {
      for (let a = 0; a < dim; a++) {
        inner[a] = b.points[i * dim + a]! - h * b.normals[i * dim + a]!;
        outer[a] = b.points[i * dim + a]! + h * b.normals[i * dim + a]!;
      }
      if (!domain.contains(inner) || !domain.contains(outer)) continue;
      if (earlier.some((q) => q.geometry.contains(inner) && q.geometry.contains(outer))) continue;
      points.set(b.points.subarray(i * dim, (i + 1) * dim), accepted * dim);
      normals.set(b.normals.subarray(i * dim, (i + 1) * dim), accepted * dim);
      accepted++;
    }
  }
  return { points, normals };
}

/** Whether the region has an interface inside the domain (checked once, with the estimate sampler). */
export function hasInterface(domain: Geometry, regions: Region[], index: number): boolean {
  try {
    sampleInterface(domain, regions, index, 1, estimateSampler());
    return true;
  } catch {
    return false;
  }
}
