/** Time bins of the domain points of a causal run (the weights themselves are strategy state: strategies/causal.ts). */
import * as tf from '@tensorflow/tfjs';

/**
 * The bin matrix of points with times `t` (one per row) over [tmin, tmax]:
 * [n, bins] with entry 1 / count_k where row i falls in bin k, else 0, so that
 * square(r)^T B is the row of per-bin mean squares (empty bins give 0).
 */
export function binMatrix(times: ArrayLike<number>, tmin: number, tmax: number, bins: number): tf.Tensor2D {
  const n = times.length;
  const index = new Int32Array(n);
  const counts = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const u = (times[i]! - tmin) / (tmax - tmin);
    const k = Math.min(bins - 1, Math.max(0, Math.floor(u * bins)));
    index[i] = k;
    counts[k]!++;
  }
  const data = new Float32Array(n * bins);
  for (let i = 0; i < n; i++) data[i * bins + index[i]!] = 1 / counts[index[i]!]!;
  return tf.tensor2d(data, [n, bins]);
}
