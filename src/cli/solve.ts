/** `pinn solve SPEC`: flags, progress, stopping on a signal with a checkpoint, and the result lines around run/solve.ts. */
import chalk from 'chalk';
import { InvalidArgumentError, type Command } from 'commander';
import { selectBackend } from '../backend/index.js';
import { verdictOf } from '../outputs/index.js';
import { InterruptedError, planRun, solveAsync, stageNotes, type StartInfo, type Summary } from '../run/index.js';
import { formatSeconds } from '../util/index.js';
import { sharedOption, withTolerance } from './options.js';
import { progressSink, type OutputMode } from './progress.js';

interface SolveFlags {
  out?: string;
  backend?: string;
  strategy?: string;
  iterations?: number;
  seed?: number;
  workers?: number;
  set: string[];
  json?: boolean;
  quiet?: boolean;
  resume?: boolean;
  failAbove?: number;
}

export function registerSolve(program: Command, setExit: (code: number) => void): void {
  program
    .command('solve')
    .description('train a PINN on a problem spec and write its fields')
    .argument('<spec>', 'problem spec (YAML)')
    .option('--out <dir>', 'run folder (default runs/<name>)')
    .addOption(sharedOption('backend'))
    .option('--strategy <name>', 'constraint strategy, overrides constraints.strategy')
    .addOption(sharedOption('iterations'))
    .addOption(sharedOption('seed'))
    .option('--workers <n>', 'threads per loss evaluation (1 or 2), overrides training.workers', (v: string) => {
      if (v !== '1' && v !== '2') throw new InvalidArgumentError('--workers must be 1 or 2');
      return Number(v);
    })
    .addOption(sharedOption('set'))
    .addOption(sharedOption('json'))
    .addOption(sharedOption('quiet'))
    .option('--resume', 'continue from the checkpoint in the run folder (same spec and options)')
    .addOption(sharedOption('failAbove'))
    .action(async (specFile: string, o: SolveFlags) => {
      setExit(await solveCommand(specFile, o));
    });
}

/** Solves and prints the result; returns the exit status (130 or 143 when stopped by a signal). */
async function solveCommand(specFile: string, o: SolveFlags): Promise<number> {
  const mode: OutputMode = o.json ? 'json' : o.quiet ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain';
  // With --json, stdout carries JSON lines only: library chatter on console goes to stderr.
  if (mode === 'json')
    for (const k of ['log', 'info', 'debug'] as const) console[k] = (...a: unknown[]) => console.error(...a);
  const say = (s: string) => {
    if (mode === 'tty' || mode === 'plain') process.stderr.write(`${s}\n`);
  };
  // Ctrl-C / SIGTERM: stop at the next iteration boundary with a checkpoint; a second signal exits at once.
  const stop: { signal?: string } = {};
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stop.signal = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sink = progressSink(mode, process.stderr);
  const told = new Set<string>();
  let summary: Summary;
  try {
    const request = {
      specFile,
      outDir: o.out,
      sets: withTolerance(o.set, o.failAbove),
      strategy: o.strategy,
      iterations: o.iterations,
      seed: o.seed,
      resume: o.resume,
    };
    // The spec first: its errors are reported before any backend is probed.
    const plan = planRun(request);
    const backend = await selectBackend(o.backend);
    summary = await solveAsync(
      {
        ...request,
        plan,
        workers: o.workers,
        backend: { name: backend.name, detail: backend.detail },
        onRollback: (r) =>
          say(
            `${chalk.yellow('diverging')}: ${r.reason}; rolled back to iteration ${r.toIteration}, lr now ${r.lr.toPrecision(3)}`,
          ),
        onStart: (info) => announceStart(info, backend, mode, say),
        onHealth: (w) => {
          if (told.has(w.kind) && w.kind === 'loss-flat') return;
          told.add(w.kind);
          if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'health', ...w })}\n`);
          sink.finish();
          say(`${chalk.yellow('not training')}: ${w.message}; ${w.advice}`);
        },
        onProgress: (p) => sink.update(p),
      },
      stop,
    );
  } catch (err) {
    sink.finish();
    if (!(err instanceof InterruptedError)) throw err;
    reportInterrupted(err, specFile, o, mode);
    return err.signal === 'SIGTERM' ? 143 : 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  sink.finish();
  if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
  else printSummary(summary, o.out ?? `runs/${summary.name}`, mode);
  const missed = summary.tolerance?.missed ?? [];
  if (missed.length === 0) return 0;
  process.stderr.write(
    `${chalk.red('tolerance missed')} (${summary.tolerance!.value}): ${missed.join('; ')}; exit 1\n`,
  );
  return 1;
}

/** The header line and notes (stderr), or the JSON start line. */
function announceStart(
  info: StartInfo,
  backend: { name: string; detail: string },
  mode: OutputMode,
  say: (s: string) => void,
): void {
  say(
    `${chalk.bold('pinn')} ${info.problem.name}: backend ${chalk.green(backend.name)} (${backend.detail}), strategy ${info.problem.spec.constraints.strategy}, ` +
      `${info.parameters} parameters, points ${Object.entries(info.points)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
  );
  for (const n of info.notes) say(`  ${n}`);
  if (mode === 'json')
    process.stdout.write(
      `${JSON.stringify({ type: 'start', name: info.problem.name, backend: backend.name, out: info.outDir })}\n`,
    );
}

/** Where the run stopped and the command that resumes it, with the flags that shaped it. */
function reportInterrupted(err: InterruptedError, specFile: string, o: SolveFlags, mode: OutputMode): void {
  const flags = [
    ...o.set.map((s) => `--set ${shellQuote(s)}`),
    ...(o.strategy ? [`--strategy ${o.strategy}`] : []),
    ...(o.iterations !== undefined ? [`--iterations ${o.iterations}`] : []),
    ...(o.seed !== undefined ? [`--seed ${o.seed}`] : []),
    ...(o.backend ? [`--backend ${o.backend}`] : []),
  ];
  process.stderr.write(
    `${chalk.yellow('interrupted')} (${err.signal}) at iteration ${err.iteration} of ${err.totalIterations}; checkpoint saved to ${err.checkpoint}\n` +
      `resume with: pinn solve ${shellQuote(specFile)} --out ${shellQuote(err.outDir)}${flags.length ? ` ${flags.join(' ')}` : ''} --resume\n`,
  );
  if (mode === 'json')
    process.stdout.write(
      `${JSON.stringify({ type: 'interrupted', signal: err.signal, iteration: err.iteration, checkpoint: err.checkpoint })}\n`,
    );
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function printSummary(s: Summary, outDir: string, mode: OutputMode): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const errs = Object.entries(s.errors)
    .map(([f, e]) => `${f} L2 rel ${e.l2_relative.toExponential(2)} (max ${e.max_abs.toExponential(2)})`)
    .join(', ');
  out(
    `${chalk.bold('done')} ${s.name}: ${s.iterations} iterations in ${formatSeconds(s.train_seconds)} (${s.ms_per_iteration.toFixed(1)} ms/it, ${s.backend}), loss ${s.loss.total.toExponential(3)}${errs ? `, ${errs}` : ''}`,
  );
  if (mode !== 'quiet') {
    // A kept best or a restart differs from the last progress line's loss: say which parameters were written.
    for (const note of stageNotes(s.stages)) out(`  ${note}`);
    for (const v of s.violations)
      out(
        `  ${v.kind} ${v.name}: rms ${v.rms.toExponential(2)}, max ${v.max.toExponential(2)}${v.imposed ? ` (${v.imposed})` : ''}`,
      );
    for (const [k, v] of Object.entries(s.unknowns)) {
      const std = s.unknowns_uncertainty?.[k]?.std;
      out(
        `  unknown ${k} = ${v.toPrecision(6)}${std === undefined ? '' : ` +- ${std.toExponential(2)} (1 std. deviation)`}`,
      );
    }
    // The report's verdict, so the terminal and report.html say the same thing.
    for (const warning of verdictOf({ ...s })) out(`  ${chalk.yellow('warning')} ${warning}`);
    out(`  outputs in ${outDir}/`);
    if (s.files.includes('report.html')) out(`  report: ${outDir}/report.html`);
  }
}
