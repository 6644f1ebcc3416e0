// A tiny real `pinn solve` of poisson-2d, then every output file checked by an
// independent reader against fields.csv, `pinn eval` and the reloaded model.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { pinn } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

const tiny = [
  '--iterations',
  '30',
  '--set',
  'training.points.domain=200',
  '--set',
  'training.points.boundary=64',
  '--set',
  'network.hidden=[8,8]',
  '--set',
  'output.grid=[21,21]',
];

function readCsv(file) {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  return { columns: header.split(','), rows: rows.map((r) => r.split(',').map(Number)) };
}
const column = (csv, name) => {
  const k = csv.columns.indexOf(name);
  assert.ok(k >= 0, `no column ${name}`);
  return csv.rows.map((r) => r[k]);
};

let out;
let stdout;
let fields;
const stray = "notes of my own, not the run's\n";

before(() => {
  out = tempDir('pinn-outputs-');
  writeFileSync(join(out, 'notes.txt'), stray);
  const r = pinn(['solve', 'problems/poisson-2d.yaml', '--out', out, ...tiny, '--json']);
  assert.equal(r.status, 0, r.stderr);
  stdout = r.stdout;
  fields = readCsv(join(out, 'fields.csv'));
});

test('--json: stdout holds JSON lines only, ending with the summary', () => {
  const lines = stdout.trimEnd().split('\n');
  const objects = lines.map((l) => JSON.parse(l));
  assert.equal(objects[0].type, 'start');
  assert.ok(objects.some((o) => o.type === 'progress'));
  const last = objects.at(-1);
  assert.equal(last.type, 'summary');
  const { type: _t, ...summary } = last;
  assert.deepEqual(summary, JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
});

test('every file the summary lists exists; nothing else in the folder is touched; no temporary files remain', () => {
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  for (const f of [
    'fields.csv',
    'fields.vti',
    'fields.npy',
    'u.png',
    'u_exact.png',
    'u_error.png',
    'residual.png',
    'loss.png',
    'loss.csv',
    'report.html',
    'spec.resolved.yaml',
    'model/model.json',
    'model/weights.bin',
    'model/pinn.json',
    'model/spec.resolved.yaml',
    'summary.json',
  ]) {
    assert.ok(s.files.includes(f), `summary.files lacks ${f}`);
  }
  for (const f of s.files) assert.ok(existsSync(join(out, f)), `${f} missing`);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), stray);
  const all = [...readdirSync(out), ...readdirSync(join(out, 'model'))];
  assert.deepEqual(
    all.filter((f) => f.endsWith('.tmp')),
    [],
  );
});

/** Elements of a VTK XML file by a small independent reader. */
function xmlElements(text) {
  const elements = [];
  const re = /<([A-Za-z]+)((?:\s+[\w.-]+="[^"]*")*)\s*(\/?)>([^<]*)/g;
  let m;
  while ((m = re.exec(text))) {
    const attrs = Object.fromEntries([...m[2].matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    elements.push({ name: m[1], attrs, text: m[4] });
  }
  return elements;
}

test('fields.vti: ImageData whose extent and arrays agree with fields.csv', () => {
  const text = readFileSync(join(out, 'fields.vti'), 'utf8');
  const els = xmlElements(text);
  assert.equal(els.find((e) => e.name === 'VTKFile').attrs.type, 'ImageData');
  const image = els.find((e) => e.name === 'ImageData');
  const extent = image.attrs.WholeExtent.split(' ').map(Number);
  const points = (extent[1] - extent[0] + 1) * (extent[3] - extent[2] + 1) * (extent[5] - extent[4] + 1);
  assert.equal(points, fields.rows.length);
  const arrays = els.filter((e) => e.name === 'DataArray');
  assert.deepEqual(
    arrays.map((a) => a.attrs.Name),
    ['u', 'u_exact', 'u_error'],
  );
  for (const a of arrays) {
    const values = a.text.trim().split(/\s+/).map(Number);
    assert.equal(values.length, fields.rows.length);
    const expected = column(fields, a.attrs.Name);
    values.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `${a.attrs.Name}[${i}]`),
    );
  }
  // The origin and spacing put node i at the coordinates of row i (x fastest).
  const origin = image.attrs.Origin.split(' ').map(Number);
  const spacing = image.attrs.Spacing.split(' ').map(Number);
  const nx = extent[1] + 1;
  const xs = column(fields, 'x');
  const ys = column(fields, 'y');
  for (let i = 0; i < fields.rows.length; i++) {
    assert.ok(Math.abs(origin[0] + (i % nx) * spacing[0] - xs[i]) < 1e-6);
    assert.ok(Math.abs(origin[1] + Math.floor(i / nx) * spacing[1] - ys[i]) < 1e-6);
  }
});

test('fields.npy: float32 (rows, columns) with the values of fields.csv', () => {
  const buf = readFileSync(join(out, 'fields.npy'));
  assert.equal(buf.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const headerLength = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'fortran_order': False/);
  const shape = header
    .match(/'shape': \((\d+), (\d+)\)/)
    .slice(1)
    .map(Number);
  assert.deepEqual(shape, [fields.rows.length, fields.columns.length]);
  assert.equal((10 + headerLength) % 64, 0);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + headerLength, buf.byteOffset + buf.length));
  assert.equal(data.length, shape[0] * shape[1]);
  // fields.csv holds 9 significant digits of the float64 value: within one float32 step of the npy value.
  fields.rows.forEach((row, r) =>
    row.forEach((v, c) =>
      assert.ok(Math.abs(data[r * shape[1] + c] - v) <= 1.2e-7 * Math.abs(v), `row ${r} column ${c}`),
    ),
  );
});

test('pictures decode as PNG with more than one colour', () => {
  for (const name of ['u.png', 'u_exact.png', 'u_error.png', 'residual.png', 'loss.png']) {
    const png = PNG.sync.read(readFileSync(join(out, name)));
    assert.ok(png.width >= 200 && png.height >= 150, `${name} ${png.width}x${png.height}`);
    const colours = new Set();
    for (let i = 0; i < png.data.length && colours.size < 50; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
    assert.ok(colours.size >= 10, `${name} looks blank`);
  }
});

test('report.html is self-contained and shows the final summary', () => {
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok((html.match(/<img [^>]*src="data:image\/png;base64,/g) ?? []).length >= 3);
  assert.doesNotMatch(html, /<(script|link)\b|src="(?!data:)/);
  assert.ok(html.includes('poisson-2d'));
  assert.ok(html.includes('summary.json'), 'the report lists summary.json among the files');
  assert.ok(html.includes(String(s.iterations)));
});

test('pinn eval at the points of fields.csv reproduces u to 1e-5, with derivatives', () => {
  const pts = join(out, 'points.csv');
  writeFileSync(pts, `x,y\n${fields.rows.map((r) => `${r[0]},${r[1]}`).join('\n')}\n`);
  const evalOut = join(out, 'eval.csv');
  const r = pinn(['eval', out, '--points', pts, '--out', evalOut, '--derivatives', 'u_x, lap(u), max(u, 0)']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const e = readFileSync(evalOut, 'utf8').trim().split('\n');
  assert.equal(e[0], 'x,y,u,u_x,lap(u),"max(u, 0)"');
  const rows = e.slice(1).map((l) => l.split(',').map(Number));
  assert.equal(rows.length, fields.rows.length);
  const u = column(fields, 'u');
  rows.forEach((row, i) => {
    assert.ok(Math.abs(row[2] - u[i]) <= 1e-5, `u at row ${i}: ${row[2]} vs ${u[i]}`);
    assert.equal(row[5], Math.max(row[2], 0));
  });
  // u_x against a central difference of eval's own values along x (rows x fastest, h = 0.05).
  const nx = 21;
  for (const i of [nx * 5 + 5, nx * 10 + 10, nx * 15 + 3]) {
    const fd = (rows[i + 1][2] - rows[i - 1][2]) / (rows[i + 1][0] - rows[i - 1][0]);
    assert.ok(Math.abs(fd - rows[i][3]) < 0.05 * Math.max(1, Math.abs(fd)), `u_x ${rows[i][3]} vs difference ${fd}`);
  }
  // Straight from fields.csv to stdout: its own u column gives way to the model's.
  const r2 = pinn(['eval', out, '--points', join(out, 'fields.csv')]);
  assert.equal(r2.status, 0, r2.stderr);
  const lines = r2.stdout.trim().split('\n');
  assert.equal(lines[0], 'x,y,u_exact,u_error,u');
  assert.equal(lines.length, fields.rows.length + 1);
});

test('pinn eval: bad points files and expressions are located errors (exit 2)', () => {
  const bad = join(out, 'bad.csv');
  writeFileSync(bad, 'x,y\n0.1,0.2\n0.3,abc\n');
  let r = pinn(['eval', out, '--points', bad]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.csv:3:5: 'abc' in column 'y' is not a finite number/);
  writeFileSync(bad, 'x,z\n0.1,0.2\n');
  r = pinn(['eval', out, '--points', bad]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.csv:1:1: the header lacks 'y'/);
  writeFileSync(bad, 'x,y\n0.1,0.2,0.3\n');
  r = pinn(['eval', out, '--points', bad]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.csv:2:9: this row has 3 cells/);
  writeFileSync(bad, 'x,y\n0.1,0.2\n');
  r = pinn(['eval', out, '--points', bad, '--derivatives', 'u_x,v_y']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--derivatives:1:5:/);
  r = pinn(['eval', join(out, 'nowhere'), '--points', bad]);
  assert.equal(r.status, 2, r.stderr);
});

/** A tf.io handler reading model.json + weights.bin from a folder (what tfjs-node's file:// does). */
const folderHandler = (dir) => ({
  load: async () => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
    return {
      modelTopology: json.modelTopology,
      format: json.format,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    };
  },
});

test('tf.loadLayersModel reloads model/ and reproduces fields.csv to 1e-5', async () => {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(folderHandler(join(out, 'model')));
  const x = tf.tensor2d(fields.rows.map((r) => [r[0], r[1]]));
  // One output layer: predict gives one tensor.
  const y = /** @type {tf.Tensor} */ (model.predict(x)).dataSync();
  const u = column(fields, 'u');
  u.forEach((v, i) => assert.ok(Math.abs(y[i] - v) <= 1e-5, `row ${i}: ${y[i]} vs ${v}`));
  const manifest = JSON.parse(readFileSync(join(out, 'model', 'pinn.json'), 'utf8'));
  assert.equal(manifest.layers_model, true);
  assert.deepEqual(manifest.variables, ['x', 'y']);
  assert.deepEqual(manifest.fields, ['u']);
});

test('sin activation with Fourier features: the documented loader (pinn eval) reproduces fields.csv', () => {
  const dir = tempDir('pinn-sin-');
  const r = pinn([
    'solve',
    'problems/poisson-2d.yaml',
    '--out',
    dir,
    ...tiny,
    '--quiet',
    '--set',
    'network.activation=sin',
    '--set',
    'network.fourier_features={count: 4, scale: 1}',
    '--set',
    'output.formats=[csv]',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
  assert.equal(json.format, 'pinn-weights');
  assert.equal(json.modelTopology, null);
  assert.ok(json.weightsManifest[0].weights.some((w) => w.name === 'fourier_features/kernel'));
  assert.ok(
    !existsSync(join(dir, 'fields.vti')) && !existsSync(join(dir, 'u.png')) && !existsSync(join(dir, 'report.html')),
  );
  const f = readCsv(join(dir, 'fields.csv'));
  const e = pinn(['eval', dir, '--points', join(dir, 'fields.csv')]);
  assert.equal(e.status, 0, e.stderr);
  const lines = e.stdout.trim().split('\n');
  const ui = lines[0].split(',').indexOf('u');
  const u = column(f, 'u');
  lines.slice(1).forEach((l, i) => assert.ok(Math.abs(Number(l.split(',')[ui]) - u[i]) <= 1e-5, `row ${i}`));
});
