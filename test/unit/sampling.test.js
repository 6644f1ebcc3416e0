import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../dist/util/random.js';
import {
  makeSampler,
  sobolSequence,
  radicalInverse,
  gridShape,
  MAX_QMC_DIM,
} from '../../dist/problem/sampling/samplers.js';

const KINDS = /** @type {const} */ (['uniform', 'lhs', 'halton', 'hammersley', 'sobol', 'grid']);

/** Largest |fraction of points in [0,a)x[0,b) - a*b| over a grid of anchored boxes (star-discrepancy proxy). */
function anchoredDiscrepancy(points, steps = 32) {
  const n = points.length / 2;
  let worst = 0;
  for (let i = 1; i <= steps; i++) {
    for (let j = 1; j <= steps; j++) {
      const a = i / steps;
      const b = j / steps;
      let count = 0;
      for (let k = 0; k < n; k++) if (points[2 * k] < a && points[2 * k + 1] < b) count++;
      worst = Math.max(worst, Math.abs(count / n - a * b));
    }
  }
  return worst;
}

test('rng: deterministic, in [0,1), roughly uniform, state round-trips', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 10000 }, () => a.next());
  assert.deepEqual(
    xs.slice(0, 100),
    Array.from({ length: 100 }, () => b.next()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.003, `variance ${variance}`);

  const c = createRng(7);
  c.next();
  const saved = c.getState();
  const next = [c.next(), c.next(), c.next()];
  const d = createRng(999);
  d.setState(saved);
  assert.deepEqual([d.next(), d.next(), d.next()], next);
  assert.notEqual(createRng(1).next(), createRng(2).next());
  assert.throws(() => d.setState([1, 2, 3]), /four 32-bit/);
});

test('sobol: plain sequence equals the Joe-Kuo sequence (scipy, unscrambled)', () => {
  const first = sobolSequence()(8, 3);
  assert.deepEqual(
    Array.from(first),
    [
      0, 0, 0, 0.5, 0.5, 0.5, 0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.375, 0.375, 0.625, 0.875, 0.875, 0.125, 0.625,
      0.125, 0.875, 0.125, 0.625, 0.375,
    ],
  );
  const points = sobolSequence()(1024, 8);
  const row = (i) => Array.from(points.subarray(8 * i, 8 * i + 8));
  assert.deepEqual(
    row(1000),
    [0.2197265625, 0.0966796875, 0.5185546875, 0.6767578125, 0.2802734375, 0.9072265625, 0.0458984375, 0.8994140625],
  );
  assert.deepEqual(
    row(1001),
    [0.7197265625, 0.5966796875, 0.0185546875, 0.1767578125, 0.7802734375, 0.4072265625, 0.5458984375, 0.3994140625],
  );
  assert.deepEqual(
    row(1023),
    [0.0009765625, 0.7529296875, 0.6123046875, 0.1455078125, 0.1865234375, 0.4384765625, 0.1396484375, 0.6181640625],
  );
  assert.ok(MAX_QMC_DIM >= 8);
  assert.throws(() => sobolSequence()(1, MAX_QMC_DIM + 1), /dimension/);
});

test('sobol sampler: digitally shifted points keep the (0,m,2)-net property', () => {
  const points = makeSampler('sobol', createRng(3))(16, 2);
  for (const [nx, ny] of [
    [16, 1],
    [8, 2],
    [4, 4],
    [2, 8],
    [1, 16],
  ]) {
    const cells = new Set();
    for (let k = 0; k < 16; k++) cells.add(`${Math.floor(points[2 * k] * nx)},${Math.floor(points[2 * k + 1] * ny)}`);
    assert.equal(cells.size, 16, `elementary intervals ${nx}x${ny}`);
  }
  assert.notDeepEqual(Array.from(points), Array.from(sobolSequence()(16, 2)));
});

test('every sampler: n points in [0,1)^dim, deterministic per seed, different across seeds', () => {
  for (const kind of KINDS) {
    for (const dim of [1, 2, 3, 4]) {
      const points = makeSampler(kind, createRng(11))(37, dim);
      assert.equal(points.length, 37 * dim, `${kind} ${dim}`);
      assert.ok(
        points.every((x) => x >= 0 && x < 1),
        `${kind} in unit cube`,
      );
      assert.deepEqual(
        Array.from(makeSampler(kind, createRng(11))(37, dim)),
        Array.from(points),
        `${kind} deterministic`,
      );
    }
    const first = makeSampler(kind, createRng(1));
    const second = makeSampler(kind, createRng(2));
    first(5, 2);
    second(5, 2);
    assert.notDeepEqual(Array.from(first(5, 2)), Array.from(second(5, 2)), `${kind} seeds differ`);
  }
});

test('successive calls continue the sequence and give new points', () => {
  for (const kind of /** @type {const} */ (['uniform', 'halton', 'sobol'])) {
    const whole = makeSampler(kind, createRng(5))(32, 2);
    const split = makeSampler(kind, createRng(5));
    const parts = [...split(12, 2), ...split(20, 2)];
    assert.deepEqual(parts, Array.from(whole), kind);
  }
  for (const kind of KINDS) {
    const sampler = makeSampler(kind, createRng(9));
    assert.notDeepEqual(Array.from(sampler(16, 2)), Array.from(sampler(16, 2)), kind);
  }
});

test('lhs: one point in every stratum of every axis', () => {
  const n = 50;
  const points = makeSampler('lhs', createRng(4))(n, 3);
  for (let d = 0; d < 3; d++) {
    const strata = new Set();
    for (let k = 0; k < n; k++) strata.add(Math.floor(points[3 * k + d] * n));
    assert.equal(strata.size, n);
  }
});

test('halton: radical inverses, and a shifted Halton sequence in the first primes', () => {
  assert.equal(radicalInverse(1, 2), 0.5);
  assert.equal(radicalInverse(6, 2), 0.375);
  assert.ok(Math.abs(radicalInverse(5, 3) - 7 / 9) < 1e-15);
  const rng = createRng(8);
  const points = makeSampler('halton', rng)(64, 2);
  // Differences between consecutive points are shift-free (mod 1): check the base-2 and base-3 structure.
  const diff = (k, d) => (((points[2 * k + d] - points[d]) % 1) + 1) % 1;
  for (let k = 1; k < 64; k++) {
    const expected = [(((radicalInverse(k, 2) - radicalInverse(0, 2)) % 1) + 1) % 1, radicalInverse(k, 3)];
    for (let d = 0; d < 2; d++) {
      const got = diff(k, d);
      const want = expected[d];
      assert.ok(Math.min(Math.abs(got - want), 1 - Math.abs(got - want)) < 1e-12, `point ${k} axis ${d}`);
    }
  }
});

test('hammersley: points 1..n of an (n + 1)-point Hammersley set under one shift per call', () => {
  const n = 63;
  const sampler = makeSampler('hammersley', createRng(3));
  const points = sampler(n, 3);
  // Offsets from the first point (k = 1) are shift-free mod 1: radical inverses in bases 2, 3, then (k - 1) / (n + 1).
  const offset = (k, d) => (((points[3 * k + d] - points[d]) % 1) + 1) % 1;
  const close = (a, b) => Math.min(Math.abs(a - b), 1 - Math.abs(a - b)) < 1e-12;
  for (let k = 1; k < n; k++) {
    const want = [
      radicalInverse(k + 1, 2) - radicalInverse(1, 2),
      radicalInverse(k + 1, 3) - radicalInverse(1, 3),
      k / (n + 1),
    ];
    for (let d = 0; d < 3; d++) assert.ok(close(offset(k, d), (want[d] + 1) % 1), `point ${k} axis ${d}`);
  }
  // One dimension: the van der Corput sequence from its second point.
  const line = makeSampler('hammersley', createRng(3))(8, 1);
  for (let k = 1; k < 8; k++) {
    const got = (((line[k] - line[0]) % 1) + 1) % 1;
    assert.ok(close(got, (radicalInverse(k + 1, 2) - 0.5 + 1) % 1), `point ${k}`);
  }
  const hammersley = anchoredDiscrepancy(makeSampler('hammersley', createRng(1))(1024, 2));
  assert.ok(hammersley < 0.006, `hammersley ${hammersley}`);
});

test('grid: nearest regular grid of cell centres, exactly n points', () => {
  const square = makeSampler('grid', createRng(1))(16, 2);
  const expected = [];
  for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) expected.push([(i + 0.5) / 4, (j + 0.5) / 4]);
  const got = [];
  for (let k = 0; k < 16; k++) got.push([square[2 * k], square[2 * k + 1]]);
  assert.deepEqual(got.sort(), expected.sort());

  assert.deepEqual(gridShape(10, 2), [4, 3]);
  assert.deepEqual(gridShape(1000, 3), [10, 10, 10]);
  const sampler = makeSampler('grid', createRng(1));
  const ten = sampler(10, 2);
  assert.equal(ten.length, 20);
  assert.equal(new Set(Array.from({ length: 10 }, (_, k) => `${ten[2 * k]},${ten[2 * k + 1]}`)).size, 10);
  assert.ok(ten.every((x) => x > 0 && x < 1));
  // A later call: the same spacing, moved inside the cell.
  const moved = sampler(10, 2);
  assert.notDeepEqual(Array.from(moved), Array.from(ten));
  for (let k = 0; k < 10; k++) {
    assert.ok(
      Math.abs(moved[2 * k] * 4 - Math.floor(moved[2 * k] * 4) - (moved[0] * 4 - Math.floor(moved[0] * 4))) < 1e-12,
    );
  }
});

test('quasi-random samplers cover the square more evenly than pseudo-random points', () => {
  const n = 1024;
  const sobol = anchoredDiscrepancy(makeSampler('sobol', createRng(1))(n, 2));
  const halton = anchoredDiscrepancy(makeSampler('halton', createRng(1))(n, 2));
  const lhs = anchoredDiscrepancy(makeSampler('lhs', createRng(1))(n, 2));
  const uniform = anchoredDiscrepancy(makeSampler('uniform', createRng(1))(n, 2));
  assert.ok(sobol < 0.006, `sobol ${sobol}`);
  assert.ok(halton < 0.008, `halton ${halton}`);
  assert.ok(sobol < uniform && halton < uniform, `uniform ${uniform}`);
  assert.ok(lhs < 0.05, `lhs ${lhs}`);
});

test('bad requests are rejected', () => {
  const sampler = makeSampler('uniform', createRng(1));
  assert.throws(() => sampler(-1, 2), /non-negative integer/);
  assert.throws(() => sampler(2.5, 2), /non-negative integer/);
  assert.throws(() => sampler(2, 0), /dimension/);
  assert.equal(sampler(0, 2).length, 0);
});
