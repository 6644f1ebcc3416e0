/**
 * Branch and bound over box covers: for each condition and inequality, a
 * certified upper bound on its violation over its whole set, a concrete
 * counterexample, or (when the budget runs out) the best bound so far; and a
 * certified bound on each PDE residual over the domain, for the record.
 */
import type { Expr } from '../expr/index.js';
import type { Problem, Term } from '../problem/index.js';
import type { I } from './interval.js';
import * as A from './interval.js';
import { derivativeDepth, residualBounds, usesNormals, type BoundOptions, type VerifyModel } from './bound.js';
import { buildRegion, sampleNormals, type RBox, type Region, type Sample } from './regions.js';

export type { Sample } from './regions.js';

/** Points to add to the counterexample search, per term name (e.g. where `pinn solve` measured its violations). */
export type SeedPoints = Map<string, Sample[]>;

/** Seed points certified with the configured arithmetic, worst (by float64 evaluation) first. */
const CERTIFY_SEEDS = 32;

type VerifyStatus = 'certified' | 'violated' | 'inconclusive' | 'reported' | 'skipped';

interface Counterexample {
  point: Record<string, number>;
  /** Residual value at the point (midpoint of its enclosure). */
  value: number;
  /** Certified lower bound on the violation at the point. */
  violation: number;
  /** What the lower bound holds for: the float32 deployment (error model included), or only the real-arithmetic model of the stored weights (where the float32 error bound at the point is wider than the excess). */
  arithmetic: Arithmetic;
}

type Arithmetic = 'float32' | 'exact';

export interface ConstraintResult {
  name: string;
  kind: 'condition' | 'inequality' | 'equation';
  set: string;
  status: VerifyStatus;
  tolerance: number | null;
  /** Certified upper bound on the violation (|r| for conditions and equations, max(0, g) for inequalities) over the set. */
  bound: number | null;
  /** Largest certified violation found at concrete points (a lower bound on the true worst). */
  sampled_max: number;
  /** Largest violation evaluated (float64, exact arithmetic on the float32 weights) at concrete points of the set; null when none was evaluated. Not certified: in float32 mode `sampled_max` can stay below it by the float32 error bound at the point. */
  evaluated_max: number | null;
  /** Evaluations of the residuals at concrete points of the set (seeds of the counterexample search, their certification, box probes). */
  points_evaluated: number;
  boxes_evaluated: number;
  boxes_open: number;
  seconds: number;
  counterexample?: Counterexample;
  note?: string;
}

interface VerifyOptions {
  tolerance: number;
  /** Total wall-clock budget in seconds. */
  budget: number;
  /** Share of the budget for the PDE residual bounds (default 0.25 when there are constraints; they run after the constraints, for at most this share). */
  equationShare?: number;
  /** Largest number of open boxes kept per constraint. */
  maxBoxes?: number;
  f32?: boolean;
  meanValue?: boolean;
  /** Boxes per axis of the initial cover (default: about 64 boxes in all). */
  initialPerAxis?: number;
  /** Extra points per term for the counterexample search. */
  seeds?: SeedPoints;
}

interface Node {
  box: RBox;
  ub: number;
}

/** Max-heap on ub. */
class Heap {
  private a: Node[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Node | undefined {
    return this.a[0];
  }
  push(n: Node): void {
    const a = this.a;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.ub >= a[i]!.ub) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Node | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.ub > a[m]!.ub) m = l;
        if (r < a.length && a[r]!.ub > a[m]!.ub) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

type Measure = 'abs' | 'pos';

const violationUpper = (rs: I[], m: Measure): number =>
  Math.max(...rs.map((r) => (m === 'abs' ? A.mag(r) : Math.max(0, r.hi))));
/** The violation at the midpoints of the enclosures (at a point, the float64 value). */
const violationMid = (rs: I[], m: Measure): number =>
  Math.max(
    ...rs.map((r) => {
      const v = 0.5 * r.lo + 0.5 * r.hi;
      return Number.isNaN(v) ? Infinity : m === 'abs' ? Math.abs(v) : Math.max(0, v);
    }),
  );
const violationLower = (rs: I[], m: Measure): number =>
  Math.max(...rs.map((r) => (m === 'abs' ? A.mig(r) : Math.max(0, r.lo))));

/** Splits along the axis widest relative to the domain's extent on that axis. */
function split(box: RBox, extent: number[]): [RBox, RBox] | undefined {
  let axis = -1;
  let best = 0;
  box.lo.forEach((l, i) => {
    const w = (box.hi[i]! - l) / (extent[i]! || 1);
    if (w > best) {
      best = w;
      axis = i;
    }
  });
  if (axis < 0) return undefined;
  const mid = 0.5 * box.lo[axis]! + 0.5 * box.hi[axis]!;
  if (!(mid > box.lo[axis]! && mid < box.hi[axis]!)) return undefined;
  const a: RBox = { ...box, lo: [...box.lo], hi: [...box.hi] };
  const b: RBox = { ...box, lo: [...box.lo], hi: [...box.hi] };
  a.hi[axis] = mid;
  b.lo[axis] = mid;
  return [a, b];
}

interface BnbInput {
  vm: VerifyModel;
  residuals: Expr[];
  measure: Measure;
  region: Region;
  /** Stop certified at or below this; NaN: never stop early (report mode). */
  tolerance: number;
  deadline: number;
  maxBoxes: number;
  bound: BoundOptions;
  extent: number[];
  /** Extra points of the set for the counterexample search. */
  seeds?: Sample[];
}

interface BnbResult {
  status: 'certified' | 'violated' | 'inconclusive';
  bound: number;
  sampledMax: number;
  /** Largest float64-evaluated violation at points; -1: none evaluated. */
  evaluatedMax: number;
  points: number;
  evaluated: number;
  open: number;
  counterexample?: { p: number[]; value: number; violation: number; arithmetic: Arithmetic };
  note?: string;
}

/** Evaluations at concrete points of the set, and the best counterexample and largest violations they found. */
interface PointProbe {
  sampledMax: number;
  evaluatedMax: number;
  points: number;
  counter?: BnbResult['counterexample'];
  /** The residuals' enclosures at the point (float32 margin or not); records the float64 violation. */
  atPoint(s: Sample, f32: boolean): I[];
  /** True when the point is a counterexample. */
  tryPoint(s: Sample): boolean;
}

function pointProbe(inp: BnbInput, needNormals: boolean): PointProbe {
  const { vm, residuals, measure, region, tolerance } = inp;
  const report = Number.isNaN(tolerance);
  const probe: PointProbe = {
    sampledMax: 0,
    evaluatedMax: -1,
    points: 0,
    atPoint: (s, f32) => {
      probe.points++;
      const rs = residualBounds(
        vm,
        residuals,
        { lo: s.p, hi: s.p },
        { ...inp.bound, f32, eqTol: region.eqTol },
        needNormals ? sampleNormals(s) : undefined,
      );
      probe.evaluatedMax = Math.max(probe.evaluatedMax, violationMid(rs, measure));
      return rs;
    },
    tryPoint: (s) => {
      if (certifyAt(s, probe.atPoint(s, inp.bound.f32), inp.bound.f32 ? 'float32' : 'exact')) return true;
      return inp.bound.f32 && certifyAt(s, probe.atPoint(s, false), 'exact');
    },
  };
  /** A counterexample at the point when its violation's lower bound exceeds the tolerance: with the float32 margin if it allows, else in exact arithmetic. */
  const certifyAt = (s: Sample, rs: I[], arithmetic: Arithmetic): boolean => {
    const lb = violationLower(rs, measure);
    if (arithmetic === 'float32' || !inp.bound.f32) probe.sampledMax = Math.max(probe.sampledMax, lb);
    if (report || !(lb > tolerance)) return false;
    // A float32-certified counterexample beats an exact-only one; then the larger violation.
    const counter = probe.counter;
    const better = !counter || (arithmetic === counter.arithmetic ? lb > counter.violation : arithmetic === 'float32');
    if (better) {
      const worst = rs.reduce((w, r) =>
        (measure === 'abs' ? A.mig(r) : r.lo) > (measure === 'abs' ? A.mig(w) : w.lo) ? r : w,
      );
      probe.counter = { p: s.p, value: 0.5 * worst.lo + 0.5 * worst.hi, violation: lb, arithmetic };
    }
    return true;
  };
  return probe;
}

/**
 * Branch and bound of one violation measure over a region: the counterexample search on points of
 * the set first, then boxes refined worst first, each probed at a point of the set.
 */
export function branchAndBound(inp: BnbInput): BnbResult {
  const { vm, residuals, measure, region, tolerance } = inp;
  const report = Number.isNaN(tolerance);
  const needNormals = residuals.some(usesNormals);
  let evaluated = 0;
  const bounds = (box: RBox) => {
    evaluated++;
    return residualBounds(
      vm,
      residuals,
      box,
      { ...inp.bound, eqTol: region.eqTol, embed: region.embed },
      needNormals ? region.normals?.(box) : undefined,
    );
  };
  const probe = pointProbe(inp, needNormals);
  const { tryPoint } = probe;

  // Counterexample search first: evaluate a dense set of points of the set (and the given seeds) in
  // float64, then certify the worst ones with the configured arithmetic.
  // (The report of PDE residuals, which never fails, keeps its time for boxes: its own samples only.)
  const ranked = [...region.samples, ...(report ? [] : region.dense()), ...(inp.seeds ?? [])]
    .map((s) => ({ s, v: violationMid(probe.atPoint(s, false), measure) }))
    .sort((a, b) => (b.v > a.v ? 1 : b.v < a.v ? -1 : 0));
  for (const { s } of ranked.slice(0, CERTIFY_SEEDS)) tryPoint(s);
  const heap = new Heap();
  for (const box of region.boxes) {
    if (!region.keep(box)) continue;
    heap.push({ box, ub: violationUpper(bounds(box), measure) });
  }
  // Boxes at the floating-point resolution that still do not certify: set aside, they keep the bound.
  let stuck = 0;
  let stuckCount = 0;
  const finish = (status: BnbResult['status'], note?: string): BnbResult => ({
    status,
    bound: Math.max(heap.peek()?.ub ?? 0, stuck),
    sampledMax: probe.sampledMax,
    evaluatedMax: probe.evaluatedMax,
    points: probe.points,
    evaluated,
    open: heap.size + stuckCount,
    counterexample: probe.counter,
    note,
  });
  if (probe.counter) return finish('violated');
  for (;;) {
    const top = heap.peek();
    if (!top || (!report && top.ub <= tolerance)) {
      if (stuckCount > 0)
        return finish('inconclusive', `${stuckCount} boxes at floating-point resolution do not certify`);
      return finish('certified', top ? undefined : 'the set is empty');
    }
    if (!Number.isFinite(top.ub) && evaluated > inp.maxBoxes * 4)
      return finish('inconclusive', 'the bound stays unbounded');
    if (performance.now() > inp.deadline) return finish('inconclusive', 'budget spent');
    if (heap.size >= inp.maxBoxes) return finish('inconclusive', 'box limit reached');
    heap.pop();
    const s = region.pointIn(top.box);
    if (s && tryPoint(s)) {
      heap.push(top);
      return finish('violated');
    }
    const parts = split(top.box, region.extent ?? inp.extent);
    if (!parts) {
      stuck = Math.max(stuck, top.ub);
      stuckCount++;
      continue;
    }
    for (const child of parts) {
      if (!region.keep(child)) continue;
      heap.push({ box: child, ub: violationUpper(bounds(child), measure) });
    }
  }
}

/** Verifies every condition and inequality of a problem, and bounds its PDE residuals. */
export function verifyProblem(problem: Problem, vm: VerifyModel, opts: VerifyOptions): ConstraintResult[] {
  const start = performance.now();
  const budgetMs = opts.budget * 1000;
  const constraints = problem.terms.filter((t) => t.kind === 'condition' || t.kind === 'inequality');
  const equations = problem.terms.filter((t) => t.kind === 'equation');
  const eqShare = constraints.length === 0 ? 1 : equations.length === 0 ? 0 : (opts.equationShare ?? 0.25);
  const extent = problem.geometry.bbox.min.map((lo, a) => problem.geometry.bbox.max[a]! - lo);
  if (problem.time) extent.push(problem.time.max - problem.time.min);
  const bound: BoundOptions = { f32: opts.f32 ?? true, meanValue: opts.meanValue ?? true };
  const maxBoxes = opts.maxBoxes ?? 200_000;
  const results: ConstraintResult[] = [];

  const run = (terms: Term[], shareMs: number, report: boolean) => {
    const t0 = performance.now();
    terms.forEach((term, k) => {
      const left = shareMs - (performance.now() - t0);
      const deadline = performance.now() + left / (terms.length - k);
      const kind = term.kind === 'inequality' ? 'inequality' : term.kind === 'equation' ? 'equation' : 'condition';
      const base = { name: term.name, kind, tolerance: report ? null : opts.tolerance } as const;
      const plain = term.residuals.every((r) => derivativeDepth(r) === 0 && !usesNormals(r));
      const region = buildRegion(problem, term.set, opts.initialPerAxis, plain);
      if (!region) {
        results.push({
          ...base,
          set: term.set.kind,
          status: 'skipped',
          bound: null,
          sampled_max: 0,
          evaluated_max: null,
          points_evaluated: 0,
          boxes_evaluated: 0,
          boxes_open: 0,
          seconds: 0,
          note: `${term.set.kind} sets are not verified`,
        });
        return;
      }
      const t1 = performance.now();
      const r = branchAndBound({
        vm,
        residuals: term.residuals,
        measure: term.kind === 'inequality' ? 'pos' : 'abs',
        region,
        tolerance: report ? NaN : opts.tolerance,
        deadline,
        maxBoxes,
        bound,
        extent,
        seeds: opts.seeds?.get(term.name),
      });
      results.push({
        ...base,
        set: region.label,
        status: report ? 'reported' : r.status,
        bound: Number.isFinite(r.bound) ? r.bound : null,
        sampled_max: r.sampledMax,
        evaluated_max: r.evaluatedMax < 0 ? null : r.evaluatedMax,
        points_evaluated: r.points,
        boxes_evaluated: r.evaluated,
        boxes_open: r.open,
        seconds: (performance.now() - t1) / 1000,
        ...(r.counterexample
          ? {
              counterexample: {
                point: Object.fromEntries(problem.variables.map((v, i) => [v, r.counterexample!.p[i]!])),
                value: r.counterexample.value,
                violation: r.counterexample.violation,
                arithmetic: r.counterexample.arithmetic,
              },
            }
          : {}),
        ...(r.note && !report ? { note: r.note } : {}),
      });
    });
  };
  run(constraints, budgetMs * (1 - eqShare), false);
  // The residual bounds never stop early: they get their share, or what the constraints left if less.
  run(equations, Math.max(0, Math.min(budgetMs * eqShare, budgetMs - (performance.now() - start))), true);
  return results;
}

/** 0 all certified, 1 a violation found, 3 inconclusive. */
export function exitCodeOf(results: ConstraintResult[]): number {
  const checked = results.filter((r) => r.kind !== 'equation');
  if (checked.some((r) => r.status === 'violated')) return 1;
  if (checked.some((r) => r.status === 'inconclusive')) return 3;
  return 0;
}
