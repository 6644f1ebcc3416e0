// Complex fields (Fr, Fi) gain magnitude and phase columns, and pictures of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complexPairs, withMagnitudePhase } from '../../dist/outputs/complex.js';
import { picturesFor } from '../../dist/outputs/png/index.js';

test('complexPairs: F where both Fr and Fi are fields', () => {
  assert.deepEqual(complexPairs(['Ur', 'Ui', 'phi']), ['U']);
  assert.deepEqual(complexPairs(['Ezr', 'Hxr', 'Ezi']), ['Ez']);
  assert.deepEqual(complexPairs(['r', 'i', 'ur']), []);
  assert.deepEqual(complexPairs(['u']), []);
});

/** A 3 x 2 grid of one complex field u = Ur + i Ui, all nodes inside. */
function table() {
  const values = [
    [1, 0],
    [0, 2],
    [-3, 0],
    [0, -1],
    [3, 4],
    [-1, -1],
  ];
  const data = new Float64Array(values.flatMap(([re, im], k) => [k % 3, Math.floor(k / 3), re, im]));
  return {
    variables: ['x', 'y'],
    fields: ['Ur', 'Ui'],
    columns: ['x', 'y', 'Ur', 'Ui'],
    data,
    rows: 6,
    grid: { counts: [3, 2], min: [0, 0], max: [2, 1], inside: new Uint8Array(6).fill(1) },
    times: [],
  };
}

test('withMagnitudePhase: U_abs = |Ur + i Ui| and U_phase = atan2(Ui, Ur) after the other columns', () => {
  const t = withMagnitudePhase(table());
  assert.deepEqual(t.columns, ['x', 'y', 'Ur', 'Ui', 'U_abs', 'U_phase']);
  const col = (name) =>
    Array.from({ length: t.rows }, (_, r) => t.data[r * t.columns.length + t.columns.indexOf(name)]);
  assert.deepEqual(col('U_abs'), [1, 2, 3, 1, 5, Math.SQRT2]);
  assert.deepEqual(col('U_phase'), [0, Math.PI / 2, Math.PI, -Math.PI / 2, Math.atan2(4, 3), (-3 * Math.PI) / 4]);
  assert.deepEqual(col('Ur'), [1, 0, -3, 0, 3, -1]);
  const real = { ...table(), fields: ['u'], columns: ['x', 'y', 'u', 'v'] };
  assert.equal(withMagnitudePhase(real), real);
});

test('pictures: magnitude and phase of a complex field', () => {
  const names = picturesFor(withMagnitudePhase(table()), undefined).map((p) => p.name);
  for (const name of ['Ur.png', 'Ui.png', 'U_abs.png', 'U_phase.png'])
    assert.ok(names.includes(name), `${name} in ${names}`);
});
