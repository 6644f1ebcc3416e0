/** Constraint strategies: how each term is imposed (exactly through transforms, or through the loss) and their state. */
export { createStrategy } from './create.js';
export { GROUPS, type Strategy } from './strategy.js';
export { termWeight } from './penalty.js';
export { boundOf } from './reparam.js';
