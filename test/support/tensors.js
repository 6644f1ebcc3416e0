// Tensor helpers for tests.
import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` inside tf.tidy, so every tensor it creates is freed, and returns its result: plain data
 * read out of the tensors (numbers, typed arrays, terms). tf.tidy's own return type admits tensor
 * containers only, not such data.
 * @template T
 * @param {() => T} fn
 * @returns {T}
 */
export function tidyData(fn) {
  /** @type {T} */
  let result;
  tf.tidy(() => {
    result = fn();
  });
  return result;
}
