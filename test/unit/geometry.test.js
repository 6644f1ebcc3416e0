import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../dist/problem/geometry/index.js';
import { createRng } from '../../dist/util/random.js';
import { makeSampler } from '../../dist/problem/sampling/samplers.js';
import { evalNumeric } from '../../dist/expr/numeric.js';

const sobol = (seed = 1) => makeSampler('sobol', createRng(seed));
/** @typedef {import('../../dist/problem/geometry/index.js').BoundarySelector} BoundarySelector */

/** @type {BoundarySelector} */
const ALL = { kind: 'all' };
/** @type {(name: string) => BoundarySelector} */
const named = (name) => ({ kind: 'name', name });
const loc = { file: 'spec.yaml', line: 3, col: 5 };

/** Evaluates a geometry expression (the IR) at a point; shared subtrees are memoized. */
function evaluate(expr, point) {
  const memo = new Map();
  const ev = (e) => {
    if (memo.has(e)) return memo.get(e);
    let v;
    switch (e.kind) {
      case 'num':
        v = e.value;
        break;
      case 'var':
        v = point['xyz'.indexOf(e.name)];
        break;
      case 'neg':
        v = -ev(e.arg);
        break;
      case 'binary': {
        const [l, r] = [ev(e.left), ev(e.right)];
        v = { '+': l + r, '-': l - r, '*': l * r, '/': l / r, '^': l ** r }[e.op];
        break;
      }
      case 'call':
        v = Math[e.fn](...e.args.map(ev));
        break;
      default:
        throw new Error(`unexpected node ${e.kind}`);
    }
    memo.set(e, v);
    return v;
  };
  return ev(expr);
}

function gradientNorm(expr, point, h = 1e-6) {
  let sq = 0;
  for (let a = 0; a < point.length; a++) {
    const plus = point.slice();
    const minus = point.slice();
    plus[a] += h;
    minus[a] -= h;
    sq += ((evaluate(expr, plus) - evaluate(expr, minus)) / (2 * h)) ** 2;
  }
  return Math.sqrt(sq);
}

const rows = (flat, dim) =>
  Array.from({ length: flat.length / dim }, (_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));
const size = (g) => Math.max(...g.bbox.min.map((lo, a) => g.bbox.max[a] - lo));
const near = (p, corners, r) => corners.some((c) => Math.hypot(...c.map((v, a) => v - p[a])) < r);

/** Counts, containment, unit outward normals of a boundary sample. */
function checkBoundary(g, sample, n) {
  const { dim } = g;
  assert.equal(sample.points.length, n * dim);
  assert.equal(sample.normals.length, n * dim);
  const h = 1e-5 * size(g);
  const points = rows(sample.points, dim);
  const normals = rows(sample.normals, dim);
  points.forEach((p, i) => {
    const nrm = normals[i];
    assert.ok(g.contains(p), `boundary point ${p} is contained`);
    assert.ok(Math.abs(Math.hypot(...nrm) - 1) < 1e-12, 'unit normal');
    assert.ok(!g.contains(p.map((v, a) => v + h * nrm[a])), `outside along the normal at ${p}`);
    assert.ok(g.contains(p.map((v, a) => v - h * nrm[a])), `inside against the normal at ${p}`);
  });
  return { points, normals };
}

/**
 * Distance function: zero on the boundary, positive inside, negative outside, unit gradient off corners.
 * @param {G.Geometry} g
 * @param {{ corners?: number[][], outside?: number[][], cornerRadius?: number, skipGradient?: (p: number[]) => boolean }} [options]
 */
function checkDistance(g, { corners = [], outside = [], cornerRadius = 0.05, skipGradient = () => false } = {}) {
  const phi = g.distance();
  const scale = size(g);
  const boundary = rows(g.sampleBoundary(400, sobol(2), ALL).points, g.dim);
  for (const p of boundary) {
    assert.ok(Math.abs(evaluate(phi, p)) < 1e-9 * scale, `phi(${p}) = ${evaluate(phi, p)} on the boundary`);
    if (!near(p, corners, cornerRadius * scale) && !skipGradient(p)) {
      const norm = gradientNorm(phi, p);
      assert.ok(Math.abs(norm - 1) < 1e-4, `|grad phi| = ${norm} at ${p}`);
    }
  }
  for (const p of rows(g.sampleInterior(400, sobol(3)), g.dim)) {
    if (near(p, boundary, 1e-6 * scale)) continue;
    assert.ok(evaluate(phi, p) > 0, `phi(${p}) = ${evaluate(phi, p)} > 0 inside`);
  }
  for (const p of outside) assert.ok(evaluate(phi, p) < 0, `phi(${p}) = ${evaluate(phi, p)} < 0 outside`);
}

test('rectangle: interior, sides, normals, measures', () => {
  const r = G.rectangle([0, -1], [2, 1]);
  assert.deepEqual(r.partNames, ['bottom', 'left', 'right', 'top']);
  assert.equal(r.volume(), 4);
  const interior = rows(r.sampleInterior(500, sobol()), 2);
  assert.equal(interior.length, 500);
  assert.ok(interior.every((p) => p[0] >= 0 && p[0] < 2 && p[1] >= -1 && p[1] < 1));
  const all = r.sampleBoundary(800, sobol(), ALL);
  assert.equal(all.measure, 8);
  const { points } = checkBoundary(r, all, 800);
  // In proportion to length: each side has length 2, so a quarter of the points each.
  const onLeft = points.filter((p) => p[0] === 0).length;
  assert.ok(Math.abs(onLeft / 800 - 0.25) < 0.01, `left share ${onLeft / 800}`);

  for (const [side, axis, value, normal] of /** @type {[string, number, number, number[]][]} */ ([
    ['left', 0, 0, [-1, 0]],
    ['right', 0, 2, [1, 0]],
    ['bottom', 1, -1, [0, -1]],
    ['top', 1, 1, [0, 1]],
  ])) {
    const s = r.sampleBoundary(50, sobol(), named(side));
    assert.equal(s.measure, 2);
    rows(s.points, 2).forEach((p) => assert.equal(p[axis], value));
    rows(s.normals, 2).forEach((nrm) => assert.deepEqual(nrm, normal));
  }
  assert.ok(r.contains([2 + 1e-12, 0]) && !r.contains([2 + 1e-6, 0]));
});

test('interval: end points, counting measure, distance', () => {
  const i = G.interval(-1, 3);
  assert.equal(i.dim, 1);
  assert.equal(i.volume(), 4);
  const all = i.sampleBoundary(6, sobol(), ALL);
  assert.equal(all.measure, 2);
  assert.deepEqual(Array.from(all.points).sort(), [-1, -1, -1, 3, 3, 3]);
  const right = i.sampleBoundary(3, sobol(), named('right'));
  assert.deepEqual(Array.from(right.points), [3, 3, 3]);
  assert.deepEqual(Array.from(right.normals), [1, 1, 1]);
  assert.equal(right.measure, 1);
  const interior = i.sampleInterior(100, sobol());
  assert.ok(interior.every((x) => x >= -1 && x < 3));
  checkDistance(i, { outside: [[-2], [4]] });
  assert.ok(Math.abs(evaluate(i.partDistance(named('left')), [-1])) < 1e-15);
  assert.ok(evaluate(i.partDistance(named('left')), [3]) > 0);
});

test('rectangle and box: the whole boundary of the domain for an exact transform is the product of the slabs', () => {
  const r = G.rectangle([0, -1], [2, 1]);
  const phi = r.partDistance(ALL);
  // Not the R-function conjunction distance() (a cone at each corner): at the centre that is 1 - 1/sqrt(2).
  assert.ok(Math.abs(evaluate(r.distance(), [1, 0]) - (1 - Math.SQRT1_2)) < 1e-12);
  assert.ok(Math.abs(evaluate(phi, [1, 0]) - 0.5) < 1e-12);
  for (const p of rows(r.sampleBoundary(200, sobol(2), ALL).points, 2)) assert.ok(Math.abs(evaluate(phi, p)) < 1e-12);
  for (const p of rows(r.sampleInterior(200, sobol(3)), 2)) assert.ok(evaluate(phi, p) > 0);
  // (x (2 - x) / 2) (1 - y^2) / 2 * (4 / 2)(4 / 2) * (2 / 4): unit slope across the middle of the shorter axis' faces.
  /** @type {(p: number[]) => number} */
  const at = ([x, y]) => (x * (2 - x) * (1 - y * y)) / 2;
  for (const p of [
    [0.3, 0.2],
    [1, 0],
    [1.9, -0.7],
  ])
    assert.ok(Math.abs(evaluate(phi, p) - at(p)) < 1e-12);
  assert.ok(Math.abs(gradientNorm(phi, [1, -1]) - 1) < 1e-6);
  // Smooth at a corner: the product's Hessian there is bounded (the R-function's blows up like 1 / r).
  const h = 1e-4;
  const lap = (p) =>
    (evaluate(phi, [p[0] + h, p[1]]) +
      evaluate(phi, [p[0] - h, p[1]]) +
      evaluate(phi, [p[0], p[1] + h]) +
      evaluate(phi, [p[0], p[1] - h]) -
      4 * evaluate(phi, p)) /
    (h * h);
  assert.ok(Math.abs(lap([1e-3, -1 + 1e-3])) < 3);
  // 3D: vanishes on all six faces, positive inside; a named face keeps its own distance.
  const b = G.box([0, 0, 0], [1, 2, 3]);
  const phi3 = b.partDistance(ALL);
  for (const p of rows(b.sampleBoundary(300, sobol(2), ALL).points, 3)) assert.ok(Math.abs(evaluate(phi3, p)) < 1e-12);
  for (const p of rows(b.sampleInterior(200, sobol(3)), 3)) assert.ok(evaluate(phi3, p) > 0);
  assert.ok(Math.abs(evaluate(b.partDistance(named('left')), [0.25, 1, 1]) - 0.25) < 1e-15);
});

test('box: six named faces, surface area, distance', () => {
  const b = G.box([0, 0, 0], [1, 2, 3]);
  assert.deepEqual(b.partNames, ['back', 'bottom', 'front', 'left', 'right', 'top']);
  assert.equal(b.volume(), 6);
  const all = b.sampleBoundary(600, sobol(), ALL);
  assert.equal(all.measure, 2 * (2 + 3 + 6));
  checkBoundary(b, all, 600);
  const front = b.sampleBoundary(20, sobol(), named('front'));
  assert.equal(front.measure, 3);
  rows(front.points, 3).forEach((p) => assert.equal(p[1], 0));
  rows(front.normals, 3).forEach((nrm) => assert.deepEqual(nrm, [0, -1, 0]));
  const top = b.sampleBoundary(20, sobol(), named('top'));
  rows(top.points, 3).forEach((p) => assert.equal(p[2], 3));
  const edges = [];
  for (const x of [0, 1]) for (const y of [0, 2]) for (const z of [0, 3]) edges.push([x, y, z]);
  checkDistance(b, {
    outside: [
      [-0.5, 1, 1],
      [0.5, 2.5, 1],
      [0.5, 1, 3.2],
    ],
    corners: [],
    cornerRadius: 0,
  });
});

test('disk and sphere: boundary on the circle/sphere, radial normals, measures', () => {
  const d = G.disk([1, 2], 0.5);
  assert.ok(Math.abs(d.volume() - Math.PI / 4) < 1e-15);
  const s = d.sampleBoundary(300, sobol(), ALL);
  assert.equal(s.measure, Math.PI);
  const { points, normals } = checkBoundary(d, s, 300);
  points.forEach((p, i) => {
    assert.ok(Math.abs(Math.hypot(p[0] - 1, p[1] - 2) - 0.5) < 1e-12);
    assert.ok(Math.abs((p[0] - 1) / 0.5 - normals[i][0]) < 1e-12);
  });
  const inside = rows(d.sampleInterior(1000, sobol()), 2);
  assert.equal(inside.length, 1000);
  assert.ok(inside.every((p) => Math.hypot(p[0] - 1, p[1] - 2) <= 0.5));
  checkDistance(d, {
    outside: [
      [1, 2.6],
      [0, 0],
    ],
  });

  const ball = G.sphere([0, 0, 0], 2);
  const b = ball.sampleBoundary(2000, sobol(), ALL);
  assert.ok(Math.abs(b.measure - 16 * Math.PI) < 1e-12);
  const surface = checkBoundary(ball, b, 2000).points;
  const meanZ = surface.reduce((m, p) => m + p[2], 0) / surface.length;
  const upper = surface.filter((p) => p[2] > 1).length / surface.length;
  assert.ok(Math.abs(meanZ) < 0.01, `mean z ${meanZ}`);
  assert.ok(Math.abs(upper - 0.25) < 0.01, `cap share ${upper} (area fraction 1/4)`);
  checkDistance(ball, { outside: [[0, 0, 2.5]] });
});

test('annulus = difference of disks: measure, volume, hole normals, named hole', () => {
  const annulus = G.difference([G.disk([0, 0], 1), G.disk([0, 0], 0.4, 'hole')]);
  assert.deepEqual(annulus.partNames, ['hole']);
  const all = annulus.sampleBoundary(1000, sobol(), ALL);
  assert.ok(Math.abs(all.measure - 2 * Math.PI * 1.4) < 1e-3 * 2 * Math.PI * 1.4, `measure ${all.measure}`);
  checkBoundary(annulus, all, 1000);
  const v = annulus.volume();
  assert.ok(Math.abs(v - Math.PI * (1 - 0.16)) < 0.01 * v, `volume ${v}`);
  const interior = rows(annulus.sampleInterior(1000, sobol()), 2);
  assert.ok(interior.every((p) => Math.hypot(...p) >= 0.4 && Math.hypot(...p) <= 1));

  const hole = annulus.sampleBoundary(100, sobol(), named('hole'));
  assert.ok(Math.abs(hole.measure - 0.8 * Math.PI) < 1e-3);
  const { points, normals } = checkBoundary(annulus, hole, 100);
  // Outward from the annulus on the hole means towards the centre.
  points.forEach((p, i) => {
    assert.ok(Math.abs(Math.hypot(...p) - 0.4) < 1e-12);
    assert.ok(Math.abs(normals[i][0] + p[0] / 0.4) < 1e-12 && Math.abs(normals[i][1] + p[1] / 0.4) < 1e-12);
  });
  checkDistance(annulus, {
    outside: [
      [0, 0],
      [0.2, 0.1],
      [1.2, 0],
    ],
  });

  const phiHole = annulus.partDistance(named('hole'));
  assert.ok(phiHole, 'hole distance');
  points.forEach((p) => assert.ok(Math.abs(evaluate(phiHole, p)) < 1e-12));
  interior.forEach((p) => assert.ok(evaluate(phiHole, p) >= 0));
  assert.ok(evaluate(phiHole, [0.9, 0]) > 0.1, 'does not vanish on the outer circle');
});

test('L-shape as a difference of rectangles', () => {
  const L = G.difference([G.rectangle([0, 0], [2, 2], 'outer'), G.rectangle([1, 1], [2, 2], 'notch')]);
  const all = L.sampleBoundary(2000, sobol(), ALL);
  assert.ok(Math.abs(all.measure - 8) < 0.01, `perimeter ${all.measure}`);
  checkBoundary(L, all, 2000);
  assert.ok(Math.abs(L.volume() - 3) < 0.01, `area ${L.volume()}`);
  const interior = rows(L.sampleInterior(1000, sobol()), 2);
  assert.equal(interior.length, 1000);
  assert.ok(interior.every((p) => !(p[0] > 1 && p[1] > 1)));
  // Each unit of perimeter gets its share: the right side below the notch has length 1.
  const rightShare = rows(all.points, 2).filter((p) => p[0] === 2).length / 2000;
  assert.ok(Math.abs(rightShare - 1 / 8) < 0.01, `right share ${rightShare}`);

  const notch = L.sampleBoundary(100, sobol(), named('notch'));
  assert.ok(Math.abs(notch.measure - 2) < 0.01);
  const notchPoints = checkBoundary(L, notch, 100).points;
  assert.ok(notchPoints.every((p) => (p[0] === 1 && p[1] >= 1) || (p[1] === 1 && p[0] >= 1)));
  const top = L.sampleBoundary(100, sobol(), named('top'));
  assert.ok(Math.abs(top.measure - 1) < 0.01);
  assert.ok(rows(top.points, 2).every((p) => p[1] === 2 && p[0] <= 1));

  checkDistance(L, {
    corners: [
      [0, 0],
      [2, 0],
      [2, 1],
      [1, 1],
      [1, 2],
      [0, 2],
    ],
    outside: [
      [1.5, 1.5],
      [-0.5, 1],
      [1, 2.5],
    ],
  });
  const phiTop = L.partDistance(named('top'));
  assert.ok(phiTop);
  assert.equal(evaluate(phiTop, [0.5, 2]), 0);
  assert.ok(evaluate(phiTop, [1.5, 1]) > 0);
  // The outer square's distance vanishes on its kept edges and on the notch's outer edges, which are not in the domain.
  const phiOuter = L.partDistance(named('outer'));
  assert.ok(phiOuter);
  rows(L.sampleBoundary(100, sobol(), named('outer')).points, 2).forEach((p) =>
    assert.ok(Math.abs(evaluate(phiOuter, p)) < 1e-12),
  );
  assert.ok(evaluate(phiOuter, [1.5, 1]) > 0 && evaluate(phiOuter, [1, 1.5]) > 0);
  const phiNotch = L.partDistance(named('notch'));
  assert.ok(phiNotch);
  notchPoints.forEach((p) => assert.ok(Math.abs(evaluate(phiNotch, p)) < 1e-12));
  interior.forEach((p) => assert.ok(evaluate(phiNotch, p) > 0));
  assert.ok(L.partDistance(ALL));
  assert.equal(L.partDistance({ kind: 'predicate', test: () => true }), undefined);
});

test('L-shape as a union: coincident edges are counted once', () => {
  const L = G.union([G.rectangle([0, 0], [2, 1]), G.rectangle([0, 0], [1, 2])]);
  const all = L.sampleBoundary(4000, sobol(), ALL);
  assert.ok(Math.abs(all.measure - 8) < 0.01, `perimeter ${all.measure}`);
  const { points } = checkBoundary(L, all, 4000);
  const bottomShare = points.filter((p) => p[1] === 0).length / 4000;
  assert.ok(Math.abs(bottomShare - 2 / 8) < 0.01, `bottom share ${bottomShare}`);
  assert.ok(
    points.every((p) => !(p[0] === 1 && p[1] < 1) && !(p[1] === 1 && p[0] < 1)),
    'no interior seams',
  );
  assert.ok(Math.abs(L.volume() - 3) < 0.01);
  const left = L.sampleBoundary(100, sobol(), named('left'));
  assert.ok(Math.abs(left.measure - 2) < 0.01, `left ${left.measure}`);
  // Where the two rectangles' edges coincide, both R-function arguments vanish: phi is zero there but not normalized.
  const coincident = (p) => (p[0] === 0 && p[1] <= 1) || (p[1] === 0 && p[0] <= 1);
  checkDistance(L, {
    corners: [
      [0, 0],
      [2, 0],
      [2, 1],
      [1, 1],
      [1, 2],
      [0, 2],
    ],
    outside: [
      [1.5, 1.5],
      [-0.5, 0.5],
    ],
    skipGradient: coincident,
  });
});

test('intersection: half disk', () => {
  const half = G.intersection([G.disk([0, 0], 1), G.rectangle([-2, 0], [2, 2])]);
  assert.deepEqual(half.bbox, { min: [-1, 0], max: [1, 1] });
  const all = half.sampleBoundary(2000, sobol(), ALL);
  assert.ok(Math.abs(all.measure - (Math.PI + 2)) < 0.01 * (Math.PI + 2), `measure ${all.measure}`);
  checkBoundary(half, all, 2000);
  assert.ok(Math.abs(half.volume() - Math.PI / 2) < 0.01);
  const bottom = half.sampleBoundary(100, sobol(), named('bottom'));
  assert.ok(Math.abs(bottom.measure - 2) < 0.01);
  checkDistance(half, {
    corners: [
      [-1, 0],
      [1, 0],
    ],
    outside: [
      [0, -0.5],
      [0, 1.5],
    ],
  });
});

test('3D: box minus sphere', () => {
  const g = G.difference([G.box([-1, -1, -1], [1, 1, 1]), G.sphere([0, 0, 0], 0.5, 'cavity')]);
  const all = g.sampleBoundary(3000, sobol(), ALL);
  const exact = 24 + Math.PI;
  assert.ok(Math.abs(all.measure - exact) < 0.01 * exact, `area ${all.measure}`);
  checkBoundary(g, all, 3000);
  const exactVolume = 8 - (4 / 3) * Math.PI * 0.125;
  assert.ok(Math.abs(g.volume() - exactVolume) < 0.01 * exactVolume);
  const cavity = g.sampleBoundary(200, sobol(), named('cavity'));
  assert.ok(Math.abs(cavity.measure - Math.PI) < 0.01 * Math.PI);
  checkDistance(g, {
    outside: [
      [0, 0, 0],
      [0, 0, 1.5],
    ],
    cornerRadius: 0.06,
    corners: cubeEdgePoints(),
  });
  assert.ok(g.partDistance(named('cavity')));
});

/** Points along the cube's edges, so boundary checks skip them. */
function cubeEdgePoints() {
  const out = [];
  for (let t = -1; t <= 1; t += 0.01) {
    for (const a of [-1, 1]) for (const b of [-1, 1]) out.push([t, a, b], [a, t, b], [a, b, t]);
  }
  return out;
}

test('polygons: nonconvex, either orientation, exact measure and area', () => {
  const lVertices = [
    [0, 0],
    [2, 0],
    [2, 1],
    [1, 1],
    [1, 2],
    [0, 2],
  ];
  for (const vertices of [lVertices, lVertices.slice().reverse()]) {
    const p = G.polygon(vertices);
    assert.equal(p.volume(), 3);
    const all = p.sampleBoundary(800, sobol(), ALL);
    assert.equal(all.measure, 8);
    checkBoundary(p, all, 800);
    const interior = rows(p.sampleInterior(500, sobol()), 2);
    assert.ok(interior.every((q) => !(q[0] > 1 && q[1] > 1)));
    checkDistance(p, {
      corners: lVertices,
      outside: [
        [1.5, 1.5],
        [3, 0.5],
        [-0.1, 1],
      ],
    });
  }
  assert.throws(
    () =>
      G.polygon([
        [0, 0],
        [2, 2],
        [2, 0],
        [0, 1],
      ]),
    /not simple/,
  );
  assert.throws(
    () =>
      G.polygon([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    /non-zero area/,
  );
});

test('polygon distance: star, comb and spiral-like shapes', () => {
  const star = Array.from({ length: 10 }, (_, k) => {
    const r = k % 2 === 0 ? 1 : 0.4;
    const t = (Math.PI * k) / 5;
    return [r * Math.cos(t), r * Math.sin(t)];
  });
  const comb = [
    [0, 0],
    [5, 0],
    [5, 3],
    [4, 3],
    [4, 1],
    [3, 1],
    [3, 3],
    [2, 3],
    [2, 1],
    [1, 1],
    [1, 3],
    [0, 3],
  ];
  const spiral = [
    [0, 0],
    [4, 0],
    [4, 4],
    [1, 4],
    [1, 2],
    [2, 2],
    [2, 3],
    [3, 3],
    [3, 1],
    [0, 1],
  ];
  for (const [name, vertices, outside] of /** @type {[string, number[][], number[][]][]} */ ([
    [
      'star',
      star,
      [
        [0.6 * Math.cos(Math.PI / 5), 0.6 * Math.sin(Math.PI / 5)],
        [1.2, 0],
      ],
    ],
    [
      'comb',
      comb,
      [
        [1.5, 2],
        [3.5, 2],
        [2.5, 3.5],
      ],
    ],
    [
      'spiral',
      spiral,
      [
        [2.5, 2.5],
        [1.5, 1.5],
        [0.5, 3],
      ],
    ],
  ])) {
    const p = G.polygon(vertices);
    const perimeter = vertices.reduce(
      (s, v, i) => s + Math.hypot(...v.map((c, a) => c - vertices[(i + 1) % vertices.length][a])),
      0,
    );
    const all = p.sampleBoundary(1000, sobol(), ALL);
    assert.ok(Math.abs(all.measure - perimeter) < 1e-12, name);
    checkBoundary(p, all, 1000);
    checkDistance(p, { corners: vertices, outside, cornerRadius: 0.02 });
  }
});

test('selectors: predicates, unknown names, empty parts', () => {
  const r = G.rectangle([0, 0], [1, 1]);
  const right = r.sampleBoundary(400, sobol(), { kind: 'predicate', test: (p) => p[0] > 0.5 });
  // Right side (1) plus the right halves of bottom and top (0.5 each).
  assert.ok(Math.abs(right.measure - 2) < 0.01, `measure ${right.measure}`);
  assert.ok(rows(right.points, 2).every((p) => p[0] > 0.5));
  assert.throws(() => r.sampleBoundary(10, sobol(), { kind: 'predicate', test: (p) => p[0] > 5 }), /has no points/);
  assert.throws(() => r.sampleBoundary(10, sobol(), named('inlet')), /has no points.*known: bottom, left, right, top/);
  // The left side is cut away entirely.
  const cut = G.difference([r, G.rectangle([-1, -1], [0.5, 2])]);
  assert.throws(() => cut.sampleBoundary(10, sobol(), named('left')), /boundary part 'left' has no points/);
  const ends = G.union([G.interval(0, 1), G.interval(1, 2)]);
  assert.equal(ends.sampleBoundary(4, sobol(), ALL).measure, 2);
  assert.deepEqual(Array.from(ends.sampleBoundary(4, sobol(), ALL).points).sort(), [0, 0, 2, 2]);
  assert.equal(G.union([G.interval(0, 1), G.interval(2, 3)]).sampleBoundary(4, sobol(), ALL).measure, 4);
});

test('partDistance: sides and whole named shapes; undefined where it would vanish inside', () => {
  const r = G.rectangle([0, 0], [2, 1], 'plate');
  const left = r.partDistance(named('left'));
  const top = r.partDistance(named('top'));
  assert.equal(evaluate(left, [0, 0.3]), 0);
  assert.equal(evaluate(top, [1.5, 1]), 0);
  assert.ok(evaluate(left, [1, 0.5]) > 0 && evaluate(top, [1, 0.5]) > 0);
  assert.ok(Math.abs(gradientNorm(left, [0, 0.5]) - 1) < 1e-9);
  // The whole shape by name is its whole boundary: the product of the slabs (see the test above).
  assert.deepEqual(r.partDistance(named('plate')), r.partDistance(ALL));
  assert.equal(r.partDistance(named('nothing')), undefined);
  // A named child of a union whose boundary partly lies inside the union.
  const overlapping = G.union([G.disk([0, 0], 1, 'a'), G.disk([1, 0], 1, 'b')]);
  assert.equal(overlapping.partDistance(named('a')), undefined);
  const a = overlapping.sampleBoundary(200, sobol(), named('a'));
  assert.ok(rows(a.points, 2).every((p) => p[0] <= 0.5 + 1e-9));
});

test('sampling is deterministic per seed and resampling gives new points', () => {
  const g = G.difference([
    G.disk([0, 0], 1),
    G.polygon([
      [-0.3, -0.3],
      [0.3, -0.3],
      [0, 0.4],
    ]),
  ]);
  for (const kind of /** @type {const} */ (['uniform', 'lhs', 'halton', 'sobol', 'grid'])) {
    const s1 = makeSampler(kind, createRng(5));
    const s2 = makeSampler(kind, createRng(5));
    const a = g.sampleInterior(300, s1);
    assert.deepEqual(Array.from(a), Array.from(g.sampleInterior(300, s2)), kind);
    assert.equal(a.length, 600);
    assert.ok(
      rows(a, 2).every((p) => g.contains(p)),
      kind,
    );
    assert.notDeepEqual(Array.from(g.sampleInterior(300, s1)), Array.from(a), kind);
    const b = g.sampleBoundary(200, s1, ALL);
    checkBoundary(g, b, 200);
  }
});

test('buildGeometry: spec nodes, names, located errors', () => {
  const g = G.buildGeometry({
    kind: 'difference',
    loc,
    children: [
      { kind: 'rectangle', min: [0, 0], max: [4, 2], loc },
      { kind: 'disk', center: [1, 1], radius: 0.25, name: 'cylinder', loc },
    ],
  });
  assert.equal(g.dim, 2);
  assert.deepEqual(g.partNames, ['bottom', 'cylinder', 'left', 'right', 'top']);
  assert.ok(Math.abs(g.volume() - (8 - Math.PI / 16)) < 0.01);
  assert.ok(g.partDistance(named('cylinder')));
  assert.ok(g.partDistance(named('left')), 'left side line meets the domain only on the left side');
  assert.throws(
    () =>
      G.buildGeometry({
        kind: 'union',
        loc,
        children: [{ kind: 'disk', center: [0, 0], radius: -1, loc: { file: 'spec.yaml', line: 7, col: 9 } }],
      }),
    (err) =>
      err instanceof G.GeometryError &&
      err.loc.line === 7 &&
      err.loc.col === 9 &&
      /^disk: radius must be positive/.test(err.message),
  );
  assert.throws(
    () => G.buildGeometry({ kind: 'rectangle', min: [0, 0], max: [1, 1, 1], loc }),
    (err) =>
      err instanceof G.GeometryError &&
      err.loc.line === 3 &&
      err.loc.col === 5 &&
      /^rectangle: rectangle max needs 2 coordinates/.test(err.message),
  );
  assert.throws(() => G.buildGeometry({ kind: 'box', min: [0, 0, 1], max: [1, 1, 0], loc }), /min < max/);
  assert.throws(
    () =>
      G.buildGeometry({
        kind: 'union',
        loc,
        children: [
          { kind: 'interval', min: 0, max: 1, loc },
          { kind: 'disk', center: [0, 0], radius: 1, loc },
        ],
      }),
    /different dimensions/,
  );
  assert.throws(
    () =>
      G.buildGeometry({
        kind: 'intersection',
        loc,
        children: [
          { kind: 'interval', min: 0, max: 1, loc },
          { kind: 'interval', min: 2, max: 3, loc },
        ],
      }),
    /empty/,
  );
});

/** A random simple polygon: random points, crossing edges undone by 2-opt reversals. */
function randomSimplePolygon(rng, n, snap) {
  const turn = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const crosses = (a, b, c, d) => turn(a, b, c) * turn(a, b, d) < 0 && turn(c, d, a) * turn(c, d, b) < 0;
  const p = Array.from({ length: n }, () =>
    snap ? [Math.floor(rng.next() * 8), Math.floor(rng.next() * 8)] : [rng.next() * 4, rng.next() * 4],
  );
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < n && !changed; i++) {
      for (let j = i + 2; j < n && !changed; j++) {
        if (i === 0 && j === n - 1) continue;
        if (crosses(p[i], p[i + 1], p[j], p[(j + 1) % n])) {
          p.splice(i + 1, j - i, ...p.slice(i + 1, j + 1).reverse());
          changed = true;
        }
      }
    }
  }
  return p;
}

test('polygon distance on random simple polygons (some with collinear and touching vertices)', () => {
  const rng = createRng(7);
  let built = 0;
  for (let trial = 0; trial < 40; trial++) {
    const vertices = randomSimplePolygon(rng, 5 + Math.floor(rng.next() * 12), trial % 2 === 0);
    let p;
    try {
      p = G.polygon(vertices);
    } catch {
      continue; // degenerate draws (repeated or touching vertices) are rejected by design
    }
    built++;
    const s = size(p);
    const outside = rows(makeSampler('uniform', createRng(trial))(300, 2), 2)
      .map((u) => u.map((v, a) => p.bbox.min[a] - 0.5 + v * (s + 1)))
      .filter((q) => !p.contains(q));
    checkDistance(p, { corners: vertices, cornerRadius: 0.02, outside });
  }
  assert.ok(built >= 20, `${built} polygons built`);
});

test('boundaryCurves: 2D pieces as curves of s in [0, 1] that run along the boundary and cover it', () => {
  const annulus = G.difference([G.disk([0, 0], 1, 'outer'), G.disk([0.1, 0], 0.25, 'inner')]);
  const at = (curve, s) => curve.map((e) => evalNumeric(e, { value: (n) => (n === 's' ? s : NaN), tolerance: 0 }));
  const inner = annulus.boundaryCurves({ kind: 'name', name: 'inner' });
  assert.equal(inner.length, 1);
  for (let k = 0; k <= 64; k++) {
    const [x, y] = at(inner[0], k / 64);
    assert.ok(Math.abs(Math.hypot(x - 0.1, y) - 0.25) < 1e-15);
  }
  // The angle reaches 2 pi at s = 1 (a little past it): the circle closes.
  const [x1, y1] = at(inner[0], 1);
  assert.ok(Math.abs(x1 - 0.35) < 1e-14 && y1 >= 0);
  assert.equal(annulus.boundaryCurves({ kind: 'all' }).length, 2);
  const square = G.polygon([
    [0, 0],
    [2, 0],
    [2, 1],
    [0, 1],
  ]);
  const edges = square.boundaryCurves({ kind: 'all' });
  assert.equal(edges.length, 4);
  assert.deepEqual(at(edges[0], 0), [0, 0]);
  assert.deepEqual(at(edges[0], 1), [2, 0]);
  assert.deepEqual(at(edges[0], 0.25), [0.5, 0]);
  assert.equal(G.rectangle([0, 0], [1, 1]).boundaryCurves({ kind: 'name', name: 'top' }).length, 1);
  assert.equal(G.sphere([0, 0, 0], 1).boundaryCurves({ kind: 'all' }), undefined);
});
