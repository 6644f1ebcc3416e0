// The float64 dense solves behind the unknowns' error bars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, spdInverse } from '../../dist/util/index.js';

test('spdInverse of a symmetric positive definite matrix times the matrix is the identity', () => {
  const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
  const inv = spdInverse(a, 3);
  assert.ok(inv);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[i * 3 + k] * inv[k * 3 + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-14, `(${i}, ${j}) = ${s}`);
    }
});

test('cholesky refuses a singular or indefinite matrix', () => {
  assert.equal(cholesky(Float64Array.from([1, 1, 1, 1]), 2), undefined);
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), undefined);
  assert.equal(spdInverse(Float64Array.from([0]), 1), undefined);
});
