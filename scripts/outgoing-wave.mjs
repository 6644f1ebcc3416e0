#!/usr/bin/env node
// The outgoing cylindrical wave u = H0(k r) / H0(k a) (H0 = J0 + i Y0, time factor exp(-i w t)),
// u = 1 on the circle r = a, against which bench/electromagnetics/outgoing-wave.yaml is checked.
//
//   node scripts/outgoing-wave.mjs [--k K]          the truncated problem solved exactly, per order
//                                                   of the absorbing condition: its L2 error
//   node scripts/outgoing-wave.mjs RUN_DIR [--k K]  a run's fields.csv (x, y, Ur, Ui or Ezr, Ezi): L2
//                                                   relative error of the real and imaginary parts
//                                                   and of u against u, over a <= r <= R
// (k = 2 pi, a = 0.5, R = 1.5 as in bench/electromagnetics/outgoing-wave.yaml unless --k says otherwise.)
// Bessel functions by their power series (exact to ~1e-12 for x < 15), no dependencies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const GAMMA = 0.5772156649015329;

/** J0, J1, Y0, Y1 at x > 0 by their series. */
export function bessel(x) {
  const q = (x * x) / 4;
  let [j0, j1, y0s, y1s] = [0, 0, 0, 0];
  let term0 = 1; // (-q)^m / (m!)^2
  let harmonic = 0; // H_m
  for (let m = 0; m < 200; m++) {
    if (m > 0) {
      term0 *= -q / (m * m);
      harmonic += 1 / m;
    }
    const term1 = (term0 * (x / 2)) / (m + 1); // (-1)^m (x/2)^(2m+1) / (m! (m+1)!)
    j0 += term0;
    j1 += term1;
    y0s += -term0 * harmonic;
    y1s += term1 * (2 * harmonic + 1 / (m + 1));
    if (Math.abs(term0) < 1e-18 && m > x) break;
  }
  const log = Math.log(x / 2) + GAMMA;
  const y0 = (2 / Math.PI) * (log * j0 + y0s);
  const y1 = (2 / Math.PI) * log * j1 - 2 / (Math.PI * x) - y1s / Math.PI;
  return { j0, j1, y0, y1 };
}

/** @typedef {[number, number]} Complex a complex number as [real, imaginary] */

/** @type {(p: Complex, q: Complex) => Complex} */
export const cmul = ([a, b], [c, d]) => [a * c - b * d, a * d + b * c];
/** @type {(p: Complex, q: Complex) => Complex} */
export const cdiv = ([a, b], [c, d]) => {
  const n = c * c + d * d;
  return [(a * c + b * d) / n, (b * c - a * d) / n];
};
/** @type {(p: Complex, q: Complex) => Complex} */
export const cadd = ([a, b], [c, d]) => [a + c, b + d];
/** @type {(p: Complex, q: Complex) => Complex} */
export const csub = ([a, b], [c, d]) => [a - c, b - d];

/**
 * H0^(1)(kr) and H0^(2)(kr) with their r-derivatives (H0' = -k H1).
 * @param {number} k
 * @param {number} r
 * @returns {{ h1: Complex, h2: Complex, dh1: Complex, dh2: Complex }}
 */
function hankels(k, r) {
  const { j0, j1, y0, y1 } = bessel(k * r);
  return { h1: [j0, y0], h2: [j0, -y0], dh1: [-k * j1, -k * y1], dh2: [-k * j1, k * y1] };
}

/** The exact outgoing wave H0(k r) / H0(k a). */
export function outgoing(k, a, r) {
  return cdiv(hankels(k, r).h1, hankels(k, a).h1);
}

/**
 * The radial solution of the truncated problem: u = A H0^(1) + B H0^(2) with u(a) = 1 and the
 * absorbing condition of the given order at R (a radial field: u_ss = 0), dn(u) = beta u with
 * beta = i k - 1/(2R) (order 1) or (2 k^2 + 3 i k/R - 3/(4 R^2)) / (2 (1/R - i k)) (order 2).
 */
export function truncated(k, a, R, order) {
  const kappa = 1 / R;
  /** @type {Complex} */
  const beta =
    order === 1 ? [-kappa / 2, k] : cdiv([2 * k * k - 0.75 * kappa * kappa, 3 * k * kappa], [2 * kappa, -2 * k]);
  const out = hankels(k, R);
  const inn = hankels(k, a);
  // B2 (dh2 - beta h2) = -A (dh1 - beta h1) at R; A h1(a) + B h2(a) = 1.
  const ratio = cdiv(csub(cmul(beta, out.h1), out.dh1), csub(out.dh2, cmul(beta, out.h2))); // B / A
  const A = cdiv([1, 0], cadd(inn.h1, cmul(ratio, inn.h2)));
  return (r) => {
    const h = hankels(k, r);
    return cadd(cmul(A, h.h1), cmul(cmul(A, ratio), h.h2));
  };
}

export const PROBLEM = { k: 2 * Math.PI, a: 0.5, R: 1.5 };

/** L2 relative error over an annulus (polar midpoint rule), of u against the outgoing wave. */
function annulusError(u, { k, a, R }) {
  let [num, den] = [0, 0];
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const r = a + ((i + 0.5) * (R - a)) / n;
    const [e, v] = [outgoing(k, a, r), u(r)];
    num += r * ((v[0] - e[0]) ** 2 + (v[1] - e[1]) ** 2);
    den += r * (e[0] ** 2 + e[1] ** 2);
  }
  return Math.sqrt(num / den);
}

/**
 * A run's fields.csv: each column's index by name, and the rows as numbers.
 * @param {string} dir
 */
export function readFieldRows(dir) {
  const [head, ...lines] = readFileSync(join(dir, 'fields.csv'), 'utf8').trim().split('\n');
  /** @type {Record<string, number>} */
  const col = Object.fromEntries(head.split(',').map((c, i) => [c, i]));
  return { col, rows: lines.map((l) => l.split(',').map(Number)), phasor: phasorColumns(col) };
}

/**
 * The columns of the complex field's real and imaginary parts: Ur, Ui as the hand-written specs
 * name them, or Ezr, Ezi of maxwell-harmonic's complex form.
 * @param {Record<string, number>} col
 * @returns {[number, number]}
 */
function phasorColumns(col) {
  const pair = [
    ['Ur', 'Ui'],
    ['Ezr', 'Ezi'],
  ].find(([re, im]) => re in col && im in col);
  if (!pair) throw new Error('fields.csv has neither Ur, Ui nor Ezr, Ezi columns');
  return [col[pair[0]], col[pair[1]]];
}

/** Errors over a <= r <= R (a PML run's box holds more: its layer and corners are left out). */
function runErrors(dir, { k, a, R }) {
  const { col, rows, phasor } = readFieldRows(dir);
  const sums = { Ur: [0, 0], Ui: [0, 0], u: [0, 0] };
  for (const v of rows) {
    const r = Math.hypot(v[col.x], v[col.y]);
    if (r < a || r > R) continue;
    const [er, ei] = outgoing(k, a, r);
    const [dr, di] = [v[phasor[0]] - er, v[phasor[1]] - ei];
    sums.Ur[0] += dr * dr;
    sums.Ur[1] += er * er;
    sums.Ui[0] += di * di;
    sums.Ui[1] += ei * ei;
  }
  sums.u = [sums.Ur[0] + sums.Ui[0], sums.Ur[1] + sums.Ui[1]];
  return Object.fromEntries(Object.entries(sums).map(([f, [n, d]]) => [f, Math.sqrt(n / d)]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const kAt = args.indexOf('--k');
  const problem = kAt >= 0 ? { ...PROBLEM, k: Number(args[kAt + 1]) } : PROBLEM;
  const dir = args.find((a, i) => !a.startsWith('--') && (kAt < 0 || i !== kAt + 1));
  if (dir) console.log(JSON.stringify(runErrors(dir, problem)));
  else
    for (const order of [1, 2]) {
      const error = annulusError(truncated(problem.k, problem.a, problem.R, order), problem);
      console.log(`order ${order}: truncated problem L2 relative ${error.toExponential(2)}`);
    }
}
