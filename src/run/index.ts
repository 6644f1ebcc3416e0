/** One command end to end: solve (with resume and checkpoints), eval of a saved run, loading run folders. */
export { ResumeError } from './checkpoint.js';
export { evalCsv, evaluateAt, parseOutputExpressions, readPointsCsv } from './eval.js';
export { disposeLoadedModel, loadRun, loadRunModel } from './load-run.js';
export { InterruptedError, PINN_VERSION, solve, solveAsync, type Summary } from './solve.js';
