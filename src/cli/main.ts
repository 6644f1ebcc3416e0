/** The `pinn` command line: a thin layer over the run and spec modules. */
import { Command, CommanderError } from 'commander';
import chalk from 'chalk';
import { formatDiagnostic, SpecError } from '../spec/index.js';
import { BackendError, listBackends, setVerbose } from '../backend/index.js';
import { PINN_VERSION, ResumeError } from '../run/index.js';
import { everyDiagnostic } from '../problem/index.js';
import { registerCompare } from './compare.js';
import { registerEval } from './eval-command.js';
import { registerSolve } from './solve.js';
import { registerSweep } from './sweep.js';
import { registerValidate } from './validate.js';
import { registerVerify } from './verify.js';

export async function main(argv: string[]): Promise<number> {
  // Colour only when both streams are terminals (progress goes to stderr), never with NO_COLOR.
  const useColor = process.stdout.isTTY && process.stderr.isTTY && !process.env['NO_COLOR'];
  if (!useColor) chalk.level = 0;
  let exitCode = 0;
  const program = new Command('pinn')
    .description('Physics-informed neural network PDE solver with first-class constraint handling')
    .version(PINN_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .option('--verbose', "also print what the libraries print while a backend starts (Dawn's warnings, tfjs's notices)")
    .hook('preAction', () => setVerbose(program.opts<{ verbose?: boolean }>().verbose === true));

  const setExit = (code: number) => {
    exitCode = code;
  };
  registerSolve(program, setExit);
  registerValidate(program, setExit);
  registerEval(program);

  program
    .command('backends')
    .description('list compute backends and whether each is available here')
    .action(async () => {
      const list = await listBackends();
      const chosen = list.find((b) => b.available && b.automatic);
      for (const b of list) {
        process.stdout.write(
          `${b.available ? chalk.green('available  ') : chalk.yellow('unavailable')} ${b.name.padEnd(10)} ${b.detail}${b === chosen ? ' (chosen when --backend is not given)' : ''}\n`,
        );
      }
    });

  registerSweep(program, setExit);
  registerVerify(program, setExit);
  registerCompare(program, setExit);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
      ? 0
      : 2;
  }
  if (err instanceof SpecError) {
    for (const d of everyDiagnostic(err)) process.stderr.write(`${chalk.red('error')} ${formatDiagnostic(d)}\n`);
    return 2;
  }
  if (err instanceof BackendError || err instanceof ResumeError) {
    process.stderr.write(`${chalk.red('error')} ${err.message}\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`${chalk.red('pinn failed')}: ${e?.message ?? String(err)}\n`);
  if (process.env['PINN_DEBUG']) process.stderr.write(`${e?.stack}\n`);
  return 1;
}
