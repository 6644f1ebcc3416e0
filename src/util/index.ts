/** Helpers that know nothing of PDEs: seeded random numbers, atomic file writes, CSV cells, name suggestions, formats, short paths, exhaustiveness, stderr capture, text in shared memory. */
export { assertNever } from './assert.js';
export { writeFileAtomic } from './atomic.js';
export { csvCell, finiteCell, parseCsv, type CsvCell, type CsvProblem, type CsvRow, type CsvTable } from './csv.js';
export { formatSeconds } from './format.js';
export { cholesky, choleskySolve, spdInverse } from './linalg.js';
export { shortestPath } from './paths.js';
export { createRng, type Rng } from './random.js';
export { didYouMean } from './suggest.js';
export { captureStderr, type Captured } from './stderr-capture.js';
export { readSharedText, writeSharedText } from './shared-text.js';
