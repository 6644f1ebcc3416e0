import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toNpy } from '../../dist/outputs/npy.js';

function table(rows, columns) {
  const data = Float64Array.from({ length: rows * columns.length }, (_, k) => Math.sin(k) * 10 ** ((k % 7) - 3));
  return {
    variables: [columns[0]],
    fields: columns.slice(1),
    columns,
    data,
    rows,
    grid: { counts: [rows], min: [0], max: [1], inside: new Uint8Array(rows).fill(1) },
    times: [],
  };
}

/** Reads a .npy v1.0 file per the NumPy format description. */
function readNpy(buffer) {
  assert.deepEqual([...buffer.subarray(0, 6)], [0x93, ...Buffer.from('NUMPY')]);
  assert.deepEqual([buffer[6], buffer[7]], [1, 0], 'version 1.0');
  const headerLength = buffer.readUInt16LE(8);
  const header = buffer.subarray(10, 10 + headerLength).toString('latin1');
  const dataStart = 10 + headerLength;
  assert.equal(dataStart % 64, 0, 'data starts on a 64-byte boundary');
  assert.ok(header.endsWith('\n'));
  const dict = header.trimEnd();
  assert.match(dict, /^\{.*\}$/);
  const descr = /'descr': '([^']*)'/.exec(dict)[1];
  const fortran = /'fortran_order': (True|False)/.exec(dict)[1];
  const shape = /'shape': \(([^)]*)\)/
    .exec(dict)[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  assert.equal(buffer.length, dataStart + 4 * count, 'no bytes beyond the data');
  const values = Array.from({ length: count }, (_, k) => buffer.readFloatLE(dataStart + 4 * k));
  return { descr, fortran, shape, values };
}

test('header: <f4, C order, (rows, columns), padded to 64 bytes', () => {
  for (const [rows, columns] of /** @type {[number, string[]][]} */ ([
    [3, ['x', 'y', 'u']],
    [0, ['x', 'u']],
    [1000, ['x', 'y', 't', 'u', 'u_exact', 'u_error']],
  ])) {
    const t = table(rows, columns);
    const npy = readNpy(toNpy(t));
    assert.equal(npy.descr, '<f4');
    assert.equal(npy.fortran, 'False');
    assert.deepEqual(npy.shape, [rows, columns.length]);
    npy.values.forEach((v, k) => assert.equal(v, Math.fround(t.data[k])));
  }
});

test('values are row-major like the table', () => {
  const t = table(2, ['x', 'u']);
  t.data.set([1, 2, 3, 4]);
  assert.deepEqual(readNpy(toNpy(t)).values, [1, 2, 3, 4]);
});
