/**
 * Unit-cube point generators. Each sampler keeps one running sequence per
 * dimension count, so calling it again continues where the last call stopped
 * (resampling gives new points, and a quasi-random sequence keeps its quality).
 * Randomization by the seeded rng, so different seeds give different point sets:
 * - sobol: Joe-Kuo direction numbers (new-joe-kuo-6.21201, first 21 dimensions) with a
 *   random digital shift (XOR), which keeps the (t,m,s)-net structure;
 * - halton: radical inverses in the first primes with a random Cranley-Patterson shift (mod 1);
 * - lhs: each call is an independent Latin hypercube design of n points;
 * - hammersley: DeepXDE's default set, points k = 1..n of an (n + 1)-point Hammersley set, (radical
 *   inverses of k in the first primes, k / (n + 1)) (one dimension: van der Corput), each call a fresh
 *   set under a new random shift (mod 1): it does not extend, so later calls are new sets, not a continuation;
 * - grid: a regular grid of cell centres with at least n cells, thinned evenly to exactly n;
 *   later calls shift the whole grid by a random offset inside a cell;
 * - uniform: independent uniform points.
 */
import type { SamplingName } from '../../spec/index.js';
import type { UnitSampler } from '../geometry/types.js';
import { createRng, type Rng } from '../../util/index.js';

/** Joe-Kuo direction numbers for dimensions 2..21: [degree s, coefficients a, initial m_1..m_s]. */
const JOE_KUO: ReadonlyArray<readonly [number, number, readonly number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
];

/** Most dimensions the quasi-random samplers support. */
export const MAX_QMC_DIM = JOE_KUO.length + 1;

const BITS = 32;
const TWO_POW_32 = 4294967296;
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73];

/** The 32 direction words of one Sobol dimension (0-based dimension index). */
function directionWords(dimIndex: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimIndex === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const [s, a, m] = JOE_KUO[dimIndex - 1]!;
  for (let k = 0; k < s; k++) v[k] = (m[k]! << (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let word = v[k - s]! ^ (v[k - s]! >>> s);
    for (let j = 1; j < s; j++) {
      if ((a >>> (s - 1 - j)) & 1) word ^= v[k - j]!;
    }
    v[k] = word >>> 0;
  }
  return v;
}

const DIRECTIONS: Uint32Array[] = Array.from({ length: MAX_QMC_DIM }, (_, d) => directionWords(d));

function checkRequest(n: number, dim: number, maxDim = Infinity): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`sample count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > maxDim) {
    throw new Error(`sample dimension must be an integer in 1..${maxDim}, got ${dim}`);
  }
}

/**
 * Sobol points in Gray-code order, XORed with `shifts` (all zero: the plain sequence,
 * starting with the origin). Each call continues the sequence for its dimension count.
 */
function sobolGenerator(shifts: Uint32Array): UnitSampler {
  const states = new Map<number, { index: number; words: Uint32Array }>();
  return (n, dim) => {
    checkRequest(n, dim, MAX_QMC_DIM);
    let state = states.get(dim);
    if (!state) {
      state = { index: 0, words: new Uint32Array(dim) };
      states.set(dim, state);
    }
    const out = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) out[i * dim + d] = ((state.words[d]! ^ shifts[d]!) >>> 0) / TWO_POW_32;
      // Gray code: the next point flips the direction word of the lowest zero bit of the index.
      if (state.index >= TWO_POW_32 - 1) throw new Error('Sobol sequence exhausted (2^32 points)');
      const bit = Math.clz32(~state.index & (state.index + 1)) ^ 31;
      for (let d = 0; d < dim; d++) state.words[d] = (state.words[d]! ^ DIRECTIONS[d]![bit]!) >>> 0;
      state.index++;
    }
    return out;
  };
}

/** The plain (unshifted) Sobol sequence from its first point, for reference and tests. */
export function sobolSequence(): UnitSampler {
  return sobolGenerator(new Uint32Array(MAX_QMC_DIM));
}

/** Van der Corput radical inverse of `index` in `base`. */
export function radicalInverse(index: number, base: number): number {
  let result = 0;
  let scale = 1 / base;
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    result += (i % base) * scale;
    scale /= base;
  }
  return result;
}

function haltonSampler(rng: Rng): UnitSampler {
  const shifts = Array.from({ length: MAX_QMC_DIM }, () => rng.next());
  const indices = new Map<number, number>();
  return (n, dim) => {
    checkRequest(n, dim, MAX_QMC_DIM);
    const start = indices.get(dim) ?? 0;
    const out = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) {
        const shifted = radicalInverse(start + i, PRIMES[d]!) + shifts[d]!;
        out[i * dim + d] = shifted >= 1 ? shifted - 1 : shifted;
      }
    }
    indices.set(dim, start + n);
    return out;
  };
}

function hammersleySampler(rng: Rng): UnitSampler {
  return (n, dim) => {
    checkRequest(n, dim, MAX_QMC_DIM);
    const shifts = Array.from({ length: dim }, () => rng.next());
    const out = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      const k = i + 1;
      for (let d = 0; d < dim; d++) {
        const unit = dim > 1 && d === dim - 1 ? k / (n + 1) : radicalInverse(k, PRIMES[d]!);
        const shifted = unit + shifts[d]!;
        out[i * dim + d] = shifted >= 1 ? shifted - 1 : shifted;
      }
    }
    return out;
  };
}

function uniformSampler(rng: Rng): UnitSampler {
  return (n, dim) => {
    checkRequest(n, dim);
    const out = new Float64Array(n * dim);
    for (let i = 0; i < out.length; i++) out[i] = rng.next();
    return out;
  };
}

/** Fisher-Yates shuffle of 0..n-1. */
function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

function lhsSampler(rng: Rng): UnitSampler {
  return (n, dim) => {
    checkRequest(n, dim);
    const out = new Float64Array(n * dim);
    for (let d = 0; d < dim; d++) {
      const strata = permutation(n, rng);
      for (let i = 0; i < n; i++) out[i * dim + d] = (strata[i]! + rng.next()) / n;
    }
    return out;
  };
}

/** Cells per axis: as even as possible, with a product of at least n. */
export function gridShape(n: number, dim: number): number[] {
  const base = Math.max(1, Math.floor(Math.pow(n, 1 / dim) + 1e-9));
  const counts = new Array<number>(dim).fill(base);
  const product = (): number => counts.reduce((p, c) => p * c, 1);
  for (let d = 0; product() < n; d = (d + 1) % dim) counts[d]!++;
  return counts;
}

function gridSampler(rng: Rng): UnitSampler {
  const calls = new Map<number, number>();
  return (n, dim) => {
    checkRequest(n, dim);
    const count = calls.get(dim) ?? 0;
    calls.set(dim, count + 1);
    // First call: cell centres; later calls: the same grid moved by one random in-cell offset.
    const offsets = Array.from({ length: dim }, () => (count === 0 ? 0.5 : rng.next() || 0.5));
    const shape = gridShape(n, dim);
    const cells = shape.reduce((p, c) => p * c, 1);
    const out = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      // Evenly spaced cells so the points dropped to reach exactly n are spread out.
      let cell = Math.floor((i * cells) / n);
      for (let d = 0; d < dim; d++) {
        const k = shape[d]!;
        out[i * dim + d] = ((cell % k) + offsets[d]!) / k;
        cell = Math.floor(cell / k);
      }
    }
    return out;
  };
}

export function makeSampler(kind: SamplingName, rng: Rng): UnitSampler {
  switch (kind) {
    case 'uniform':
      return uniformSampler(rng);
    case 'lhs':
      return lhsSampler(rng);
    case 'halton':
      return haltonSampler(rng);
    case 'hammersley':
      return hammersleySampler(rng);
    case 'sobol': {
      const shifts = Uint32Array.from({ length: MAX_QMC_DIM }, () => Math.floor(rng.next() * TWO_POW_32));
      return sobolGenerator(shifts);
    }
    case 'grid':
      return gridSampler(rng);
  }
}

/** Seed of every estimate (measures, volumes, periodic faces): estimates never draw from a run's own stream. */
const ESTIMATE_SEED = 20240601;

/** A fresh fixed-seed Sobol sampler for geometric estimates, identical at every call. */
export const estimateSampler = (): UnitSampler => makeSampler('sobol', createRng(ESTIMATE_SEED));
