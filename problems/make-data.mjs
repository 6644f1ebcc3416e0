#!/usr/bin/env node
// Synthetic observations for an inverse problem's data condition ({on: data, file: F}).
//
//   node problems/make-data.mjs EXPR VAR=LO:HI|VAR=V [...] --count N [--grid] [--seed S] [--noise R] [--field u]
//
// EXPR is the exact solution as an expression of the variables in the spec's own language (read by
// pinn's parser, so run `npm install` first, which builds it). Each VAR=LO:HI gives a variable's range; points lie strictly inside
// it (a scrambled Halton sequence, shifted by the seed, never on a range's ends). VAR=V holds a
// variable at V (sensors read at one time, say). --grid puts N evenly spaced points on each range,
// its ends included, and takes every combination (numpy's linspace per axis). --noise R
// multiplies each value by (1 + R g) with g a seeded standard normal, i.e. R relative noise.
// The CSV (header `VAR,...,field`, full double precision) goes to standard output; the same
// arguments always write the same bytes. Example (problems/inverse-heat-data.csv):
//
//   node problems/make-data.mjs "exp(-0.07*pi^2*t)*sin(pi*x)" x=0:1 t=0:1 --count 240 --seed 1 \
//     > problems/inverse-heat-data.csv
//
// No dependencies beyond pinn itself.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileNumeric, parseExpr } from '../dist/expr/index.js';

const PRIMES = [2, 3, 5, 7, 11, 13];

/** Parses the command line into { expr, ranges: [name, lo, hi][], count, seed, noise, field }. */
export function parseArgs(argv) {
  const opts = { expr: undefined, ranges: [], count: undefined, seed: 0, noise: 0, field: 'u', grid: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--count') opts.count = Number(next());
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--noise') opts.noise = Number(next());
    else if (a === '--field') opts.field = next();
    else if (a === '--grid') opts.grid = true;
    else if (/^[a-z]=-?[\d.e+-]+$/.test(a)) {
      const [name, value] = a.split('=');
      if (!Number.isFinite(Number(value))) throw new Error(`bad value '${a}': expected VAR=V with a number V`);
      opts.ranges.push([name, Number(value), Number(value)]);
    } else if (/^[a-z]=/.test(a)) {
      const m = /^([a-z])=(-?[\d.e+-]+):(-?[\d.e+-]+)$/.exec(a);
      if (!m || !(Number(m[2]) < Number(m[3]))) throw new Error(`bad range '${a}': expected VAR=LO:HI with LO < HI`);
      opts.ranges.push([m[1], Number(m[2]), Number(m[3])]);
    } else if (opts.expr === undefined) opts.expr = a;
    else throw new Error(`unexpected argument '${a}'`);
  }
  if (opts.expr === undefined) throw new Error('no expression');
  if (opts.ranges.length === 0 || opts.ranges.length > PRIMES.length) throw new Error('give 1 to 6 ranges');
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error('--count must be a whole number >= 1');
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error('--seed must be a whole number >= 0');
  if (!(opts.noise >= 0)) throw new Error('--noise must be a number >= 0');
  return opts;
}

/** Mulberry32: a small seeded generator of numbers in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample from two uniform ones (Box-Muller). */
export function gaussian(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** The radical inverse of i in base b (Halton coordinate), in (0, 1) for i >= 1. */
function radicalInverse(i, b) {
  let f = 1;
  let r = 0;
  for (let n = i; n > 0; n = Math.floor(n / b)) {
    f /= b;
    r += f * (n % b);
  }
  return r;
}

/** Compiles EXPR over the variables with pinn's own expression parser: the spec's language, nothing else. */
export function compile(expr, names) {
  const spatial = names.filter((n) => n !== 't');
  const scope = { variables: names, fields: [], constants: [], spatial, derivatives: false, boundary: false };
  const evaluate = compileNumeric(parseExpr(expr, scope));
  return (...point) => evaluate({ value: (name) => point[names.indexOf(name)] ?? NaN, tolerance: 0 });
}

/** `count` points of a scrambled Halton sequence strictly inside the ranges (a fixed variable keeps its value). */
function haltonPoints(ranges, count, shift) {
  return Array.from({ length: count }, (_, j) =>
    ranges.map(([, lo, hi], k) => {
      const s = (radicalInverse(j + 1, PRIMES[k]) + shift[k]) % 1;
      // keep the point strictly inside: s in (0, 1) maps to (lo, hi); s = 0 moves half a step in
      const u = s > 0 ? s : 0.5 / (count + 1);
      return lo + (hi - lo) * u;
    }),
  );
}

/** Every combination of `count` evenly spaced values per range, ends included; the first variable varies slowest. */
function gridPoints(ranges, count) {
  const axes = ranges.map(([, lo, hi]) =>
    lo === hi ? [lo] : Array.from({ length: count }, (_, i) => (count === 1 ? lo : lo + ((hi - lo) * i) / (count - 1))),
  );
  return axes.reduce((acc, axis) => acc.flatMap((p) => axis.map((v) => [...p, v])), [[]]);
}

/** The CSV text: header, then `count` rows of the variables and the (noisy) value. */
export function makeData(opts) {
  const names = opts.ranges.map(([n]) => n);
  const f = compile(opts.expr, names);
  const rand = mulberry32(opts.seed * 2654435761 + 1);
  const shift = opts.ranges.map(() => rand());
  const gauss = () => gaussian(rand);
  const rows = [[...names, opts.field].join(',')];
  const points = opts.grid ? gridPoints(opts.ranges, opts.count) : haltonPoints(opts.ranges, opts.count, shift);
  for (const point of points) {
    const exact = f(...point);
    if (!Number.isFinite(exact)) throw new Error(`the expression is ${exact} at ${point.join(', ')}`);
    const value = opts.noise > 0 ? exact * (1 + opts.noise * gauss()) : exact;
    rows.push([...point, value].map(String).join(','));
  }
  return rows.join('\n') + '\n';
}

// Real paths on both sides: run through a symbolic link (a linked checkout, a package's bin), it still runs.
const isMain = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  try {
    process.stdout.write(makeData(parseArgs(process.argv.slice(2))));
  } catch (err) {
    process.stderr.write(`make-data: ${err.message}\n`);
    process.exit(2);
  }
}
