import { test } from 'node:test';
import assert from 'node:assert/strict';
import pngjs from 'pngjs';
import { picturesFor, renderHeatmap, renderLinePlot, renderLossCurve } from '../../dist/outputs/png/index.js';

/** @typedef {import('../../dist/outputs/png/index.js').HeatmapInput} HeatmapInput */
/** @typedef {import('../../dist/outputs/table.js').FieldTable} FieldTable */
/** @typedef {import('../../dist/trainer/index.js').LossHistory} LossHistory */

const MASK = [230, 230, 230];
const VIRIDIS_LOW = [0x44, 0x01, 0x54];
const VIRIDIS_HIGH = [0xfd, 0xe7, 0x25];

function decode(buffer) {
  const png = pngjs.PNG.sync.read(buffer);
  const at = (x, y) => [...png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3)];
  return { width: png.width, height: png.height, at };
}
const same = (a, b) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

function pixelsWhere(image, predicate) {
  const found = [];
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) if (predicate(image.at(x, y))) found.push([x, y]);
  return found;
}

function boundingBox(points) {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
}

/** @returns {HeatmapInput} */
function diskHeatmapInput(n) {
  const values = [];
  const inside = new Uint8Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const [x, y] = [-1 + (2 * i) / (n - 1), -1 + (2 * j) / (n - 1)];
      inside[i + n * j] = x * x + y * y <= 1 ? 1 : 0;
      values.push(x);
    }
  return {
    values,
    counts: [n, n],
    min: -1,
    max: 1,
    inside,
    title: 'u at t=0.5',
    axes: ['x', 'y'],
    range: [
      [-1, 1],
      [-1, 1],
    ],
  };
}

test('heat map: masked corners in grey, field in viridis, colour bar from dark to bright', () => {
  const image = decode(renderHeatmap(diskHeatmapInput(41)));
  assert.ok(image.width >= 400 && image.width <= 1200 && image.height >= 400 && image.height <= 1000);
  // The plot area is square here and the disk leaves its corners masked, so the mask's box is the plot area.
  const box = boundingBox(pixelsWhere(image, (p) => same(p, MASK)));
  const side = box.x1 - box.x0;
  assert.ok(side > 300 && Math.abs(side - (box.y1 - box.y0)) <= 1, 'square plot area');
  for (const [x, y] of [
    [box.x0, box.y0],
    [box.x1, box.y0],
    [box.x0, box.y1],
    [box.x1, box.y1],
  ])
    assert.deepEqual(image.at(x, y), MASK);
  // u = x: the left of the disk is dark, the right bright, the centre in between.
  const midY = Math.round((box.y0 + box.y1) / 2);
  const left = image.at(box.x0 + 3, midY);
  const right = image.at(box.x1 - 3, midY);
  assert.ok(left[2] > left[1] && left[0] < 100, `left is dark purple: ${left}`);
  assert.ok(right[0] > 200 && right[1] > 200 && right[2] < 100, `right is yellow: ${right}`);
  // Colour bar: a column right of the plot whose ends are viridis' ends.
  const barColumn = [...Array(image.width - box.x1 - 1).keys()]
    .map((k) => box.x1 + 1 + k)
    .find((x) => {
      const column = [...Array(image.height).keys()].map((y) => image.at(x, y));
      return column.some((p) => same(p, VIRIDIS_HIGH)) && column.some((p) => same(p, VIRIDIS_LOW));
    });
  assert.ok(barColumn !== undefined, 'colour bar found');
  const ys = [...Array(image.height).keys()];
  const top = ys.find((y) => same(image.at(barColumn, y), VIRIDIS_HIGH));
  const bottom = ys.findLast((y) => same(image.at(barColumn, y), VIRIDIS_LOW));
  assert.ok(bottom - top > 300, 'bar spans the plot height, bright on top');
  // Text (title, tick labels) is drawn in dark grey.
  assert.ok(pixelsWhere(image, (p) => same(p, [60, 60, 60])).length > 500);
});

test('heat map of a constant field and a thin domain still renders', () => {
  /** @type {HeatmapInput} */
  const input = {
    ...diskHeatmapInput(5),
    values: Array(25).fill(2),
    min: 2,
    max: 2,
    range: [
      [0, 10],
      [0, 1],
    ],
  };
  const image = decode(renderHeatmap(input));
  assert.ok(image.width > image.height);
});

test('line plot: each series in its colour, dashed exact, legend', () => {
  const x = Array.from({ length: 50 }, (_, k) => k / 49);
  const blue = [31, 119, 180];
  const buffer = renderLinePlot({
    x,
    series: [
      { name: 'u', values: x.map((v) => Math.sin(3 * v)) },
      { name: 'exact', values: x.map((v) => Math.sin(3 * v) + 0.1), dashed: true, color: [214, 39, 40] },
    ],
    title: 'u',
    xlabel: 'x',
    ylabel: 'u',
  });
  const image = decode(buffer);
  assert.ok(pixelsWhere(image, (p) => same(p, blue)).length > 100);
  assert.ok(pixelsWhere(image, (p) => same(p, [214, 39, 40])).length > 50);
});

test('loss curve: log scale, total in black, one colour per part', () => {
  const iterations = Array.from({ length: 200 }, (_, k) => 10 * k);
  const a = iterations.map((i) => Math.exp(-i / 300));
  // Parts of similar size, so that the total runs clearly above both.
  const b = a.map((v) => 0.8 * v);
  const image = decode(
    renderLossCurve({
      parts: ['equations', 'conditions'],
      iterations,
      total: a.map((v, k) => v + b[k]),
      values: [a, b],
    }),
  );
  assert.ok(pixelsWhere(image, (p) => same(p, [0, 0, 0])).length > 200, 'total');
  assert.ok(pixelsWhere(image, (p) => same(p, [31, 119, 180])).length > 100, 'first part');
  assert.ok(pixelsWhere(image, (p) => same(p, [255, 127, 14])).length > 100, 'second part');
});

/**
 * @param {{ counts: number[], isInside?: (p: number[]) => boolean, times?: number[], withError?: boolean, withExact?: boolean, withResidual?: boolean }} options
 * @returns {FieldTable}
 */
function gridTable({
  counts,
  isInside = () => true,
  times = [],
  withError = false,
  withExact = false,
  withResidual = false,
}) {
  const spatial = ['x', 'y', 'z'].slice(0, counts.length);
  const variables = times.length ? [...spatial, 't'] : spatial;
  const total = counts.reduce((a, b) => a * b, 1);
  const inside = new Uint8Array(total);
  const nodes = [];
  for (let k = 0; k < total; k++) {
    const p = counts.map(
      (n, d) => -1 + (2 * (Math.floor(k / counts.slice(0, d).reduce((a, b) => a * b, 1)) % n)) / (n - 1),
    );
    if (isInside(p)) {
      inside[k] = 1;
      nodes.push(p);
    }
  }
  const data = [];
  for (const t of times.length ? times : [undefined]) {
    for (const p of nodes) {
      const u = p[0] + (t ?? 0);
      data.push(
        ...p,
        ...(t === undefined ? [] : [t]),
        u,
        ...(withExact ? [u + 0.01] : []),
        ...(withError ? [-0.01] : []),
        ...(withResidual ? [Math.abs(p[0])] : []),
      );
    }
  }
  const columns = [
    ...variables,
    'u',
    ...(withExact ? ['u_exact'] : []),
    ...(withError ? ['u_error'] : []),
    ...(withResidual ? ['residual'] : []),
  ];
  return {
    variables,
    fields: ['u'],
    columns,
    data: Float64Array.from(data),
    rows: nodes.length * Math.max(1, times.length),
    grid: { counts, min: counts.map(() => -1), max: counts.map(() => 1), inside },
    times,
  };
}

const isPng = (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
/** @type {LossHistory} */
const history = { parts: ['pde'], iterations: [0, 1, 2], total: [1, 0.5, 0.1], values: [[1, 0.5, 0.1]] };

test('picturesFor: one picture per field, exact solution, error, residual and time, plus the loss curve', () => {
  const disk = (p) => p[0] ** 2 + p[1] ** 2 <= 1;
  /** @type {[FieldTable, LossHistory | undefined, string[]][]} */
  const cases = [
    [
      gridTable({ counts: [21, 21], isInside: disk, withExact: true, withError: true, withResidual: true }),
      history,
      ['u.png', 'u_exact.png', 'u_error.png', 'residual.png', 'loss.png'],
    ],
    [
      gridTable({ counts: [11, 11], times: [0, 0.5], withError: true }),
      undefined,
      ['u_t0.png', 'u_t0.5.png', 'u_error_t0.png', 'u_error_t0.5.png'],
    ],
    [gridTable({ counts: [31], times: [0, 1], withExact: true }), history, ['u.png', 'loss.png']],
    [
      gridTable({ counts: [31], withError: true, withResidual: true }),
      undefined,
      ['u.png', 'u_error.png', 'residual.png'],
    ],
    [
      gridTable({ counts: [7, 7, 7], isInside: (p) => p[0] ** 2 + p[1] ** 2 + p[2] ** 2 <= 1 }),
      undefined,
      ['u.png', 'u_x0.png', 'u_y0.png'],
    ],
    [
      { ...gridTable({ counts: [3, 3] }), grid: { counts: [], min: [], max: [], inside: new Uint8Array(0) } },
      history,
      ['loss.png'],
    ],
  ];
  for (const [table, h, names] of cases) {
    const pictures = picturesFor(table, h);
    assert.deepEqual(
      pictures.map((p) => p.name),
      names,
    );
    for (const p of pictures) assert.ok(isPng(p.content), p.name);
  }
});

test('picturesFor: rows for the report: a field beside its exact solution and error; over time, each column a row of frames', () => {
  const steady = picturesFor(gridTable({ counts: [11, 11], withExact: true, withError: true, withResidual: true }));
  assert.deepEqual(
    steady.map((p) => [p.name, p.row]),
    [
      ['u.png', 'u: predicted, exact and error'],
      ['u_exact.png', 'u: predicted, exact and error'],
      ['u_error.png', 'u: predicted, exact and error'],
      ['residual.png', 'PDE residual: where the equations are least satisfied'],
    ],
  );
  const timed = picturesFor(gridTable({ counts: [11, 11], times: [0, 1], withExact: true }));
  assert.deepEqual(
    timed.map((p) => [p.name, p.row]),
    [
      ['u_t0.png', 'u at each output time'],
      ['u_t1.png', 'u at each output time'],
      ['u_exact_t0.png', 'u_exact at each output time'],
      ['u_exact_t1.png', 'u_exact at each output time'],
    ],
  );
  assert.equal(picturesFor(gridTable({ counts: [3, 3] }), history).at(-1).row, undefined, 'loss.png stands alone');
});

test('3D pictures: the three mid-planes, each a slice of the grid across the other two axes', () => {
  // u = x: constant on the x mid-plane, varying along the horizontal axis of the z and y mid-planes.
  const pictures = picturesFor(gridTable({ counts: [9, 7, 5], times: [0] }));
  assert.deepEqual(
    pictures.map((p) => [p.name, p.row]),
    [
      ['u_t0.png', 'u at each output time (z=0)'],
      ['u_x0_t0.png', 'u at each output time (x=0)'],
      ['u_y0_t0.png', 'u at each output time (y=0)'],
    ],
  );
  // The share of the commonest colour among the coloured pixels (the field and the colour bar).
  const commonest = (picture) => {
    const image = decode(picture.content);
    const counts = new Map();
    for (const [x, y] of pixelsWhere(image, (p) => !(p[0] === p[1] && p[1] === p[2]))) {
      const key = image.at(x, y).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Math.max(...counts.values()) / [...counts.values()].reduce((a, b) => a + b, 0);
  };
  const [z, x, y] = pictures.map(commonest);
  assert.ok(x > 0.8, `x plane: commonest colour ${x}`);
  assert.ok(z < 0.3 && y < 0.3, `z plane ${z}, y plane ${y}`);
});

test('a field and its exact solution share one colour scale', () => {
  // u_exact = u + 0.01 everywhere: on a scale of its own it would be the same picture as u.
  const [u, exact] = picturesFor(gridTable({ counts: [11, 11], withExact: true })).map((p) => decode(p.content));
  assert.equal(u.width, exact.width);
  const coloured = (p) => !(p[0] === p[1] && p[1] === p[2]);
  let [field, differ] = [0, 0];
  for (let y = 0; y < u.height; y++)
    for (let x = 0; x < u.width; x++) {
      const [a, b] = [u.at(x, y), exact.at(x, y)];
      if (!coloured(a) || !coloured(b)) continue;
      field++;
      if (a.some((v, k) => v !== b[k])) differ++;
    }
  assert.ok(differ > field / 4, `${differ} of ${field} field pixels differ`);
});

test('2D pictures over time share one colour scale', () => {
  const [early, late] = picturesFor(gridTable({ counts: [11, 11], times: [0, 1] })).map((p) => decode(p.content));
  // u = x + t: the top-left of the plot area is darkest at t=0 and mid-scale at t=1.
  const firstField = (image) => {
    for (let y = 0; y < image.height; y++)
      for (let x = 0; x < image.width; x++) {
        const p = image.at(x, y);
        if (p[0] + p[1] + p[2] < 600 && !(p[0] === p[1] && p[1] === p[2])) return p;
      }
  };
  const a = firstField(early);
  const b = firstField(late);
  assert.ok(a[1] < b[1], `t=1 starts brighter: ${a} vs ${b}`);
});
