/** One command end to end: solve (with resume and checkpoints), compare strategies, verify and eval a saved run, loading run folders. */
export { ResumeError } from './checkpoint.js';
export { compareStrategies } from './compare.js';
export { evalCsv, evaluateAt, parseOutputExpressions, readPointsCsv } from './eval.js';
export { evalGridCsv, openParametricRun, outsideRange, parseParamFlags, type ParametricRun } from './eval-params.js';
export { stageNotes, type Summary } from './finish.js';
export { disposeLoadedModel, loadRun, loadRunModel } from './load-run.js';
export { InterruptedError, solve, solveAsync, type StartInfo } from './solve.js';
export { planRun, type RunPlan } from './prepare.js';
export { DEFAULT_BUDGET, DEFAULT_TOLERANCE, verifyRun, type VerifyReport } from './verify.js';
export { PINN_VERSION } from './version.js';
