/**
 * Box covers of the sets a term lives on: the domain (boxes of the bounding
 * box, those provably outside dropped), boundary parts (the faces of an
 * axis-aligned box as degenerate boxes with exact normals; any other
 * boundary as boxes straddling the zero set of the geometry's distance
 * function), and the initial slice t = t0.
 */
import {
  CURVE_PARAMETER,
  makeSampler,
  type AxisBox,
  type PointSet,
  type Problem,
  type UnitSampler,
} from '../problem/index.js';
import { parseExpr, type Expr } from '../expr/index.js';
import { createRng, type Rng } from '../util/index.js';
import * as A from './interval.js';
import * as JI from './ijet.js';
import type { Ctx, IJet } from './ijet.js';
import { ievaluate, truth, type IEnv } from './iexpr.js';
import type { Box, Embed, NormalsFn } from './bound.js';

export interface RBox extends Box {
  /** Exact outward normal (face boxes). */ normal?: number[];
  /** Index of the curve the box is a parameter box of (curve covers). */ curve?: number;
}

export interface Sample {
  p: number[];
  n?: number[];
}

export interface Region {
  label: string;
  boxes: RBox[];
  /** False when the box provably holds no point of the set. */
  keep(box: RBox): boolean;
  /** Normals over a box, when the set is a boundary. */
  normals?: (box: RBox) => NormalsFn;
  /** A concrete point of the set inside the box, if one is known. */
  pointIn(box: RBox): Sample | undefined;
  /** Concrete points of the set (for a quick counterexample search). */
  samples: Sample[];
  /** Boxes are in the parameters of curves (and time): their input variables, and each axis's extent for splitting. */
  embed?: Embed;
  extent?: number[];
  /** A dense set of points of the set (grids reaching the corners and edges of boxes and faces, or many boundary samples), to seed the counterexample search. */
  dense(): Sample[];
  eqTol?: number;
}

const SAMPLES = 64;
/** Points of the dense seed set of a region (about; grids round it). */
const DENSE = 4096;

function spatialEnv(problem: Problem, box: Box, ord = 0): IEnv {
  const c: Ctx = { nv: problem.variables.length, ord, f32: false };
  const vars = new Map<string, IJet>(
    problem.variables.map((v, i) => [v, JI.variableJet(c, i, { lo: box.lo[i]!, hi: box.hi[i]! })]),
  );
  return {
    c,
    varIndex: new Map(problem.variables.map((v, i) => [v, i])),
    vars,
    consts: problem.constants,
    fields: new Map(),
    spatial: problem.spatialIndex,
  };
}

/** Splits [lo, hi] on each axis into k pieces (fixed axes stay points). */
function grid(lo: number[], hi: number[], perAxis: number): Box[] {
  let boxes: Box[] = [{ lo: [], hi: [] }];
  lo.forEach((a, i) => {
    const b = hi[i]!;
    const k = a === b ? 1 : perAxis;
    const next: Box[] = [];
    for (const bx of boxes) {
      for (let s = 0; s < k; s++) {
        const l = s === 0 ? a : a + ((b - a) * s) / k;
        const h = s === k - 1 ? b : a + ((b - a) * (s + 1)) / k;
        next.push({ lo: [...bx.lo, l], hi: [...bx.hi, h] });
      }
    }
    boxes = next;
  });
  return boxes;
}

/** Points of a grid over [lo, hi] with k points per free axis, ends included (fixed axes stay points). */
function pointGrid(lo: number[], hi: number[], total: number): number[][] {
  const free = lo.filter((a, i) => a !== hi[i]).length;
  const k = Math.max(2, Math.round(total ** (1 / Math.max(1, free))));
  let pts: number[][] = [[]];
  lo.forEach((a, i) => {
    const b = hi[i]!;
    const vals = a === b ? [a] : Array.from({ length: k }, (_, s) => (s === k - 1 ? b : a + ((b - a) * s) / (k - 1)));
    pts = pts.flatMap((p) => vals.map((v) => [...p, v]));
  });
  return pts;
}

const center = (box: Box): number[] => box.lo.map((l, i) => (l === box.hi[i] ? l : 0.5 * l + 0.5 * box.hi[i]!));
const inBox = (box: Box, p: number[]): boolean => p.every((v, i) => v >= box.lo[i]! && v <= box.hi[i]!);

/** The selector expression of a `"x == 1"` boundary part (its label), parsed again. */
function selectorExpr(problem: Problem, label: string): Expr | undefined {
  const m = /^"(.*)"$/s.exec(label);
  if (!m) return undefined;
  const spatial = problem.variables.filter((v) => v !== 't');
  try {
    return parseExpr(m[1]!, {
      variables: spatial,
      fields: [],
      constants: [...problem.constants.keys()],
      spatial,
      derivatives: false,
      boundary: false,
    });
  } catch {
    return undefined;
  }
}

/** What every region of one problem shares: the bounding box, tolerances, the distance function, one seeded stream. */
interface RegionContext {
  problem: Problem;
  lo: number[];
  hi: number[];
  size: number;
  eqTol: number;
  distance: Expr;
  rng: Rng;
  sampler: UnitSampler;
  /** Boxes per axis for an initial grid over n axes. */
  perAxis(n: number): number;
  /** A spatial point with a time appended (drawn from the stream unless given) when the problem has time. */
  withTime(p: number[], t?: number): number[];
}

function regionContext(problem: Problem, initialPerAxis: number): RegionContext {
  const g = problem.geometry;
  const time = problem.time;
  const lo = [...g.bbox.min];
  const hi = [...g.bbox.max];
  const size = Math.max(...lo.map((l, a) => hi[a]! - l));
  const rng = createRng(0x5eed);
  return {
    problem,
    lo,
    hi,
    size,
    rng,
    eqTol: 1e-6 * Math.max(1, size),
    distance: g.distance(),
    sampler: makeSampler('uniform', rng),
    perAxis: (n) => initialPerAxis || (n <= 0 ? 1 : Math.max(1, Math.round(64 ** (1 / n)))),
    withTime: (p, t) => (time ? [...p, t ?? time.min + rng.next() * (time.max - time.min)] : p),
  };
}

/** The cover of a term's set; `alongCurves` allows covers in the parameters of 2D boundary curves (residuals without field derivatives or normals). */
export function buildRegion(
  problem: Problem,
  set: PointSet,
  initialPerAxis = 0,
  alongCurves = false,
): Region | undefined {
  const ctx = regionContext(problem, initialPerAxis);
  if (set.kind === 'domain' || set.kind === 'initial') return interiorRegion(ctx, set.kind === 'initial');
  if (set.kind === 'boundary') return boundaryRegion(ctx, set, alongCurves);
  return undefined;
}

/** The domain (or, at the initial time, its slice): grid boxes that the distance function does not exclude. */
function interiorRegion(ctx: RegionContext, initial: boolean): Region | undefined {
  const { problem, lo, hi } = ctx;
  const { geometry: g, dim, time } = problem;
  if (initial && !time) return undefined;
  const tlo = time ? [time.min] : [];
  const thi = time ? [initial ? time.min : time.max] : [];
  const boxes = grid([...lo, ...tlo], [...hi, ...thi], ctx.perAxis(dim + (time && !initial ? 1 : 0)));
  const pts = g.sampleInterior(SAMPLES, ctx.sampler);
  const samples: Sample[] = [];
  for (let k = 0; k < SAMPLES; k++)
    samples.push({
      p: ctx.withTime(Array.from(pts.subarray(k * dim, (k + 1) * dim)), initial ? time?.min : undefined),
    });
  return {
    label: initial ? 'initial' : 'domain',
    boxes,
    samples,
    dense: () =>
      pointGrid([...lo, ...tlo], [...hi, ...thi], DENSE)
        .filter((p) => g.contains(p.slice(0, dim)))
        .map((p) => ({ p })),
    keep: (box) => ievaluate(ctx.distance, spatialEnv(problem, box)).v.hi >= 0,
    pointIn: (box) => {
      const p = center(box);
      return g.contains(p.slice(0, dim)) ? { p } : undefined;
    },
  };
}

/** How a boundary region's boxes are kept and where points in them are, whatever shape the boundary has. */
interface BoundaryPart {
  set: Extract<PointSet, { kind: 'boundary' }>;
  samples: Sample[];
  /** Boxes where an expression selector may hold. */
  predKeep(box: Box): boolean;
  predHolds(p: number[]): boolean;
  tlo: number[];
  thi: number[];
}

function boundaryRegion(
  ctx: RegionContext,
  set: Extract<PointSet, { kind: 'boundary' }>,
  alongCurves: boolean,
): Region {
  const { problem } = ctx;
  const { dim, time } = problem;
  const sel = set.selector;
  const samples = boundarySamples(ctx, set, SAMPLES * 4, false);
  const pred = sel.kind === 'predicate' ? selectorExpr(problem, set.label) : undefined;
  const part: BoundaryPart = {
    set,
    samples,
    predKeep: (box) => (pred ? truth(pred, { ...spatialEnv(problem, box), eqTol: ctx.eqTol }) !== 0 : true),
    predHolds: (p) => (sel.kind === 'predicate' ? sel.test(p.slice(0, dim)) : true),
    tlo: time ? [time.min] : [],
    thi: time ? [time.max] : [],
  };
  const axisBox = problem.geometry.axisBox();
  if (axisBox) return boxFacesRegion(ctx, part, axisBox);
  const curves = alongCurves ? problem.geometry.boundaryCurves(sel) : undefined;
  return curves ? curveRegion(ctx, part, curves) : curvedBoundaryRegion(ctx, part);
}

/** n sampled points of a boundary part with their normals; with `ends`, every third at the first and every third at the last time. */
function boundarySamples(
  ctx: RegionContext,
  set: Extract<PointSet, { kind: 'boundary' }>,
  n: number,
  ends: boolean,
): Sample[] {
  const { dim, time } = ctx.problem;
  const bs = ctx.problem.geometry.sampleBoundary(n, ctx.sampler, set.selector);
  const samples: Sample[] = [];
  for (let k = 0; k < bs.points.length / dim; k++) {
    const t = ends && time && k % 3 < 2 ? (k % 3 === 0 ? time.min : time.max) : undefined;
    samples.push({
      p: ctx.withTime(Array.from(bs.points.subarray(k * dim, (k + 1) * dim)), t),
      n: Array.from(bs.normals.subarray(k * dim, (k + 1) * dim)),
    });
  }
  return samples;
}

/** An axis-aligned box: grid boxes on each selected face, with that face's constant normal. */
function boxFacesRegion(ctx: RegionContext, part: BoundaryPart, axisBox: AxisBox): Region {
  const { lo, hi } = ctx;
  const { dim, time } = ctx.problem;
  const sel = part.set.selector;
  const boxes: RBox[] = [];
  const dense: Sample[] = [];
  const faces = dim * 2;
  for (let a = 0; a < dim; a++) {
    for (const high of [false, true]) {
      const side = axisBox.sides[2 * a + (high ? 1 : 0)]!;
      if (sel.kind === 'name' && sel.name !== side && sel.name !== axisBox.name) continue;
      const flo = [...lo];
      const fhi = [...hi];
      flo[a] = fhi[a] = high ? hi[a]! : lo[a]!;
      const normal = lo.map((_, k) => (k === a ? (high ? 1 : -1) : 0));
      for (const b of grid([...flo, ...part.tlo], [...fhi, ...part.thi], ctx.perAxis(dim - 1 + (time ? 1 : 0))))
        boxes.push({ ...b, normal });
      for (const p of pointGrid([...flo, ...part.tlo], [...fhi, ...part.thi], DENSE / faces))
        if (part.predHolds(p)) dense.push({ p, n: normal });
    }
  }
  return {
    label: part.set.label,
    boxes,
    samples: part.samples,
    dense: () => dense,
    eqTol: ctx.eqTol,
    keep: part.predKeep,
    normals: (box) => (c) => box.normal!.map((v) => JI.constant(c, A.point(v))),
    pointIn: (box) => {
      const p = center(box);
      return part.predHolds(p) ? { p, n: box.normal } : undefined;
    },
  };
}

/** Any other boundary: boxes of the (slightly grown) bounding box where the distance may vanish. */
function curvedBoundaryRegion(ctx: RegionContext, part: BoundaryPart): Region {
  const { problem, lo, hi, distance } = ctx;
  const { dim, time } = problem;
  const sel = part.set.selector;
  const grow = 1e-9 * ctx.size;
  const partDistance = sel.kind === 'name' ? problem.geometry.partDistance(sel) : undefined;
  const boxes = grid(
    [...lo.map((l) => l - grow), ...part.tlo],
    [...hi.map((h) => h + grow), ...part.thi],
    ctx.perAxis(dim + (time ? 1 : 0)) * 2,
  );
  const zeroIn = (e: Expr, box: Box) => {
    const v = ievaluate(e, spatialEnv(problem, box)).v;
    return v.lo <= 0 && v.hi >= 0;
  };
  const normalsOf =
    (box: Box): NormalsFn =>
    (c) => {
      const grad = ievaluate(partDistance ?? distance, spatialEnv(problem, box, 1)).g.slice(0, dim);
      const norm = A.sqrt(grad.reduce((s, gk) => A.add(s, A.sqr(gk)), A.point(0)));
      return grad.map((gk) => JI.reorder(c, { v: A.neg(A.div(gk, norm)), g: [], h: [], e: 0 }));
    };
  return {
    label: part.set.label,
    boxes,
    samples: part.samples,
    dense: () => boundarySamples(ctx, part.set, DENSE, true),
    eqTol: ctx.eqTol,
    keep: (box) => zeroIn(distance, box) && (!partDistance || zeroIn(partDistance, box)) && part.predKeep(box),
    normals: (box) => normalsOf(box),
    pointIn: (box) => part.samples.find((s) => inBox(box, s.p)),
  };
}

export function sampleNormals(s: Sample): NormalsFn | undefined {
  const n = s.n;
  return n ? (c) => n.map((v) => JI.constant(c, A.point(v))) : undefined;
}

/**
 * A 2D boundary as its pieces' curves: boxes in (s, t) per curve, embedded as the curve's point
 * enclosure, kept while the distance (and the part's distance) may vanish on it. The mean-value form
 * then runs along the curve, where a hard transform's phi and its tangential derivative vanish.
 */
function curveRegion(ctx: RegionContext, part: BoundaryPart, curves: Expr[][]): Region {
  const { problem, distance } = ctx;
  const { dim, time } = problem;
  const partDistance = part.set.selector.kind === 'name' ? problem.geometry.partDistance(part.set.selector) : undefined;
  const coords = (box: RBox, c: Ctx): IJet[] => {
    const exact: Ctx = { ...c, f32: false };
    const s = JI.variableJet(exact, 0, { lo: box.lo[0]!, hi: box.hi[0]! });
    const env: IEnv = {
      c: exact,
      varIndex: new Map(),
      vars: new Map([[CURVE_PARAMETER, s]]),
      consts: problem.constants,
      fields: new Map(),
      spatial: problem.spatialIndex,
    };
    // The deployed model reads the point rounded to float32.
    return curves[box.curve!]!.map((x) => {
      const j = ievaluate(x, env);
      return { ...j, e: c.f32 ? JI.U32 * A.mag(j.v) : 0 };
    });
  };
  const embed: Embed = (c, box) => [
    ...coords(box, c),
    ...(time ? [JI.variableJet(c, 1, { lo: box.lo[1]!, hi: box.hi[1]! })] : []),
  ];
  /** The box of the variables (spatial enclosure of the piece of curve, then time). */
  const enclosure = (box: RBox): Box => {
    const xs = coords(box, { nv: box.lo.length, ord: 0, f32: false });
    return { lo: [...xs.map((x) => x.v.lo), ...box.lo.slice(1)], hi: [...xs.map((x) => x.v.hi), ...box.hi.slice(1)] };
  };
  const zeroIn = (e: Expr, b: Box) => {
    const v = ievaluate(e, spatialEnv(problem, b)).v;
    return v.lo <= 0 && v.hi >= 0;
  };
  const boxes: RBox[] = curves.flatMap((_, curve) =>
    grid([0, ...part.tlo], [1, ...part.thi], ctx.perAxis(1 + (time ? 1 : 0))).map((b) => ({ ...b, curve })),
  );
  return {
    label: part.set.label,
    boxes,
    samples: part.samples,
    dense: () => boundarySamples(ctx, part.set, DENSE, true),
    embed,
    extent: [1, ...(time ? [time.max - time.min] : [])],
    eqTol: ctx.eqTol,
    keep: (box) => {
      const b = enclosure(box);
      return zeroIn(distance, b) && (!partDistance || zeroIn(partDistance, b)) && part.predKeep(b);
    },
    pointIn: (box) => {
      const b = enclosure({ ...box, lo: center(box), hi: center(box) });
      const p = b.lo.map((l, a) => 0.5 * l + 0.5 * b.hi[a]!);
      return problem.geometry.contains(p.slice(0, dim)) && part.predHolds(p) ? { p } : undefined;
    },
  };
}
