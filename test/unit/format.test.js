// Durations as the progress line and the summary print them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds } from '../../dist/util/index.js';

test('formatSeconds rounds once, so a minute never shows 60 seconds', () => {
  assert.equal(formatSeconds(59.4), '59s');
  assert.equal(formatSeconds(59.6), '1m00s');
  assert.equal(formatSeconds(179.6), '3m00s');
  assert.equal(formatSeconds(61), '1m01s');
  assert.equal(formatSeconds(3599.7), '1h00m');
  assert.equal(formatSeconds(Infinity), '?');
});
