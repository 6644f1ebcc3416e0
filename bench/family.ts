/**
 * `npm run bench -- --family`: the held-out family (bench/family/*.yaml, specs that set no network
 * or training keys) solved by `pinn solve` over several seeds, one run at a time; prints per
 * problem the median and worst L2 relative error (the worst field of summary.json's `errors`)
 * and the median training time, and writes every run to JSON (bench-family.json, or --out FILE).
 * --seeds 0,1,2 (default), --problems a,b (file names without .yaml), --adam N --lbfgs M (the
 * default stages with other iteration counts: a smaller common budget; default: the defaults),
 * --set KEY=VALUE (repeatable: passed to every solve, e.g. a candidate default to compare).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const FAMILY_DIR = 'bench/family';

interface FamilyRun {
  problem: string;
  seed: number;
  /** L2 relative error per field, from summary.json. */
  l2: Record<string, number>;
  /** The worst field's. */
  l2_worst_field: number;
  training_s: number;
  iterations: number;
  load_before: number;
  load_after: number;
}

interface FamilyRow {
  problem: string;
  runs: number;
  median_l2: number;
  worst_l2: number;
  median_training_s: number;
}

interface FamilyOptions {
  seeds: number[];
  problems?: string[];
  budget?: { adam: number; lbfgs: number };
  /** `--set` overrides passed to every solve. */
  sets: string[];
  out: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function familyOptions(args: string[]): FamilyOptions {
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const adam = value('--adam');
  const lbfgs = value('--lbfgs');
  return {
    seeds: (value('--seeds') ?? '0,1,2').split(',').map(Number),
    problems: value('--problems')?.split(','),
    budget:
      adam !== undefined || lbfgs !== undefined
        ? { adam: Number(adam ?? 5000), lbfgs: Number(lbfgs ?? 2000) }
        : undefined,
    sets: args.flatMap((a, i) => (a === '--set' && args[i + 1] !== undefined ? [args[i + 1]!] : [])),
    out: value('--out') ?? 'bench-family.json',
  };
}

/** One `pinn solve` of a family spec; its errors and training time from summary.json. */
function solveOnce(file: string, seed: number, budget: FamilyOptions['budget'], sets: string[]): FamilyRun {
  const out = mkdtempSync(join(tmpdir(), 'pinn-family-'));
  const args = budget
    ? [
        '--set',
        `training.stages=[{optimizer: adam, iterations: ${budget.adam}}, {optimizer: lbfgs, iterations: ${budget.lbfgs}}]`,
      ]
    : [];
  args.push(...sets.flatMap((s) => ['--set', s]));
  const load_before = loadavg()[0]!;
  const r = spawnSync(
    process.execPath,
    ['bin/pinn.js', 'solve', file, '--seed', String(seed), '--out', out, '--quiet', ...args],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`pinn solve ${file} --seed ${seed} failed (${r.status}): ${r.stderr}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryFields;
  rmSync(out, { recursive: true, force: true });
  const l2 = Object.fromEntries(Object.entries(summary.errors).map(([f, e]) => [f, e.l2_relative]));
  return {
    problem: basename(file, '.yaml'),
    seed,
    l2,
    l2_worst_field: Math.max(...Object.values(l2)),
    training_s: summary.train_seconds,
    iterations: summary.iterations,
    load_before,
    load_after: loadavg()[0]!,
  };
}

/** What this runner reads of summary.json. */
interface SummaryFields {
  errors: Record<string, { l2_relative: number }>;
  train_seconds: number;
  iterations: number;
}

function familyRow(problem: string, runs: FamilyRun[]): FamilyRow {
  const errors = runs.map((r) => r.l2_worst_field);
  return {
    problem,
    runs: runs.length,
    median_l2: median(errors),
    worst_l2: Math.max(...errors),
    median_training_s: median(runs.map((r) => r.training_s)),
  };
}

export function runFamily(args: string[]): void {
  const options = familyOptions(args);
  const files = readdirSync(FAMILY_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .filter((f) => options.problems?.includes(basename(f, '.yaml')) ?? true);
  const runs: FamilyRun[] = [];
  const rows: FamilyRow[] = [];
  process.stdout.write(
    `${'problem'.padEnd(24)} ${'median L2'.padStart(10)} ${'worst L2'.padStart(10)} ${'median s'.padStart(9)}\n`,
  );
  for (const f of files) {
    const mine = options.seeds.map((seed) => solveOnce(join(FAMILY_DIR, f), seed, options.budget, options.sets));
    runs.push(...mine);
    const row = familyRow(basename(f, '.yaml'), mine);
    rows.push(row);
    process.stdout.write(
      `${row.problem.padEnd(24)} ${row.median_l2.toExponential(2).padStart(10)} ${row.worst_l2.toExponential(2).padStart(10)} ${row.median_training_s.toFixed(1).padStart(9)}\n`,
    );
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    seeds: options.seeds,
    budget: options.budget ?? 'defaults',
    sets: options.sets,
    rows,
    runs,
  };
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`results written to ${options.out}\n`);
}
