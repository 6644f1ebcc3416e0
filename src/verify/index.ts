/** `pinn verify`: interval bounds of residuals over boxes, branch and bound, counterexamples. */
export { verifyModel } from './model-view.js';
export { exitCodeOf, verifyProblem, type ConstraintResult, type Sample, type SeedPoints } from './verify.js';
