/**
 * Row-shuffled samplers. Two low-discrepancy streams paired point by point at
 * arbitrary offsets can be strongly correlated (points on a few lines rather
 * than filling the square); shuffling one stream's rows with the seeded
 * generator keeps its own stratification and removes the correlation.
 */
import type { UnitSampler } from '../geometry/types.js';
import type { Rng } from '../../util/index.js';

export function shuffledRows(sampler: UnitSampler, rng: Rng): UnitSampler {
  return (n, dim) => {
    const pts = sampler(n, dim);
    const row = new Float64Array(dim);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      row.set(pts.subarray(i * dim, (i + 1) * dim));
      pts.copyWithin(i * dim, j * dim, (j + 1) * dim);
      pts.set(row, j * dim);
    }
    return pts;
  };
}
