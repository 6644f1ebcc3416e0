// The reference of bench/electromagnetics/pec-cylinder.yaml (scripts/pec-cylinder.mjs): the Mie
// series meets the PEC data and the Helmholtz equation; the truncated solution meets the
// first-order condition at R; their distance is the 2.1e-2 issue 17 quotes for k a = pi.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annulusPoints, coefficients, PROBLEM, scattered } from '../../scripts/pec-cylinder.mjs';

const { k, a, R } = PROBLEM;
const coeffs = coefficients(PROBLEM);
const u = (x, y, which) => scattered(coeffs, k, x, y, which);

test('pec-cylinder reference: both fields equal -exp(i k x) on the cylinder', () => {
  for (let j = 0; j < 16; j++) {
    const [x, y] = [a * Math.cos(j / 2.5), a * Math.sin(j / 2.5)];
    for (const which of ['mie', 'truncated']) {
      const v = u(x, y, which);
      assert.ok(Math.hypot(v[0] + Math.cos(k * x), v[1] + Math.sin(k * x)) < 1e-10, `${which} at ${x}, ${y}`);
    }
  }
});

test('pec-cylinder reference: Helmholtz inside, the first-order condition at R, 2.1e-2 from Mie', () => {
  const h = 1e-4;
  const lapPlusK2 = (x, y, which, part) => {
    const f = (dx, dy) => u(x + dx, y + dy, which)[part];
    return (f(h, 0) + f(-h, 0) + f(0, h) + f(0, -h) - 4 * f(0, 0)) / (h * h) + k * k * f(0, 0);
  };
  for (const which of ['mie', 'truncated'])
    for (const part of [0, 1]) assert.ok(Math.abs(lapPlusK2(0.6, 0.7, which, part)) < 1e-3 * k * k, which);
  // dn(u) = (i k - 1/(2R)) u on r = R, by a central difference along the radius.
  const theta = 0.7;
  const at = (r) => u(r * Math.cos(theta), r * Math.sin(theta), 'truncated');
  const [v, plus, minus] = [at(R), at(R + h), at(R - h)];
  const dn = [(plus[0] - minus[0]) / (2 * h), (plus[1] - minus[1]) / (2 * h)];
  const want = [-v[0] / (2 * R) - k * v[1], k * v[0] - v[1] / (2 * R)];
  assert.ok(Math.hypot(dn[0] - want[0], dn[1] - want[1]) < 1e-5 * Math.hypot(...want) + 1e-6);
  let [num, den] = [0, 0];
  for (const [x, y] of annulusPoints(PROBLEM)) {
    const [t, m] = [u(x, y, 'truncated'), u(x, y, 'mie')];
    num += (t[0] - m[0]) ** 2 + (t[1] - m[1]) ** 2;
    den += m[0] ** 2 + m[1] ** 2;
  }
  const d = Math.sqrt(num / den);
  assert.ok(d > 2.0e-2 && d < 2.2e-2, `truncated vs Mie ${d}`);
});

test('pec-cylinder reference: the second-order condition of `absorbing` at R, 5.2e-4 from Mie', () => {
  const second = coefficients(PROBLEM, 2);
  const v2 = (r, theta) => scattered(second, k, r * Math.cos(theta), r * Math.sin(theta), 'truncated');
  // 2 (kappa - i k) dn(u) = (2 k^2 + 3 i k kappa - 3 kappa^2 / 4) u + u_ss on r = R, kappa = 1/R,
  // u_ss the second derivative along the circle; both by central differences.
  const [h, theta, kappa] = [1e-4, 0.7, 1 / R];
  const v = v2(R, theta);
  const dn = [0, 1].map((p) => (v2(R + h, theta)[p] - v2(R - h, theta)[p]) / (2 * h));
  const dt = h / R;
  const uss = [0, 1].map((p) => (v2(R, theta + dt)[p] + v2(R, theta - dt)[p] - 2 * v[p]) / (h * h));
  const lhs = [2 * kappa * dn[0] + 2 * k * dn[1], 2 * kappa * dn[1] - 2 * k * dn[0]];
  const c = [2 * k * k - 0.75 * kappa * kappa, 3 * k * kappa];
  const rhs = [c[0] * v[0] - c[1] * v[1] + uss[0], c[0] * v[1] + c[1] * v[0] + uss[1]];
  assert.ok(Math.hypot(lhs[0] - rhs[0], lhs[1] - rhs[1]) < 1e-4 * Math.hypot(...rhs), `${lhs} vs ${rhs}`);
  let [num, den] = [0, 0];
  for (const [x, y] of annulusPoints(PROBLEM)) {
    const [t, m] = [scattered(second, k, x, y, 'truncated'), u(x, y, 'mie')];
    num += (t[0] - m[0]) ** 2 + (t[1] - m[1]) ** 2;
    den += m[0] ** 2 + m[1] ** 2;
  }
  const d = Math.sqrt(num / den);
  assert.ok(d > 4e-4 && d < 6e-4, `order-2 truncated vs Mie ${d}`);
});
