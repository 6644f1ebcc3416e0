/**
 * One Levenberg-Marquardt iteration on a generalized Gauss-Newton system (jacobian.ts), in float64:
 * the step solves (G + lambda D) delta = -g with D = diag(G) (Marquardt's scaling, floored so that
 * no direction is free), and is kept when the loss falls; the damping follows the ratio of actual
 * to predicted decrease (Nielsen's rule): down when the quadratic model is trusted, up (doubling
 * each rejection) when it is not. Pure apart from the loss evaluations it is given.
 */
import { cholesky, choleskySolve } from '../util/index.js';
import type { GaussNewtonSystem } from './jacobian.js';

/** The damping carried from one iteration to the next (in checkpoints: plain numbers). */
export interface LmState {
  lambda: number;
  /** Growth factor of the next rejection. */
  nu: number;
}

export const LM_START: LmState = { lambda: 1e-3, nu: 2 };

/** Damping bounds: below the floor float32 noise in G decides the step; above the ceiling the step is nothing. */
const LAMBDA_MIN = 1e-12;
const LAMBDA_MAX = 1e12;
/** Floor of D relative to its mean entry (a weight no residual sees still gets some damping). */
const DIAG_FLOOR = 1e-9;

export interface LmStepResult {
  accepted: boolean;
  theta: Float64Array;
  f: number;
  state: LmState;
  /** Loss evaluations made (one per trial step). */
  evaluations: number;
}

/** Solves (G + lambda D) x = -g; undefined when that matrix is not positive definite to working precision. */
export function dampedStep(sys: GaussNewtonSystem, lambda: number): Float64Array | undefined {
  const { gram, g, size } = sys;
  let mean = 0;
  for (let p = 0; p < size; p++) mean += gram[p * size + p]! / size;
  const floor = Math.max(DIAG_FLOOR * mean, Number.MIN_VALUE);
  const a = Float64Array.from(gram);
  for (let p = 0; p < size; p++) a[p * size + p] = gram[p * size + p]! + lambda * Math.max(gram[p * size + p]!, floor);
  const l = cholesky(a, size);
  if (!l) return undefined;
  const x = choleskySolve(l, size, g);
  for (let p = 0; p < size; p++) x[p] = -x[p]!;
  return x;
}

/** The decrease the quadratic model predicts for step x: -(g.x + x.G.x / 2). */
export function predictedDecrease(sys: GaussNewtonSystem, x: Float64Array): number {
  const { gram, g, size } = sys;
  let gx = 0;
  let xgx = 0;
  for (let p = 0; p < size; p++) {
    gx += g[p]! * x[p]!;
    let row = 0;
    for (let q = 0; q < size; q++) row += gram[p * size + q]! * x[q]!;
    xgx += x[p]! * row;
  }
  return -(gx + xgx / 2);
}

/**
 * From `theta` with loss `f` (the system's), tries damped steps until the loss falls or the
 * damping reaches its ceiling. `lossAt` sets the model to the parameters it is given and returns
 * the loss there; `scale` multiplies each step (the stage's lr).
 */
export function lmStep(
  sys: GaussNewtonSystem,
  theta: Float64Array,
  state: LmState,
  scale: number,
  lossAt: (theta: Float64Array) => number,
): LmStepResult {
  let { lambda, nu } = state;
  let evaluations = 0;
  while (lambda <= LAMBDA_MAX) {
    const x = dampedStep(sys, lambda);
    if (x) {
      for (let p = 0; p < x.length; p++) x[p] = scale * x[p]!;
      const trial = theta.map((t, p) => t + x[p]!);
      const f = lossAt(trial);
      evaluations++;
      const predicted = predictedDecrease(sys, x);
      if (Number.isFinite(f) && f < sys.f && predicted > 0) {
        const rho = (sys.f - f) / predicted;
        const next = Math.max(LAMBDA_MIN, lambda * Math.max(1 / 3, 1 - (2 * rho - 1) ** 3));
        return { accepted: true, theta: trial, f, state: { lambda: next, nu: 2 }, evaluations };
      }
    }
    lambda *= nu;
    nu *= 2;
  }
  return { accepted: false, theta, f: sys.f, state: { lambda: LM_START.lambda, nu: 2 }, evaluations };
}
