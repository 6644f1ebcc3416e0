/**
 * The strategies' tuning options (`constraints.options`) with their defaults,
 * per strategy (docs/strategies.md explains each). An option without a fixed
 * default (undefined here) defaults to something of the problem, said in its
 * comment. Options are one flat mapping in the spec: `update_every` sets both
 * the adaptive weights' and the barrier's interval.
 */
import type { StrategyName } from './types.js';

export const STRATEGY_OPTIONS = {
  'augmented-lagrangian': {
    /** Starting penalty weight; default: the spec's conditions weight (1 when that is 0). */
    mu: undefined,
    mu_growth: 2,
    mu_max: 1e4,
    round_every: 500,
  },
  adaptive: {
    smoothing: 0.1,
    update_every: 10,
    /** Cap on a term's weight; default: 1e3 times the term's starting weight (at least 1e-3). */
    weight_max: undefined,
  },
  barrier: {
    /** Starting barrier weight; default: 0.1 times the loss of the other terms at the initial weights (1e-3 where that is not positive). */
    barrier_start: undefined,
    barrier_decay: 0.5,
    barrier_min: 1e-7,
    barrier_threshold: 1,
    update_every: 100,
  },
} as const satisfies Partial<Record<StrategyName, Record<string, number | undefined>>>;

/** Strategies that take options. */
export type TunedStrategy = keyof typeof STRATEGY_OPTIONS;

/** A strategy's options as it reads them: a number, or undefined where the default depends on the problem. */
export type StrategyOptions<S extends TunedStrategy> = {
  -readonly [K in keyof (typeof STRATEGY_OPTIONS)[S]]: (typeof STRATEGY_OPTIONS)[S][K] extends number
    ? number
    : number | undefined;
};

/** Every option name, each once, in table order: the keys `constraints.options` accepts. */
export const STRATEGY_OPTION_NAMES: readonly string[] = [
  ...new Set(Object.values(STRATEGY_OPTIONS).flatMap((o) => Object.keys(o))),
];

/** The spec's `constraints.options` values for one strategy over its defaults. */
export function strategyOptions<S extends TunedStrategy>(
  strategy: S,
  given: Readonly<Record<string, number>>,
): StrategyOptions<S> {
  const defaults: Record<string, number | undefined> = STRATEGY_OPTIONS[strategy];
  return Object.fromEntries(Object.keys(defaults).map((k) => [k, given[k] ?? defaults[k]])) as StrategyOptions<S>;
}
