/** `pinn sweep`, `pinn sweep plan` and `pinn sweep collect`: flags and printing around src/sweep. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { toleranceMisses } from '../outputs/index.js';
import chalk from 'chalk';
import { selectBackend } from '../backend/index.js';
import type { Command } from 'commander';
import {
  CollectError,
  collectResults,
  countsLine,
  LOG_FILE,
  logTail,
  markdownTable,
  parseShard,
  plainStatus,
  planSweep,
  readSweepFile,
  runSweep,
  ShardError,
  shardFromEnv,
  shardMatrix,
  showValue,
  ttyStatus,
  type Results,
  type Shard,
} from '../sweep/index.js';
import { sharedOption, wholeNumber } from './options.js';

function usage(message: string): number {
  process.stderr.write(`${chalk.red('error')} ${message}\n`);
  return 2;
}

const shortPath = (p: string) => {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
};

function printTable(res: Results): void {
  process.stdout.write(`${markdownTable(res)}\n\n${countsLine(res)}\n`);
}

interface SweepFlags {
  out?: string;
  shard?: string;
  shardCount?: number;
  parallel?: number;
  iterations?: number;
  backend?: string;
  force?: boolean;
  failAbove?: number;
}

export function registerSweep(program: Command, setExit: (code: number) => void): void {
  const sweep = program
    .command('sweep')
    .description('run a batch of variants of a problem (see docs/sweeps.md); also: sweep plan, sweep collect')
    .argument('<sweep>', 'sweep file (YAML)')
    .option('--out <dir>', 'sweep folder, one subfolder per case (default runs/<sweep name>)')
    .option('--shard <i/n>', 'run only the i-th of n disjoint parts of the sweep')
    .option(
      '--shard-count <n>',
      'n parts, this being part JOB_COMPLETION_INDEX+1 (Kubernetes Indexed Jobs)',
      wholeNumber('--shard-count', 1),
    )
    .option('--parallel <n>', 'cases run at once on this machine (overrides parallel:)', wholeNumber('--parallel', 1))
    .addOption(sharedOption('iterations', "cap on each case's total iterations (overrides iterations:)"))
    .addOption(sharedOption('backend', 'backend for every case (overrides backend:)'))
    .option('--force', 'rerun cases even when they finished with the same spec')
    .addOption(
      sharedOption(
        'failAbove',
        "exit 1 when a case misses tol (its max violations, and L2 errors where exact is given), overriding the cases' constraints.tolerance",
      ),
    )
    .action(async (file: string, o: SweepFlags) => {
      setExit(await sweepCommand(file, o));
    });

  sweep
    .command('plan')
    .description('print a CI matrix (JSON) splitting the sweep into shards')
    .argument('<sweep>', 'sweep file (YAML)')
    .requiredOption('--shards <n>', 'number of shards', wholeNumber('--shards', 1))
    .action((file: string, o: { shards: number }) => {
      const plan = planSweep(readSweepFile(file));
      process.stdout.write(`${JSON.stringify(shardMatrix(plan.cases, o.shards))}\n`);
    });

  sweep
    .command('collect')
    .description("merge the case folders of a sweep's shards under DIR into one results table")
    .argument('<dir>', "folder holding the shards' output (their --out folders, or downloaded artifacts)")
    .action((dir: string) => {
      try {
        const { results } = collectResults(dir);
        printTable(results);
        const missing = results.rows.filter(
          (r) => r.status === 'missing' || r.status === 'stale' || r.status === 'running',
        );
        const failed = results.rows.filter((r) => r.status === 'failed');
        for (const r of failed)
          process.stderr.write(
            `${chalk.red('failed')} ${r.id}: ${r.record?.error ?? ''} (${join(dir, r.folder ?? '', LOG_FILE)})\n`,
          );
        for (const r of missing) {
          const p = Object.entries(r.params)
            .map(([k, v]) => `${k}=${showValue(v)}`)
            .join(' ');
          process.stderr.write(`${chalk.yellow(r.status === 'missing' ? 'missing' : r.status)} ${r.id} ${p}\n`);
        }
        process.stderr.write(`results in ${join(dir, 'results.csv')}, results.md and results.html\n`);
        setExit(failed.length || missing.length ? 1 : 0);
      } catch (err) {
        if (err instanceof CollectError) {
          setExit(usage(err.message));
          return;
        }
        throw err;
      }
    });
}

async function sweepCommand(file: string, o: SweepFlags): Promise<number> {
  let shard: Shard | undefined;
  try {
    if (o.shard !== undefined && o.shardCount !== undefined)
      return usage('give either --shard i/n or --shard-count n (with JOB_COMPLETION_INDEX), not both');
    if (o.shard !== undefined) shard = parseShard(o.shard);
    if (o.shardCount !== undefined) shard = shardFromEnv(o.shardCount);
  } catch (err) {
    if (err instanceof ShardError) return usage(err.message);
    throw err;
  }
  const def = readSweepFile(file);
  const plan = planSweep(def, { iterations: o.iterations, backend: o.backend });
  const outDir = o.out ?? join('runs', def.name || basename(file, extname(file)));
  // A sweep over a trained run evaluates in this process, on the backend `pinn eval` would use.
  if (def.run) await selectBackend(o.backend ?? def.backend);
  const tty = !!process.stderr.isTTY;
  const view = tty ? ttyStatus(process.stderr, outDir, def.name) : plainStatus(process.stderr, outDir);
  if (!tty) {
    const mine = shard ? `shard ${shard.index}/${shard.count}: ` : '';
    process.stderr.write(`sweep ${def.name}: ${plan.cases.length} cases, ${mine}running into ${outDir}\n`);
  }
  const abort = new AbortController();
  const onSigint = () => {
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  let run;
  try {
    run = await runSweep({
      plan,
      outDir,
      shard,
      parallel: o.parallel,
      iterations: o.iterations,
      backend: o.backend,
      force: o.force,
      onEvent: (e) => view.event(e),
      signal: abort.signal,
    });
  } finally {
    view.finish();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  printTable(run.results);
  const failed = run.cases.filter((c) => c.state === 'failed');
  for (const c of failed) {
    process.stderr.write(
      `\n${chalk.red('failed')} ${c.case.id} ${Object.entries(c.case.params)
        .map(([k, v]) => `${k}=${showValue(v)}`)
        .join(' ')}: ` +
        `${c.record?.signal ? `signal ${c.record.signal}` : `exit ${c.record?.exit_code}`}, log ${shortPath(join(c.folder, LOG_FILE))}\n`,
    );
    for (const l of logTail(join(c.folder, LOG_FILE), 10)) process.stderr.write(`  | ${l}\n`);
  }
  process.stderr.write(`results in ${join(outDir, 'results.csv')}, results.md and results.html\n`);
  if (abort.signal.aborted) return 130;
  if (failed.length) {
    process.stderr.write(
      `${chalk.red(`${failed.length} of ${run.cases.length} case${run.cases.length === 1 ? '' : 's'} failed`)}: ${failed.map((c) => c.case.id).join(', ')}\n`,
    );
    return 1;
  }
  return toleranceReport(run.cases, o.failAbove);
}

/** Each finished case that misses its tolerance (--fail-above, else its spec's), said; 1 when one does. */
function toleranceReport(cases: { case: { id: string }; state: string; folder: string }[], failAbove?: number): number {
  let missedAny = false;
  for (const c of cases) {
    const file = join(c.folder, 'summary.json');
    if ((c.state !== 'ok' && c.state !== 'reused') || !existsSync(file)) continue;
    const summary = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const own = summary['tolerance'] as { value: number; missed: string[] } | undefined;
    const tol = failAbove ?? own?.value;
    if (tol === undefined) continue;
    const missed = failAbove !== undefined ? toleranceMisses(summary, failAbove) : own!.missed;
    if (missed.length === 0) continue;
    missedAny = true;
    process.stderr.write(`${chalk.red('tolerance missed')} (${tol}) by ${c.case.id}: ${missed.join('; ')}\n`);
  }
  return missedAny ? 1 : 0;
}
