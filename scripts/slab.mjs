#!/usr/bin/env node
// A plane wave exp(i k x) (time factor exp(-i w t), k = omega) at normal incidence on a lossy
// dielectric slab |x| < d of complex permittivity eps, in vacuum: the closed-form field against
// which problems/lossy-slab.yaml is checked. The total field is exp(i k x) + R exp(-i k x) left of
// the slab, A exp(i q x) + B exp(-i q x) in it (q = omega sqrt(eps)) and T exp(i k x) right of it,
// with the field and its x-derivative continuous at x = -d and x = d; the scattered field is the
// total field minus exp(i k x).
//
//   node scripts/slab.mjs [--omega W] [--eps RE,IM] [--d D]   prints R, T and the scattered field's
//                                                           `exact:` block (the example's slab by default)
import { cadd, cdiv, cmul, csub } from './outgoing-wave.mjs';

/** @typedef {[number, number]} Complex a complex number as [real, imaginary] */

/** The example's slab: omega = 2 pi, eps = 4 + i, d = 0.25. */
export const SLAB = { omega: 2 * Math.PI, eps: /** @type {Complex} */ ([4, 1]), d: 0.25 };

/** @param {Complex} z */
const cexp = ([re, im]) => /** @type {Complex} */ ([Math.exp(re) * Math.cos(im), Math.exp(re) * Math.sin(im)]);
/** @param {Complex} z */
function csqrt([re, im]) {
  const m = Math.hypot(re, im);
  return /** @type {Complex} */ ([Math.sqrt((m + re) / 2), Math.sign(im || 1) * Math.sqrt((m - re) / 2)]);
}
/** i z */
const ci = ([re, im]) => /** @type {Complex} */ ([-im, re]);

/**
 * The solution of a complex linear system by Gaussian elimination with partial pivoting.
 * @param {Complex[][]} m the augmented matrix, modified in place
 */
function solve(m) {
  const n = m.length;
  for (let c = 0; c < n; c++) {
    const p = m
      .slice(c)
      .reduce((best, row, i) => (Math.hypot(...row[c]) > Math.hypot(...m[best][c]) ? c + i : best), c);
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = cdiv(m[r][c], m[c][c]);
      for (let j = c; j <= n; j++) m[r][j] = csub(m[r][j], cmul(f, m[c][j]));
    }
  }
  const x = /** @type {Complex[]} */ (new Array(n));
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let j = r + 1; j < n; j++) s = csub(s, cmul(m[r][j], x[j]));
    x[r] = cdiv(s, m[r][r]);
  }
  return x;
}

/**
 * R, A, B, T of the slab from the four continuity conditions, with k and q.
 * @param {{ omega: number, eps: Complex, d: number }} slab
 */
export function coefficients({ omega, eps, d }) {
  const k = /** @type {Complex} */ ([omega, 0]);
  const q = cmul([omega, 0], csqrt(eps));
  const e = (w, x) => cexp(ci(cmul(w, [x, 0])));
  const neg = ([re, im]) => /** @type {Complex} */ ([-re, -im]);
  const ik = ci(k);
  const iq = ci(q);
  // Unknowns R, A, B, T; rows: u and u' at -d, then at d.
  const rows = [
    [e(neg(k), -d), neg(e(q, -d)), neg(e(neg(q), -d)), [0, 0], neg(e(k, -d))],
    [neg(cmul(ik, e(neg(k), -d))), neg(cmul(iq, e(q, -d))), cmul(iq, e(neg(q), -d)), [0, 0], neg(cmul(ik, e(k, -d)))],
    [[0, 0], e(q, d), e(neg(q), d), neg(e(k, d)), [0, 0]],
    [[0, 0], cmul(iq, e(q, d)), neg(cmul(iq, e(neg(q), d))), neg(cmul(ik, e(k, d))), [0, 0]],
  ];
  const [R, A, B, T] = solve(/** @type {Complex[][]} */ (rows));
  return { R, A, B, T, k, q };
}

/**
 * The scattered field at x (total minus exp(i k x)).
 * @param {ReturnType<typeof coefficients>} c
 * @param {number} d
 * @param {number} x
 */
export function scatteredAt(c, d, x) {
  const e = (w, s) => cexp(ci(cmul(w, [s, 0])));
  const incident = e(c.k, x);
  if (x < -d) return cmul(c.R, e(c.k, -x));
  if (x > d) return cmul(csub(c.T, [1, 0]), incident);
  return csub(cadd(cmul(c.A, e(c.q, x)), cmul(c.B, e(c.q, -x))), incident);
}

/**
 * The scattered field as pinn expressions of x, piecewise: [real part, imaginary part].
 * @param {ReturnType<typeof coefficients>} c
 * @param {number} d
 */
export function exactText(c, d) {
  const n = (v) => +v.toPrecision(12);
  const k = n(c.k[0]);
  const [qr, qi] = c.q.map(n);
  // (cr + i ci)(cos(w x) + i s sin(w x)) * exp(g x), for s = +1 or -1: real part
  // cr cos - s ci sin, imaginary part ci cos + s cr sin.
  const lin = (a, b, w) => `(${n(a)}*cos(${w}*x) ${b < 0 ? '-' : '+'} ${n(Math.abs(b))}*sin(${w}*x))`;
  const term = ([cr, cim], w, s, g) => {
    const damp = g === 0 ? '' : `exp(${n(g)}*x)*`;
    return [`${damp}${lin(cr, -s * cim, w)}`, `${damp}${lin(cim, s * cr, w)}`];
  };
  const left = term(c.R, k, -1, 0);
  const right = term(csub(c.T, [1, 0]), k, 1, 0);
  const a = term(c.A, qr, 1, -qi);
  const b = term(c.B, qr, -1, qi);
  const inc = [`cos(${k}*x)`, `sin(${k}*x)`];
  return [0, 1].map((i) => `x < ${-d} ? ${left[i]} : x > ${d} ? ${right[i]} : ${a[i]} + ${b[i]} - ${inc[i]}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const slab = {
    omega: Number(option('--omega') ?? SLAB.omega),
    eps: /** @type {Complex} */ ((option('--eps') ?? SLAB.eps.join(',')).split(',').map(Number)),
    d: Number(option('--d') ?? SLAB.d),
  };
  const c = coefficients(slab);
  const mag = (z) => Math.hypot(...z);
  console.log(`R = ${c.R.map((v) => v.toPrecision(6)).join(' + i ')} (|R|^2 = ${(mag(c.R) ** 2).toPrecision(6)})`);
  console.log(`T = ${c.T.map((v) => v.toPrecision(6)).join(' + i ')} (|T|^2 = ${(mag(c.T) ** 2).toPrecision(6)})`);
  const [re, im] = exactText(c, slab.d);
  console.log(`exact:\n  Ezr: "${re}"\n  Ezi: "${im}"`);
}
