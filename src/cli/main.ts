/** The `pinn` command line: a thin layer over the run and spec modules. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import chalk from 'chalk';
import { formatDiagnostic, SpecError } from '../spec/index.js';
import { BackendError, listBackends, selectBackend } from '../backend/index.js';
import { InterruptedError, PINN_VERSION, ResumeError, solveAsync, type Summary } from '../run/index.js';
import { progressSink, type OutputMode } from './progress.js';
import { formatSeconds } from '../util/index.js';
import { validateCommand } from './validate.js';
import { everyDiagnostic } from '../problem/index.js';
import { registerCompare } from './compare.js';
import { registerEval } from './eval-command.js';
import { registerSweep } from './sweep.js';
import { registerVerify } from './verify.js';

class UsageError extends Error {}

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a whole number >= 0`);
  return n;
};
const collect = (v: string, acc: string[]) => [...acc, v];

export async function main(argv: string[]): Promise<number> {
  // Colour only when both streams are terminals (progress goes to stderr), never with NO_COLOR.
  const useColor = process.stdout.isTTY && process.stderr.isTTY && !process.env['NO_COLOR'];
  if (!useColor) chalk.level = 0;
  let exitCode = 0;
  const program = new Command('pinn')
    .description('Physics-informed neural network PDE solver with first-class constraint handling')
    .version(PINN_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program.command('solve')
    .description('train a PINN on a problem spec and write its fields')
    .argument('<spec>', 'problem spec (YAML)')
    .option('--out <dir>', 'run folder (default runs/<name>)')
    .option('--backend <name>', 'tensorflow | webgpu | wasm | cpu (default: first available)')
    .option('--strategy <name>', 'constraint strategy, overrides constraints.strategy')
    .option('--iterations <n>', 'cap on total iterations, taken from the stages in order', positiveInt('--iterations'))
    .option('--seed <n>', 'random seed, overrides training.seed', positiveInt('--seed'))
    .option('--workers <n>', 'threads per loss evaluation (1 or 2), overrides training.workers', (v: string) => {
      if (v !== '1' && v !== '2') throw new InvalidArgumentError('--workers must be 1 or 2');
      return Number(v);
    })
    .option('--set <key.path=value>', 'override a spec value (repeatable)', collect, [])
    .option('--json', 'progress and summary as JSON lines on stdout, nothing else')
    .option('--quiet', 'print only the result line and errors')
    .option('--resume', 'continue from the checkpoint in the run folder (same spec and options)')
    .action(async (specFile: string, o: { out?: string; backend?: string; strategy?: string; iterations?: number; seed?: number; workers?: number; set: string[]; json?: boolean; quiet?: boolean; resume?: boolean }) => {
      const mode: OutputMode = o.json ? 'json' : o.quiet ? 'quiet' : process.stderr.isTTY ? 'tty' : 'plain';
      // With --json, stdout carries JSON lines only: library chatter on console goes to stderr.
      if (mode === 'json') for (const k of ['log', 'info', 'debug'] as const) console[k] = (...a: unknown[]) => console.error(...a);
      const say = (s: string) => { if (mode === 'tty' || mode === 'plain') process.stderr.write(`${s}\n`); };
      // Ctrl-C / SIGTERM: stop at the next iteration boundary with a checkpoint; a second signal exits at once.
      const stop: { signal?: string } = {};
      const onSignal = (signal: NodeJS.Signals) => {
        if (stop.signal) process.exit(signal === 'SIGTERM' ? 143 : 130);
        stop.signal = signal;
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const sink = progressSink(mode, process.stderr);
      let summary: Summary;
      try {
        const backend = await selectBackend(o.backend);
        summary = await solveAsync({
          specFile, outDir: o.out, sets: o.set, strategy: o.strategy, iterations: o.iterations, seed: o.seed, workers: o.workers, resume: o.resume,
          backend: { name: backend.name, detail: backend.detail },
          onRollback: (r) => say(`${chalk.yellow('diverging')}: ${r.reason}; rolled back to iteration ${r.toIteration}, lr now ${r.lr.toPrecision(3)}`),
          onStart: (info) => {
            say(`${chalk.bold('pinn')} ${info.problem.name}: backend ${chalk.green(backend.name)} (${backend.detail}), strategy ${info.problem.spec.constraints.strategy}, ` +
              `${info.parameters} parameters, points ${Object.entries(info.points).map(([k, v]) => `${k} ${v}`).join(', ')}`);
            for (const n of info.notes) say(`  ${n}`);
            if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'start', name: info.problem.name, backend: backend.name, out: info.outDir })}\n`);
          },
          onProgress: (p) => sink.update(p),
        }, stop);
      } catch (err) {
        sink.finish();
        if (!(err instanceof InterruptedError)) throw err;
        const flags = [
          ...o.set.map((s) => `--set ${shellQuote(s)}`),
          ...(o.strategy ? [`--strategy ${o.strategy}`] : []),
          ...(o.iterations !== undefined ? [`--iterations ${o.iterations}`] : []),
          ...(o.seed !== undefined ? [`--seed ${o.seed}`] : []),
          ...(o.backend ? [`--backend ${o.backend}`] : []),
        ];
        process.stderr.write(`${chalk.yellow('interrupted')} (${err.signal}) at iteration ${err.iteration} of ${err.totalIterations}; checkpoint saved to ${err.checkpoint}\n` +
          `resume with: pinn solve ${shellQuote(specFile)} --out ${shellQuote(err.outDir)}${flags.length ? ` ${flags.join(' ')}` : ''} --resume\n`);
        if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'interrupted', signal: err.signal, iteration: err.iteration, checkpoint: err.checkpoint })}\n`);
        exitCode = err.signal === 'SIGTERM' ? 143 : 130;
        return;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      sink.finish();
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
      else printSummary(summary, o.out ?? `runs/${summary.name}`, mode);
    });

  program.command('validate')
    .description('check specs and print the resolved problems without training')
    .argument('<specs...>', 'problem specs (YAML)')
    .option('--set <key.path=value>', 'override a spec value (repeatable)', collect, [])
    .action((specs: string[], o: { set: string[] }) => { exitCode = validateCommand(specs, o.set); });

  registerEval(program);

  program.command('backends')
    .description('list compute backends and whether each is available here')
    .action(async () => {
      for (const b of await listBackends()) {
        process.stdout.write(`${b.available ? chalk.green('available  ') : chalk.yellow('unavailable')} ${b.name.padEnd(10)} ${b.detail}\n`);
      }
    });

  registerSweep(program, (code) => { exitCode = code; });
  registerVerify(program, (code) => { exitCode = code; });
  registerCompare(program, (code) => { exitCode = code; });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
  }
  if (err instanceof SpecError) {
    for (const d of everyDiagnostic(err)) process.stderr.write(`${chalk.red('error')} ${formatDiagnostic(d)}\n`);
    return 2;
  }
  if (err instanceof BackendError || err instanceof UsageError || err instanceof ResumeError) {
    process.stderr.write(`${chalk.red('error')} ${err.message}\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`${chalk.red('pinn failed')}: ${e?.message ?? String(err)}\n`);
  if (process.env['PINN_DEBUG']) process.stderr.write(`${e?.stack}\n`);
  return 1;
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function printSummary(s: Summary, outDir: string, mode: OutputMode): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const errs = Object.entries(s.errors).map(([f, e]) => `${f} L2 rel ${e.l2_relative.toExponential(2)} (max ${e.max_abs.toExponential(2)})`).join(', ');
  out(`${chalk.bold('done')} ${s.name}: ${s.iterations} iterations in ${formatSeconds(s.train_seconds)} (${s.ms_per_iteration.toFixed(1)} ms/it, ${s.backend}), loss ${s.loss.total.toExponential(3)}${errs ? `, ${errs}` : ''}`);
  if (mode !== 'quiet') {
    for (const v of s.violations) out(`  ${v.kind} ${v.name}: rms ${v.rms.toExponential(2)}, max ${v.max.toExponential(2)}${v.imposed ? ` (${v.imposed})` : ''}`);
    for (const [k, v] of Object.entries(s.unknowns)) out(`  unknown ${k} = ${v.toPrecision(6)}`);
    out(`  outputs in ${outDir}/`);
  }
}
