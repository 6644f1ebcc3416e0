#!/usr/bin/env node
// A plane wave exp(i k x) scattered by a perfectly conducting cylinder r = a (time factor
// exp(-i w t); the scattered field u = Ur + i Ui is -exp(i k x) on the cylinder), against which
// bench/electromagnetics/pec-cylinder.yaml is checked:
//   - the exact scattered field (the Mie series) u = -sum_n i^n J_n(k a) / H_n(k a) H_n(k r) e^(i n theta);
//   - the exact solution of the problem truncated at r = R with the first-order Bayliss-Turkel
//     condition dn(u) = (i k - 1/(2R)) u (or the second-order one of pinn's `absorbing`, with
//     --order 2), mode by mode u_n = A_n H_n^(1)(k r) + B_n H_n^(2)(k r).
//
//   node scripts/pec-cylinder.mjs [--order 2]           the truncated problem's L2 distance from Mie
//   node scripts/pec-cylinder.mjs RUN_DIR [--order 2]   a run's fields.csv (x, y, Ur, Ui or Ezr, Ezi): L2 relative
//                                                       error of u against both, over a <= r <= R
// (k = 2 pi, a = 0.5, R = 1.5: k a = pi.) Bessel functions by their power series (J_n) and the
// upward recurrence from Y0, Y1 (Y_n), exact to ~1e-12 for k r < 15 and n <= 20; no dependencies.
import { bessel, cadd, cdiv, cmul, csub, readFieldRows } from './outgoing-wave.mjs';

export const PROBLEM = { k: 2 * Math.PI, a: 0.5, R: 1.5 };
/** Angular modes kept: at k R = 3 pi the coefficients of n > 20 are below 1e-20 (Y_n overflows past ~30). */
const MODES = 20;

const FACTORIAL = [1];
for (let i = 1; i < 2 * MODES + 120; i++) FACTORIAL[i] = FACTORIAL[i - 1] * i;

/** J_n(x) by its power series. */
function besselJ(n, x) {
  let sum = 0;
  for (let m = 0; m < 100; m++) {
    const term = ((m % 2 ? -1 : 1) * (x / 2) ** (2 * m + n)) / (FACTORIAL[m] * FACTORIAL[m + n]);
    sum += term;
    if (m > x && Math.abs(term) < 1e-18) break;
  }
  return sum;
}

/**
 * H_n^(1)(x) = J_n + i Y_n for n = 0..MODES + 1, as [re, im].
 * @param {number} x
 * @returns {[number, number][]}
 */
function hankelOrders(x) {
  const { y0, y1 } = bessel(x);
  const y = [y0, y1];
  for (let n = 1; n <= MODES; n++) y[n + 1] = ((2 * n) / x) * y[n] - y[n - 1];
  return y.map((yn, n) => /** @type {[number, number]} */ ([besselJ(n, x), yn]));
}

/** @type {(z: [number, number]) => [number, number]} */
const conj = ([re, im]) => [re, -im];
/** @type {(n: number) => [number, number]} i^n */
const iPower = (n) =>
  /** @type {[number, number][]} */ ([
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ])[n % 4];

/**
 * d/dr H_n(k r) from H_n' = H_(n-1) - (n / x) H_n (H_0' = -H_1).
 * @param {[number, number][]} H
 * @param {number} n
 * @param {number} k
 * @param {number} x
 */
function radialDerivative(H, n, k, x) {
  const prev = n === 0 ? cmul([-1, 0], H[1]) : H[n - 1];
  return cmul([k, 0], csub(prev, cmul([n / x, 0], H[n])));
}

/**
 * The condition at R as dn(u_n) = beta_n u_n for the mode e^(i n theta). Order 1 (Bayliss-Turkel B1):
 * beta = i k - 1/(2R). Order 2 (B2, docs/electromagnetics.md, curvature kappa = 1/R):
 * 2 (kappa - i k) dn(u) = (2 k^2 + 3 i k kappa - 3 kappa^2/4) u + u_ss, with u_ss = -n^2/R^2 u.
 * @param {number} n
 * @param {{ k: number, R: number }} problem
 * @param {1 | 2} order
 * @returns {[number, number]}
 */
export function conditionRatio(n, { k, R }, order) {
  if (order === 1) return [-1 / (2 * R), k];
  const kappa = 1 / R;
  const rhs = /** @type {[number, number]} */ ([2 * k * k - 0.75 * kappa * kappa - (n * n) / (R * R), 3 * k * kappa]);
  return cdiv(rhs, [2 * kappa, -2 * k]);
}

/**
 * Per mode n >= 0: the Mie coefficient c_n of H_n^(1), and the truncated problem's [A_n, B_n].
 * @param {{ k: number, a: number, R: number }} problem
 * @param {1 | 2} [order] the absorbing condition's order at R
 */
export function coefficients({ k, a, R }, order = 1) {
  const [Ha, HR] = [hankelOrders(k * a), hankelOrders(k * R)];
  /** @type {[number, number][]} */
  const mie = [];
  /** @type {[[number, number], [number, number]][]} */
  const truncated = [];
  for (let n = 0; n <= MODES; n++) {
    const data = cmul(iPower(n), [-besselJ(n, k * a), 0]);
    mie.push(cdiv(data, Ha[n]));
    const dR = radialDerivative(HR, n, k, k * R);
    const beta = conditionRatio(n, { k, R }, order);
    // Condition at R per Hankel function: d/dr H - beta H; [H1(a) H2(a); c1 c2] [A; B] = [data; 0].
    const [c1, c2] = [csub(dR, cmul(beta, HR[n])), csub(conj(dR), cmul(beta, conj(HR[n])))];
    const det = csub(cmul(Ha[n], c2), cmul(conj(Ha[n]), c1));
    truncated.push([cdiv(cmul(data, c2), det), cdiv(cmul([-1, 0], cmul(data, c1)), det)]);
  }
  return { mie, truncated };
}

/**
 * The scattered field at (x, y): `mie` (unbounded) or `truncated` (first-order condition at R).
 * @param {ReturnType<typeof coefficients>} coeffs
 * @param {number} k
 * @param {number} x
 * @param {number} y
 * @param {'mie' | 'truncated'} which
 * @returns {[number, number]}
 */
export function scattered(coeffs, k, x, y, which) {
  const [r, theta] = [Math.hypot(x, y), Math.atan2(y, x)];
  const H = hankelOrders(k * r);
  let u = /** @type {[number, number]} */ ([0, 0]);
  for (let n = 0; n <= MODES; n++) {
    // Modes -n and n share i^n c_n H_n: together 2 cos(n theta).
    const weight = n === 0 ? 1 : 2 * Math.cos(n * theta);
    const [A, B] = coeffs.truncated[n];
    const v = which === 'mie' ? cmul(coeffs.mie[n], H[n]) : cadd(cmul(A, H[n]), cmul(B, conj(H[n])));
    u = cadd(u, cmul([weight, 0], v));
  }
  return u;
}

/** L2 relative distance of u from v over points of the annulus. */
function distance(points, u, v) {
  let [num, den] = [0, 0];
  for (const p of points) {
    const [a, b] = [u(p), v(p)];
    num += (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
    den += b[0] ** 2 + b[1] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Points of the annulus a <= r <= R that each stand for the same area (rings uniform in r^2, nt angles each). */
export function annulusPoints({ a, R }, nr = 60, nt = 120) {
  const points = [];
  for (let i = 0; i < nr; i++) {
    const r = Math.sqrt(a * a + ((i + 0.5) * (R * R - a * a)) / nr);
    for (let j = 0; j < nt; j++)
      points.push([r * Math.cos((2 * Math.PI * j) / nt), r * Math.sin((2 * Math.PI * j) / nt)]);
  }
  return points;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at2 = args.indexOf('--order');
  const order = at2 >= 0 && args[at2 + 1] === '2' ? 2 : 1;
  if (at2 >= 0) args.splice(at2, 2);
  const dir = args[0];
  const coeffs = coefficients(PROBLEM, order);
  const at = (which) => (p) => scattered(coeffs, PROBLEM.k, p[0], p[1], which);
  if (!dir) {
    const d = distance(annulusPoints(PROBLEM), at('truncated'), at('mie'));
    console.log(
      `order-${order} condition at R = ${PROBLEM.R}: truncated problem L2 relative ${d.toExponential(2)} from the Mie series`,
    );
  } else {
    const { col, rows, phasor } = readFieldRows(dir);
    const points = rows.filter((v) => {
      const r = Math.hypot(v[col.x], v[col.y]);
      return r >= PROBLEM.a && r <= PROBLEM.R;
    });
    const run = (v) => [v[phasor[0]], v[phasor[1]]];
    const exact = (which) => (v) => scattered(coeffs, PROBLEM.k, v[col.x], v[col.y], which);
    console.log(
      JSON.stringify({
        truncated: distance(points, run, exact('truncated')),
        mie: distance(points, run, exact('mie')),
      }),
    );
  }
}
