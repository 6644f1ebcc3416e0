/**
 * L-BFGS with a strong-Wolfe line search, in float64 over a float32 model. The two-loop recursion
 * runs in our own kernel (kernels/pairs.c), over pairs held in its memory.
 *
 * The loss and gradient come from the backend in float32, so near convergence
 * they are noisy: curvature pairs with s.y too small to trust are skipped, a
 * non-finite trial point only shortens the step, and a failed line search
 * first retries along steepest descent before the stage ends. It never takes
 * a step that raises the loss.
 */
import { CurvaturePairs } from '../kernels/index.js';

export interface Objective {
  /** Loss and gradient at theta (gradient length = theta length). */
  (theta: Float64Array<ArrayBufferLike>): { f: number; g: Float64Array<ArrayBufferLike> };
}

interface LbfgsOptions {
  iterations: number;
  history: number;
  /** Initial step scale (1 = the quasi-Newton step). */
  lr: number;
  /** Called after each accepted iteration; return false to stop. */
  onIteration?: (info: { iteration: number; f: number; evaluations: number; theta: Float64Array }) => boolean | void;
}

export interface LbfgsResult {
  theta: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  stopReason: StopReason;
}

/** Why a run stopped: its whole iteration budget used, or earlier. */
type StopReason = 'iteration-limit' | 'not-finite-at-start' | 'gradient-vanished' | 'no-decrease' | 'stopped';

const STOP_TEXT: Record<StopReason, string> = {
  'iteration-limit': 'iteration limit',
  'not-finite-at-start': 'loss is not finite at the start',
  'gradient-vanished': 'gradient vanished',
  'no-decrease': 'no further decrease possible in float32',
  stopped: 'stopped',
};

/** The stop reason as the stage reports show it (summary.json). */
export function stopReasonText(reason: StopReason): string {
  return STOP_TEXT[reason];
}

const C1 = 1e-4;
const C2 = 0.9;
const MAX_LINE_EVALS = 25;

/** a . b (four partial sums). */
function dot(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/** Everything L-BFGS carries between iterations (for checkpoints: resuming from it continues exactly). */
export interface LbfgsState {
  theta: Float64Array;
  f: number;
  g: Float64Array;
  S: Float64Array[];
  Y: Float64Array[];
  RHO: number[];
  /** Accepted iterations so far. */
  iteration: number;
  evaluations: number;
}

export function lbfgs(objective: Objective, theta0: Float64Array, opts: LbfgsOptions): LbfgsResult {
  const steps = lbfgsSteps(objective, theta0, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * L-BFGS as a generator: yields its state after each accepted iteration (after
 * onIteration), so a caller can checkpoint or pause between iterations, and
 * returns the result. With `resume`, continues from a yielded state. One loop over an explicit
 * state (two-loop recursion, line search and memory update are their own functions), kept whole.
 */
export function* lbfgsSteps(
  objective: Objective,
  theta0: Float64Array,
  opts: LbfgsOptions,
  resume?: LbfgsState,
): Generator<LbfgsState, LbfgsResult, void> {
  let theta: Float64Array<ArrayBufferLike>;
  let f: number;
  let g: Float64Array<ArrayBufferLike>;
  let evaluations: number;
  const pairs = new CurvaturePairs(theta0.length, opts.history);
  let it = 0;
  if (resume) {
    theta = Float64Array.from(resume.theta);
    f = resume.f;
    g = Float64Array.from(resume.g);
    evaluations = resume.evaluations;
    it = resume.iteration;
    resume.S.forEach((s, k) => pairs.push(s, resume.Y[k]!, resume.RHO[k]!));
  } else {
    theta = Float64Array.from(theta0);
    ({ f, g } = objective(theta));
    evaluations = 1;
    if (!Number.isFinite(f)) return { theta, f, iterations: 0, evaluations, stopReason: 'not-finite-at-start' };
  }
  let stopReason: StopReason = 'iteration-limit';
  for (; it < opts.iterations; it++) {
    const gnorm = Math.sqrt(dot(g, g));
    if (gnorm === 0 || !Number.isFinite(gnorm)) {
      stopReason = 'gradient-vanished';
      break;
    }
    let d = pairs.direction(g);
    let gd = dot(g, d);
    if (!(gd < 0)) {
      pairs.clear();
      d = g.map((v) => -v);
      gd = -gnorm * gnorm;
    }
    const a0 = pairs.length === 0 ? Math.min(1, 1 / gnorm) * opts.lr : opts.lr;
    let ls = lineSearch(objective, theta, f, g, d, gd, a0);
    evaluations += ls.evaluations;
    if (!ls.ok && pairs.length > 0) {
      // Memory may be stale: retry once along steepest descent.
      pairs.clear();
      const sd = g.map((v) => -v);
      ls = lineSearch(objective, theta, f, g, sd, -gnorm * gnorm, Math.min(1, 1 / gnorm) * opts.lr);
      evaluations += ls.evaluations;
    }
    if (!ls.ok) {
      stopReason = 'no-decrease';
      break;
    }
    const s = new Float64Array(theta.length);
    const y = new Float64Array(theta.length);
    for (let i = 0; i < s.length; i++) {
      s[i] = ls.theta[i]! - theta[i]!;
      y[i] = ls.g[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) pairs.push(s, y, 1 / sy);
    theta = ls.theta;
    f = ls.f;
    g = ls.g;
    if (opts.onIteration?.({ iteration: it + 1, f, evaluations, theta }) === false) {
      it++;
      stopReason = 'stopped';
      break;
    }
    if (it + 1 < opts.iterations)
      yield { theta, f, g, S: pairs.S, Y: pairs.Y, RHO: pairs.RHO, iteration: it + 1, evaluations };
  }
  return { theta, f, iterations: it, evaluations, stopReason };
}

interface LineResult {
  ok: boolean;
  theta: Float64Array;
  f: number;
  g: Float64Array;
  evaluations: number;
}

/** Strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6). */
function lineSearch(
  objective: Objective,
  theta: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  gd0: number,
  a0: number,
): LineResult {
  let evaluations = 0;
  const at = (a: number) => {
    const x = new Float64Array(theta.length);
    for (let i = 0; i < x.length; i++) x[i] = theta[i]! + a * d[i]!;
    const r = objective(x);
    evaluations++;
    const finite = Number.isFinite(r.f) && allFinite(r.g);
    return { a, x, f: finite ? r.f : Infinity, g: r.g, gd: finite ? dot(r.g, d) : NaN };
  };
  type Point = ReturnType<typeof at>;
  let best: Point | undefined;
  const consider = (p: Point) => {
    if (p.f < f0 && (!best || p.f < best.f)) best = p;
  };
  const done = (p: Point): LineResult => ({ ok: true, theta: p.x, f: p.f, g: p.g, evaluations });
  const fallback = (): LineResult => (best ? done(best) : { ok: false, theta, f: f0, g: g0, evaluations });

  const zoom = (lo: { a: number; f: number; gd: number }, hi: { a: number; f: number; gd: number }): LineResult => {
    while (evaluations < MAX_LINE_EVALS) {
      const a = interpolate(lo, hi);
      const p = at(a);
      consider(p);
      if (p.f > f0 + C1 * a * gd0 || p.f >= lo.f) {
        hi = p;
      } else {
        if (Math.abs(p.gd) <= -C2 * gd0) return done(p);
        if (p.gd * (hi.a - lo.a) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.a - lo.a) < 1e-12 * Math.max(1, Math.abs(lo.a))) break;
    }
    return fallback();
  };

  let prev = { a: 0, f: f0, gd: gd0 };
  let a = a0;
  for (let k = 0; evaluations < MAX_LINE_EVALS; k++) {
    const p = at(a);
    if (!Number.isFinite(p.f)) {
      a *= 0.1;
      continue;
    }
    consider(p);
    if (p.f > f0 + C1 * a * gd0 || (k > 0 && p.f >= prev.f)) return zoom(prev, p);
    if (Math.abs(p.gd) <= -C2 * gd0) return done(p);
    if (p.gd >= 0) return zoom(p, prev);
    prev = p;
    a *= 2;
  }
  return fallback();
}

/** Minimiser of the cubic through two points with slopes, kept inside the bracket. */
function interpolate(lo: { a: number; f: number; gd: number }, hi: { a: number; f: number; gd: number }): number {
  const [a1, a2] = [lo.a, hi.a];
  const d1 = lo.gd + hi.gd - (3 * (lo.f - hi.f)) / (a1 - a2);
  const disc = d1 * d1 - lo.gd * hi.gd;
  let a = (a1 + a2) / 2;
  if (disc >= 0 && Number.isFinite(hi.f) && Number.isFinite(hi.gd)) {
    const d2 = Math.sign(a2 - a1) * Math.sqrt(disc);
    const c = a2 - ((a2 - a1) * (hi.gd + d2 - d1)) / (hi.gd - lo.gd + 2 * d2);
    if (Number.isFinite(c)) a = c;
  }
  const lower = Math.min(a1, a2);
  const upper = Math.max(a1, a2);
  const margin = 0.1 * (upper - lower);
  return Math.min(Math.max(a, lower + margin), upper - margin);
}
