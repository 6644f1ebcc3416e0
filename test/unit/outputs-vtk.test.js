import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toVti, toVtu, toPvd, vtkFilesFor } from '../../dist/outputs/vtk.js';

/**
 * A grid table: rows are the inside nodes (x fastest), per time; columns variables, fields, extras.
 * @param {{ counts: number[], min: number[], max: number[], isInside?: (p: number[]) => boolean, times?: number[],
 *   fields?: string[], value: (p: number[], t: number, j: number) => number, withError?: boolean }} options
 * @returns {import('../../dist/outputs/table.js').FieldTable}
 */
function gridTable({ counts, min, max, isInside = () => true, times = [], fields = ['u'], value, withError = false }) {
  const spatial = ['x', 'y', 'z'].slice(0, counts.length);
  const variables = times.length ? [...spatial, 't'] : spatial;
  const extras = withError ? fields.map((f) => `${f}_error`) : [];
  const total = counts.reduce((a, b) => a * b, 1);
  const inside = new Uint8Array(total);
  const nodes = [];
  for (let k = 0; k < total; k++) {
    const p = counts.map((n, d) => {
      const i = Math.floor(k / counts.slice(0, d).reduce((a, b) => a * b, 1)) % n;
      return n > 1 ? min[d] + (i * (max[d] - min[d])) / (n - 1) : min[d];
    });
    if (isInside(p)) {
      inside[k] = 1;
      nodes.push(p);
    }
  }
  const data = [];
  for (const t of times.length ? times : [undefined]) {
    for (const p of nodes) {
      const vals = fields.map((_, j) => value(p, t ?? 0, j));
      data.push(...p, ...(t === undefined ? [] : [t]), ...vals, ...(withError ? vals.map((v) => v * 1e-3) : []));
    }
  }
  return {
    variables,
    fields,
    columns: [...variables, ...fields, ...extras],
    data: Float64Array.from(data),
    rows: nodes.length * Math.max(1, times.length),
    grid: { counts, min, max, inside },
    times,
  };
}

/** A tiny XML reader: elements with attributes, children and text; enough for VTK files. */
function parseXml(text) {
  const root = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"]*")*)\s*(\/?)>|<\?[^>]*\?>|([^<]+)/g;
  let m;
  let consumed = 0;
  while ((m = tag.exec(text))) {
    assert.equal(m.index, consumed, `unparsed XML at ${consumed}: ${text.slice(consumed, consumed + 40)}`);
    consumed = tag.lastIndex;
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) {
      top.text += m[5];
      continue;
    }
    if (m[2] === undefined) continue;
    if (m[1]) {
      assert.equal(top.name, m[2], 'mismatched closing tag');
      stack.pop();
      continue;
    }
    const attrs = {};
    for (const a of m[3].matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    const el = { name: m[2], attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(consumed, text.length);
  assert.equal(stack.length, 1, 'unclosed elements');
  return root.children[0];
}
const unescapeXml = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const find = (el, name) => (el.name === name ? el : el.children.map((c) => find(c, name)).find(Boolean));
const findAll = (el, name) => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => findAll(c, name))];
const numbers = (el) => el.text.trim().split(/\s+/).filter(Boolean).map(Number);
const arrayNamed = (doc, name) => findAll(doc, 'DataArray').find((a) => a.attrs.Name === name);
const column = (table, name, timeIndex = 0) => {
  const c = table.columns.indexOf(name);
  const per = table.rows / Math.max(1, table.times.length);
  return Array.from({ length: per }, (_, r) => table.data[(timeIndex * per + r) * table.columns.length + c]);
};
/** Each value reads back as the float32 of the table's value (so -0 and 0 agree). */
const close32 = (actual, expected) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, k) =>
    assert.ok(Math.fround(v) === Math.fround(expected[k]), `value ${k}: ${v} vs ${expected[k]}`),
  );
};

const disk = (p) => p[0] ** 2 + p[1] ** 2 <= 1 + 1e-12;

test('box grid: ImageData with extent, origin, spacing and every column', () => {
  const table = gridTable({
    counts: [4, 3],
    min: [0, -1],
    max: [3, 1],
    value: ([x, y]) => x * 10 + y + 0.1,
    withError: true,
  });
  const files = vtkFilesFor(table);
  assert.deepEqual(
    files.map((f) => f.name),
    ['fields.vti'],
  );
  const doc = parseXml(files[0].content);
  assert.equal(doc.attrs.type, 'ImageData');
  const image = find(doc, 'ImageData');
  assert.equal(image.attrs.WholeExtent, '0 3 0 2 0 0');
  assert.deepEqual(image.attrs.Origin.split(' ').map(Number), [0, -1, 0]);
  assert.deepEqual(image.attrs.Spacing.split(' ').map(Number), [1, 1, 1]);
  assert.equal(find(doc, 'Piece').attrs.Extent, '0 3 0 2 0 0');
  for (const name of ['u', 'u_error']) {
    const array = arrayNamed(doc, name);
    assert.equal(array.attrs.type, 'Float32');
    const values = numbers(array);
    assert.equal(values.length, 12);
    close32(values, column(table, name));
  }
});

test('masked disk: UnstructuredGrid pixels over inside nodes, vertices for the rest', () => {
  const n = 9;
  const table = gridTable({
    counts: [n, n],
    min: [-1, -1],
    max: [1, 1],
    isInside: disk,
    value: ([x, y]) => Math.sin(x) * y,
  });
  const files = vtkFilesFor(table);
  assert.deepEqual(
    files.map((f) => f.name),
    ['fields.vtu'],
  );
  const doc = parseXml(files[0].content);
  const piece = find(doc, 'Piece');
  const insideCount = table.grid.inside.reduce((a, b) => a + b, 0);
  assert.equal(Number(piece.attrs.NumberOfPoints), insideCount);

  // Expected cells, counted independently: squares with four inside corners, then uncovered nodes.
  const inside = (i, j) => i >= 0 && j >= 0 && i < n && j < n && table.grid.inside[i + n * j] === 1;
  let pixels = 0;
  const covered = new Set();
  for (let j = 0; j < n - 1; j++)
    for (let i = 0; i < n - 1; i++) {
      if (inside(i, j) && inside(i + 1, j) && inside(i, j + 1) && inside(i + 1, j + 1)) {
        pixels++;
        for (const k of [i + n * j, i + 1 + n * j, i + n * (j + 1), i + 1 + n * (j + 1)]) covered.add(k);
      }
    }
  const vertices = insideCount - covered.size;
  assert.ok(pixels > 0 && vertices > 0, 'the test disk should have both');
  assert.equal(Number(piece.attrs.NumberOfCells), pixels + vertices);

  const types = numbers(arrayNamed(doc, 'types'));
  const offsets = numbers(arrayNamed(doc, 'offsets'));
  const connectivity = numbers(arrayNamed(doc, 'connectivity'));
  assert.equal(types.filter((t) => t === 8).length, pixels);
  assert.equal(types.filter((t) => t === 1).length, vertices);
  assert.equal(connectivity.length, 4 * pixels + vertices);
  assert.equal(offsets.at(-1), connectivity.length);

  const points = numbers(find(find(doc, 'Points'), 'DataArray'));
  assert.equal(points.length, 3 * insideCount);
  const xs = column(table, 'x');
  const ys = column(table, 'y');
  xs.forEach((x, r) => assert.deepEqual(points.slice(3 * r, 3 * r + 3), [x, ys[r], 0]));

  // Pixel corner order: (0,0), (1,0), (0,1), (1,1).
  const h = 2 / (n - 1);
  let start = 0;
  types.forEach((type, c) => {
    const ids = connectivity.slice(start, offsets[c]);
    start = offsets[c];
    if (type !== 8) return;
    const [p0, p1, p2, p3] = ids.map((id) => [xs[id], ys[id]]);
    assert.ok(Math.abs(p1[0] - p0[0] - h) < 1e-12 && p1[1] === p0[1]);
    assert.ok(Math.abs(p2[1] - p0[1] - h) < 1e-12 && p2[0] === p0[0]);
    assert.deepEqual(p3, [p1[0], p2[1]]);
  });
  close32(numbers(arrayNamed(doc, 'u')), column(table, 'u'));
});

test('1D interval with a gap: lines between neighbouring inside nodes', () => {
  const table = gridTable({
    counts: [6],
    min: [0],
    max: [1],
    isInside: ([x]) => Math.abs(x - 0.6) > 1e-9,
    value: ([x]) => x * x,
  });
  const doc = parseXml(vtkFilesFor(table)[0].content);
  const types = numbers(arrayNamed(doc, 'types'));
  // Nodes 0..5 without node 3: lines 0-1, 1-2, 4-5.
  assert.deepEqual(types, [3, 3, 3]);
  assert.deepEqual(numbers(arrayNamed(doc, 'connectivity')), [0, 1, 1, 2, 3, 4]);
  assert.deepEqual(numbers(arrayNamed(doc, 'offsets')), [2, 4, 6]);
});

test('3D masked grid: voxels in VTK corner order', () => {
  const table = gridTable({
    counts: [3, 3, 3],
    min: [0, 0, 0],
    max: [2, 2, 2],
    isInside: ([x, y, z]) => !(x === 2 && y === 2 && z === 2),
    value: ([x, y, z]) => x + 2 * y + 3 * z,
  });
  const doc = parseXml(vtkFilesFor(table)[0].content);
  const types = numbers(arrayNamed(doc, 'types'));
  assert.deepEqual(types, [11, 11, 11, 11, 11, 11, 11]);
  const first = numbers(arrayNamed(doc, 'connectivity')).slice(0, 8);
  const points = numbers(find(find(doc, 'Points'), 'DataArray'));
  const corners = first.map((id) => points.slice(3 * id, 3 * id + 3));
  assert.deepEqual(corners, [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
    [0, 0, 1],
    [1, 0, 1],
    [0, 1, 1],
    [1, 1, 1],
  ]);
});

test('time-dependent table: one file per time and a .pvd series', () => {
  const times = [0, 0.5, 1];
  const table = gridTable({
    counts: [5, 5],
    min: [-1, -1],
    max: [1, 1],
    isInside: disk,
    times,
    value: ([x, y], t) => x + y + 10 * t,
  });
  const files = vtkFilesFor(table);
  assert.deepEqual(
    files.map((f) => f.name),
    ['fields_0.vtu', 'fields_1.vtu', 'fields_2.vtu', 'fields.pvd'],
  );
  const pvd = parseXml(files[3].content);
  assert.equal(pvd.attrs.type, 'Collection');
  const sets = findAll(pvd, 'DataSet');
  assert.deepEqual(
    sets.map((s) => [Number(s.attrs.timestep), s.attrs.file]),
    times.map((t, k) => [t, `fields_${k}.vtu`]),
  );
  times.forEach((t, k) => {
    const doc = parseXml(files[k].content);
    assert.deepEqual(numbers(arrayNamed(doc, 'TimeValue')), [t]);
    close32(numbers(arrayNamed(doc, 'u')), column(table, 'u', k));
    assert.equal(arrayNamed(doc, 't'), undefined, 'variables are not point data');
  });
  const box = gridTable({ counts: [2, 2], min: [0, 0], max: [1, 1], times: [0, 2], value: () => 1 });
  assert.deepEqual(
    vtkFilesFor(box).map((f) => f.name),
    ['fields_0.vti', 'fields_1.vti', 'fields.pvd'],
  );
});

test('scattered rows (no grid): vertex cells at the rows', () => {
  const table = {
    variables: ['x', 'y'],
    fields: ['u'],
    columns: ['x', 'y', 'u'],
    data: Float64Array.from([0.1, 0.2, 1, 0.5, 0.7, 2, 0.9, 0.3, 3]),
    rows: 3,
    grid: { counts: [], min: [], max: [], inside: new Uint8Array(0) },
    times: [],
  };
  const files = vtkFilesFor(table);
  assert.deepEqual(
    files.map((f) => f.name),
    ['fields.vtu'],
  );
  const doc = parseXml(files[0].content);
  assert.deepEqual(numbers(arrayNamed(doc, 'types')), [1, 1, 1]);
  assert.deepEqual(numbers(find(find(doc, 'Points'), 'DataArray')), [0.1, 0.2, 0, 0.5, 0.7, 0, 0.9, 0.3, 0]);
  assert.deepEqual(numbers(arrayNamed(doc, 'u')), [1, 2, 3]);
  assert.equal(toVtu(table, 0), files[0].content);
});

test('user strings are escaped; toVti refuses masked grids; toPvd lists entries', () => {
  const table = gridTable({ counts: [2, 2], min: [0, 0], max: [1, 1], fields: ['a<b&"c"'], value: () => 0.25 });
  const doc = parseXml(toVti(table, 0));
  assert.deepEqual(numbers(arrayNamed(doc, 'a<b&"c"')), [0.25, 0.25, 0.25, 0.25]);
  const masked = gridTable({ counts: [3, 3], min: [-1, -1], max: [1, 1], isInside: disk, value: () => 1 });
  assert.throws(() => toVti(masked, 0), /toVtu/);
  const pvd = parseXml(toPvd([{ time: 0.25, file: 'a&b.vtu' }]));
  assert.equal(find(pvd, 'DataSet').attrs.file, 'a&b.vtu');
});

test('Float32 ascii values read back exactly', () => {
  const awkward = [0.1, 1 / 3, -2.5e-7, 123456.789, 0];
  const table = gridTable({ counts: [5], min: [0], max: [4], value: ([x]) => awkward[Math.round(x)] });
  const values = numbers(arrayNamed(parseXml(toVti(table, 0)), 'u'));
  values.forEach((v, k) => assert.equal(Math.fround(v), Math.fround(awkward[k])));
});
