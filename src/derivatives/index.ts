/** The forward-mode jet engine: values with the derivative channels a residual reads, and IR evaluation over jets. */
export { channelsFor } from './channels.js';
export {
  disposePointCache,
  emptyPointCache,
  evaluate,
  evaluateValue,
  type EvalEnv,
  type PointCache,
} from './evaluate.js';
export { ACTIVATION_DERIVS, NO_SECOND_DERIVATIVE, UNARY_DERIVS } from './functions.js';
export * as J from './jet.js';
