/** Helpers that know nothing of PDEs: seeded random numbers, atomic file writes, name suggestions, formats, exhaustiveness. */
export { assertNever } from './assert.js';
export { writeFileAtomic } from './atomic.js';
export { formatSeconds } from './format.js';
export { createRng, type Rng } from './random.js';
export { didYouMean } from './suggest.js';
