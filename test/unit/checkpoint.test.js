// Checkpoint files: the encoding of typed arrays and non-finite numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint } from '../../dist/run/checkpoint.js';

/**
 * Encodes and decodes a value of the test's own shape. The encoding handles any JSON value with typed
 * arrays and non-finite numbers; its declared type (Checkpoint) is narrower, hence the casts.
 * @template T
 * @param {T} value
 * @returns {T}
 */
function roundTrip(value) {
  const encoded = encodeCheckpoint(
    /** @type {import('../../dist/run/checkpoint.js').Checkpoint} */ (/** @type {unknown} */ (value)),
  );
  return /** @type {T} */ (/** @type {unknown} */ (decodeCheckpoint(encoded)));
}

test('checkpoint encoding round-trips typed arrays and non-finite numbers bit for bit', () => {
  const f32 = Float32Array.from([1.1, -0, 3e-38, NaN]);
  const f64 = Float64Array.from([Math.PI, 1e-300, -Infinity]);
  const c = roundTrip({ a: f32, b: { c: f64 }, n: NaN, i: -Infinity, k: [1, NaN] });
  assert.ok(c.a instanceof Float32Array && c.b.c instanceof Float64Array);
  assert.deepEqual(new Uint8Array(c.a.buffer), new Uint8Array(f32.buffer));
  assert.deepEqual(new Uint8Array(c.b.c.buffer), new Uint8Array(f64.buffer));
  assert.ok(Number.isNaN(c.n) && c.i === -Infinity && Number.isNaN(c.k[1]));
});
