/**
 * Box covers of the sets a term lives on: the domain (boxes of the bounding
 * box, those provably outside dropped), boundary parts (the faces of an
 * axis-aligned box as degenerate boxes with exact normals; any other
 * boundary as boxes straddling the zero set of the geometry's distance
 * function), and the initial slice t = t0.
 */
import { makeSampler, type PointSet, type Problem } from '../problem/index.js';
import { parseExpr, type Expr } from '../expr/index.js';
import { createRng } from '../util/index.js';
import * as A from './interval.js';
import * as JI from './ijet.js';
import type { Ctx, IJet } from './ijet.js';
import { ievaluate, truth, type IEnv } from './iexpr.js';
import type { Box, NormalsFn } from './bound.js';

export interface RBox extends Box { /** Exact outward normal (face boxes). */ normal?: number[] }

export interface Sample { p: number[]; n?: number[] }

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
  eqTol?: number;
}

const SAMPLES = 64;

function spatialEnv(problem: Problem, box: Box, ord = 0): IEnv {
  const c: Ctx = { nv: problem.variables.length, ord, f32: false };
  const vars = new Map<string, IJet>(problem.variables.map((v, i) => [v, JI.variableJet(c, i, { lo: box.lo[i]!, hi: box.hi[i]! })]));
  return { c, varIndex: new Map(problem.variables.map((v, i) => [v, i])), vars, consts: problem.constants, fields: new Map(), spatial: problem.spatialIndex };
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

const center = (box: Box): number[] => box.lo.map((l, i) => (l === box.hi[i] ? l : 0.5 * l + 0.5 * box.hi[i]!));
const inBox = (box: Box, p: number[]): boolean => p.every((v, i) => v >= box.lo[i]! && v <= box.hi[i]!);

/** The selector expression of a `"x == 1"` boundary part (its label), parsed again. */
function selectorExpr(problem: Problem, label: string): Expr | undefined {
  const m = /^"(.*)"$/s.exec(label);
  if (!m) return undefined;
  const spatial = problem.variables.filter((v) => v !== 't');
  try {
    return parseExpr(m[1]!, { variables: spatial, fields: [], constants: [...problem.constants.keys()], spatial, derivatives: false, boundary: false });
  } catch {
    return undefined;
  }
}

export function buildRegion(problem: Problem, set: PointSet, initialPerAxis = 0): Region | undefined {
  const g = problem.geometry;
  const dim = problem.dim;
  const time = problem.time;
  const lo = [...g.bbox.min];
  const hi = [...g.bbox.max];
  const size = Math.max(...lo.map((l, a) => hi[a]! - l));
  const eqTol = 1e-6 * Math.max(1, size);
  const distance = g.distance();
  const rng = createRng(0x5eed);
  const sampler = makeSampler('uniform', rng);
  const withTime = (p: number[], t?: number) => (time ? [...p, t ?? time.min + rng.next() * (time.max - time.min)] : p);
  const domainKeep = (box: Box) => ievaluate(distance, spatialEnv(problem, box)).v.hi >= 0;
  const perAxis = (n: number) => initialPerAxis || (n <= 0 ? 1 : Math.max(1, Math.round(64 ** (1 / n))));

  if (set.kind === 'domain' || set.kind === 'initial') {
    const initial = set.kind === 'initial';
    if (initial && !time) return undefined;
    const tlo = time ? [initial ? time.min : time.min] : [];
    const thi = time ? [initial ? time.min : time.max] : [];
    const boxes = grid([...lo, ...tlo], [...hi, ...thi], perAxis(dim + (time && !initial ? 1 : 0)));
    const pts = g.sampleInterior(SAMPLES, sampler);
    const samples: Sample[] = [];
    for (let k = 0; k < SAMPLES; k++) samples.push({ p: withTime(Array.from(pts.subarray(k * dim, (k + 1) * dim)), initial ? time?.min : undefined) });
    return {
      label: initial ? 'initial' : 'domain', boxes, samples, keep: domainKeep,
      pointIn: (box) => {
        const p = center(box);
        return g.contains(p.slice(0, dim)) ? { p } : undefined;
      },
    };
  }
  if (set.kind !== 'boundary') return undefined;

  const sel = set.selector;
  const tlo = time ? [time.min] : [];
  const thi = time ? [time.max] : [];
  const bs = g.sampleBoundary(SAMPLES * 4, sampler, sel);
  const samples: Sample[] = [];
  for (let k = 0; k < bs.points.length / dim; k++) {
    samples.push({ p: withTime(Array.from(bs.points.subarray(k * dim, (k + 1) * dim))), n: Array.from(bs.normals.subarray(k * dim, (k + 1) * dim)) });
  }
  const pred = sel.kind === 'predicate' ? selectorExpr(problem, set.label) : undefined;
  const predKeep = (box: Box) => (pred ? truth(pred, { ...spatialEnv(problem, box), eqTol }) !== 0 : true);
  const predHolds = (p: number[]) => (sel.kind === 'predicate' ? sel.test(p.slice(0, dim)) : true);
  const constNormals = (n: number[]): NormalsFn => (c) => n.map((v) => JI.constant(c, A.point(v)));

  const axisBox = problem.geometry.axisBox();
  if (axisBox) {
    const names = axisBox.sides;
    const rootName = axisBox.name;
    const boxes: RBox[] = [];
    for (let a = 0; a < dim; a++) {
      for (const high of [false, true]) {
        const side = names[2 * a + (high ? 1 : 0)]!;
        if (sel.kind === 'name' && sel.name !== side && sel.name !== rootName) continue;
        const flo = [...lo];
        const fhi = [...hi];
        flo[a] = fhi[a] = high ? hi[a]! : lo[a]!;
        const normal = lo.map((_, k) => (k === a ? (high ? 1 : -1) : 0));
        for (const b of grid([...flo, ...tlo], [...fhi, ...thi], perAxis(dim - 1 + (time ? 1 : 0)))) boxes.push({ ...b, normal });
      }
    }
    return {
      label: set.label, boxes, samples, eqTol, keep: predKeep,
      normals: (box) => constNormals(box.normal!),
      pointIn: (box) => {
        const p = center(box);
        return predHolds(p) ? { p, n: box.normal } : undefined;
      },
    };
  }

  // Any other boundary: boxes of the (slightly grown) bounding box where the distance may vanish.
  const grow = 1e-9 * size;
  const part = sel.kind === 'name' ? g.partDistance(sel) : undefined;
  const boxes = grid([...lo.map((l) => l - grow), ...tlo], [...hi.map((h) => h + grow), ...thi], perAxis(dim + (time ? 1 : 0)) * 2);
  const zeroIn = (e: Expr, box: Box) => { const v = ievaluate(e, spatialEnv(problem, box)).v; return v.lo <= 0 && v.hi >= 0; };
  const normalsOf = (box: Box): NormalsFn => (c) => {
    const grad = ievaluate(part ?? distance, spatialEnv(problem, box, 1)).g.slice(0, dim);
    const norm = A.sqrt(grad.reduce((s, gk) => A.add(s, A.sqr(gk)), A.point(0)));
    return grad.map((gk) => JI.reorder(c, { v: A.neg(A.div(gk, norm)), g: [], h: [], e: 0 }));
  };
  return {
    label: set.label, boxes, samples, eqTol,
    keep: (box) => zeroIn(distance, box) && (!part || zeroIn(part, box)) && predKeep(box),
    normals: (box) => normalsOf(box),
    pointIn: (box) => samples.find((s) => inBox(box, s.p)),
  };
}

export function sampleNormals(s: Sample): NormalsFn | undefined {
  const n = s.n;
  return n ? (c) => n.map((v) => JI.constant(c, A.point(v))) : undefined;
}
