/** Tensors end to end in one typed array: L-BFGS's parameter vector, the shard worker's messages. */
import * as tf from '@tensorflow/tfjs';

/** The data of `tensors` end to end in `out` (at least as long as their sizes together). */
export function packTensors<T extends Float32Array | Float64Array>(tensors: tf.Tensor[], out: T): T {
  let o = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return out;
}

export const totalSize = (tensors: tf.Tensor[]) => tensors.reduce((s, t) => s + t.size, 0);

/** Tensors end to end in float64 (parameters and gradients for L-BFGS). */
export function flat64(tensors: tf.Tensor[]): Float64Array {
  return packTensors(tensors, new Float64Array(totalSize(tensors)));
}

/** Assigns consecutive slices of `theta` to the variables, in order. */
export function setFlat(vars: tf.Variable[], theta: Float32Array | Float64Array): void {
  let o = 0;
  for (const v of vars) {
    const slice = theta.subarray(o, o + v.size);
    tf.tidy(() => v.assign(tf.tensor(slice instanceof Float32Array ? slice : Float32Array.from(slice), v.shape)));
    o += v.size;
  }
}
