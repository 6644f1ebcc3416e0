// The absorbing condition's residuals (problem/electromagnetics.ts) on exact waves: an outgoing
// cylindrical wave H0(k r) on a circle, incoming for contrast, and oblique plane waves on a flat side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absorbingResiduals } from '../../dist/problem/electromagnetics.js';
import { evalNumeric, mapExpr, num } from '../../dist/expr/index.js';
import { bessel } from '../../scripts/outgoing-wave.mjs';

const K = 2 * Math.PI;

/**
 * |residual| (both parts) at a boundary point for a complex field given by its value, gradient and
 * Hessian ([re, im] pairs), the outward normal n and the part's curvature.
 */
function residualSize(order, kappa, { u, ux, uy, uxx, uxy, uyy }, n) {
  const values = { '': u, x: ux, y: uy, xx: uxx, xy: uxy, yy: uyy };
  const part = (f) => (f === 'Ur' ? 0 : 1);
  const parts = absorbingResiduals(['Ur', 'Ui'], num(K), kappa, order, 2).map((r) =>
    mapExpr(r, (e) => {
      if (e.kind === 'field') return num(values[e.derivs][part(e.field)]);
      if (e.kind === 'dn') return num(n[0] * ux[part(e.field)] + n[1] * uy[part(e.field)]);
      if (e.kind === 'normal') return num(n[e.axis]);
      return e;
    }),
  );
  return Math.hypot(...parts.map((p) => evalNumeric(p, { value: () => NaN, tolerance: 0 })));
}

/** H0^(1) (or H0^(2) when incoming) of k r at (x, y), with its derivatives. */
function cylindrical(x, y, incoming = false) {
  const r = Math.hypot(x, y);
  const { j0, j1, y0, y1 } = bessel(K * r);
  const s = incoming ? -1 : 1;
  const f = [j0, s * y0];
  const d1 = [-K * j1, -s * K * y1];
  // Bessel's equation of order 0: f'' = -f'/r - k^2 f.
  const d2 = [0, 1].map((i) => -d1[i] / r - K * K * f[i]);
  const at = (g) => [0, 1].map((i) => g(i));
  return {
    u: f,
    ux: at((i) => (d1[i] * x) / r),
    uy: at((i) => (d1[i] * y) / r),
    uxx: at((i) => (d2[i] * x * x) / (r * r) + d1[i] * (1 / r - (x * x) / r ** 3)),
    uxy: at((i) => (d2[i] * x * y) / (r * r) - (d1[i] * x * y) / r ** 3),
    uyy: at((i) => (d2[i] * y * y) / (r * r) + d1[i] * (1 / r - (y * y) / r ** 3)),
  };
}

test('absorbing on a circle: order 2 is nearly exact for the outgoing wave, order 1 less so; incoming waves are not absorbed', () => {
  const R = 1.5;
  for (const theta of [0, 0.7, 2.5]) {
    const [x, y] = [R * Math.cos(theta), R * Math.sin(theta)];
    const n = [x / R, y / R];
    const out = cylindrical(x, y);
    const [first, second] = [1, 2].map((order) => residualSize(order, 1 / R, out, n));
    const incoming = residualSize(2, 1 / R, cylindrical(x, y, true), n);
    // |u| ~ 0.2 here: order 1 leaves an O(1/(k R)^2) relative residual, order 2 an O(1/(k R)^3) one.
    assert.ok(first > 1e-4 && first < 2e-2, `order 1 residual ${first}`);
    assert.ok(second < first / 20, `order 2 residual ${second} vs order 1 ${first}`);
    assert.ok(incoming > 0.1, `incoming wave residual ${incoming}`);
  }
});

test('absorbing on a flat side: exact for a normally incident plane wave, order 2 better at oblique incidence', () => {
  const wave = (angle) => {
    const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
    // exp(i k (x cx + y cy)) at (1, 0.3): value and derivatives.
    const phase = K * (cx + 0.3 * cy);
    const u = [Math.cos(phase), Math.sin(phase)];
    const mulI = (c) => [-c * u[1], c * u[0]]; // i c u
    const mulNeg = (c) => [-c * u[0], -c * u[1]]; // -c u
    return {
      u,
      ux: mulI(K * cx),
      uy: mulI(K * cy),
      uxx: mulNeg(K * K * cx * cx),
      uxy: mulNeg(K * K * cx * cy),
      uyy: mulNeg(K * K * cy * cy),
    };
  };
  for (const order of [1, 2]) assert.ok(residualSize(order, 0, wave(0), [1, 0]) < 1e-12);
  const [first, second] = [1, 2].map((order) => residualSize(order, 0, wave(0.3), [1, 0]));
  assert.ok(first > 0.1 && second < first / 10, `oblique: order 1 ${first}, order 2 ${second}`);
});
