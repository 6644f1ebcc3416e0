/**
 * Flags several commands share, declared once with their parsers. A command
 * takes one with `.addOption(sharedOption('seed'))`, rewording the help where
 * the flag means something narrower there (compare's --seed seeds every run).
 */
import { InvalidArgumentError, Option } from 'commander';

/** Parses a whole number >= min (--iterations, --seed, --shards). */
export const wholeNumber =
  (what: string, min = 0) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be a whole number >= ${min}`);
    return n;
  };

/** Parses a number >= 0 (--tolerance, --budget). */
export const nonNegativeNumber =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a number >= 0`);
    return n;
  };

/** Parses a number > 0 (--fail-above). */
const positiveNumber =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a number > 0`);
    return n;
  };

/** The --set overrides with --fail-above as constraints.tolerance, last so that it wins. */
export const withTolerance = (sets: string[], failAbove: number | undefined): string[] =>
  failAbove === undefined ? sets : [...sets, `constraints.tolerance=${failAbove}`];

interface SharedOption {
  flags: string;
  help: string;
  parse?: (value: string) => unknown;
  /** Given again, the flag adds to a list (default []) rather than replacing its value. */
  repeatable?: boolean;
}

const SHARED_OPTIONS = {
  backend: { flags: '--backend <name>', help: 'tensorflow | webgpu | wasm | cpu (default: first available)' },
  set: { flags: '--set <key.path=value>', help: 'override a spec value (repeatable)', repeatable: true },
  seed: { flags: '--seed <n>', help: 'random seed, overrides training.seed', parse: wholeNumber('--seed') },
  iterations: {
    flags: '--iterations <n>',
    help: 'cap on total iterations, taken from the stages in order',
    parse: wholeNumber('--iterations'),
  },
  json: { flags: '--json', help: 'progress and summary as JSON lines on stdout, nothing else' },
  quiet: { flags: '--quiet', help: 'print only the result line and errors' },
  failAbove: {
    flags: '--fail-above <tol>',
    help: 'exit 1 when a condition or inequality is violated by more than tol, or a field with an exact solution has an L2 relative error over tol (overrides constraints.tolerance)',
    parse: positiveNumber('--fail-above'),
  },
} satisfies Record<string, SharedOption>;

/** The shared flag `name`, with its own help or `help`. */
export function sharedOption(name: keyof typeof SHARED_OPTIONS, help?: string): Option {
  const shared: SharedOption = SHARED_OPTIONS[name];
  const option = new Option(shared.flags, help ?? shared.help);
  if (shared.repeatable) return option.default([]).argParser((v: string, acc: string[]) => [...acc, v]);
  return shared.parse ? option.argParser(shared.parse) : option;
}
