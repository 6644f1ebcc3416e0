/**
 * Every default the spec reader fills in, in one place. docs/spec.md's tables
 * list the same values; test/spec-defaults.test.js checks that they agree.
 * Frozen: a reader copies what it then changes.
 */
import { OUTPUT_FORMATS, type CausalOptions } from './types.js';

/**
 * A stage's learning rate when it gives none, by optimizer: L-BFGS scales its steps by line search,
 * Levenberg-Marquardt by its damping (lr scales the damped step).
 */
const STAGE_LR = { adam: 1e-3, lbfgs: 1, 'levenberg-marquardt': 1 } as const;

export const DEFAULTS = deepFreeze({
  version: 1,
  constraints: {
    strategy: 'penalty',
    weights: { equations: 1, conditions: 1, inequalities: 1, data: 1 },
    positivity: 'abs',
    options: {},
    /** None: no tolerance, a run exits 0 whatever it measures. */
    tolerance: undefined,
  },
  network: {
    /** With the default stages (the default recipe, spec/recipe.ts); firstOrder.hidden with stages of the spec's own that have no levenberg-marquardt stage. */
    hidden: [64],
    activation: 'tanh',
    /** Left implicit in the spec: `first_layer` is written back only when it is not this. */
    firstLayer: 'glorot',
    /** Left implicit in the spec, as first_layer. */
    interface: 'distance',
    /** Left implicit in the spec, as first_layer. */
    holeInputs: 'log',
  },
  training: {
    points: { domain: 2000, boundary: 400, initial: 400 },
    sampling: 'sobol',
    resampleEvery: 0,
    seed: 0,
    causal: false,
    logEvery: 0,
    checkpointEvery: 500,
    workers: 'auto',
    /** A spec's training.precision only when it differs (spec/types.ts). */
    precision: 'float32',
    /** With the default network, or one of the spec's own of at most firstOrder.maxSecondOrderWeights weights. */
    stages: [
      { optimizer: 'adam', iterations: 500, lr: STAGE_LR.adam },
      { optimizer: 'levenberg-marquardt', iterations: 1000, lr: STAGE_LR['levenberg-marquardt'] },
    ],
  },
  /** The first-order recipe, for what a spec leaves out when what it gives rules out the second-order stage (spec/recipe.ts). */
  firstOrder: {
    hidden: [50, 50, 50],
    stages: [
      { optimizer: 'adam', iterations: 5000, lr: STAGE_LR.adam },
      { optimizer: 'lbfgs', iterations: 2000, lr: STAGE_LR.lbfgs },
    ],
    maxSecondOrderWeights: 2000,
  },
  /**
   * What the recipe's second-order stage changes beyond the network: under `penalty`, the conditions' weight when the
   * spec gives none (spec/recipe.ts). A boundary miss moves the solution by about its size, a residual r of a
   * second-order operator on a unit domain by about r / pi^2: weighting their mean squares 1 : pi^4 ~ 100 balances them.
   */
  secondOrder: { conditionsWeight: 100 },
  /** Keys of one entry of `training.stages`. */
  stage: { lr: STAGE_LR },
  /** `training.causal: true`, or the keys a `{epsilon, bins}` mapping leaves out. */
  causal: { epsilon: 1, bins: 16 },
  /** Keys of one entry of `parameters` written as a mapping. */
  parameters: { scale: 'linear' },
  /** Keys an `absorbing` condition leaves out. */
  absorbing: { order: 2 },
  output: {
    /** By the geometry's dimension. */
    grid: { 1: [201], 2: [101, 101], 3: [31, 31, 31] },
    formats: OUTPUT_FORMATS,
  },
} as const);

/** Causal weighting settings when `training.causal` is just `true` (strategies/causal.ts). */
export const CAUSAL_DEFAULTS: CausalOptions = DEFAULTS.causal;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
