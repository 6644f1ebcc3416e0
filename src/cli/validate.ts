/** `pinn validate SPEC...`: check each spec and print its resolved problem. */
import chalk from 'chalk';
import type { Command } from 'commander';
import { formatDiagnostic, loadSpecWithFlags, SpecError } from '../spec/index.js';
import { buildProblem, describeProblem, everyDiagnostic } from '../problem/index.js';
import { sharedOption } from './options.js';

export function registerValidate(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check specs and print the resolved problems without training')
    .argument('<specs...>', 'problem specs (YAML)')
    .addOption(sharedOption('set'))
    .action((specs: string[], o: { set: string[] }) => {
      setExit(validateCommand(specs, o.set));
    });
}

function validateCommand(specs: string[], sets: string[]): number {
  let failed = false;
  for (const file of specs) {
    try {
      const problem = buildProblem(loadSpecWithFlags(file, sets, {}));
      process.stdout.write(`${chalk.green('ok')} ${file}\n${describeProblem(problem)}\n\n`);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      failed = true;
      for (const d of everyDiagnostic(err)) process.stderr.write(`${chalk.red('error')} ${formatDiagnostic(d)}\n`);
    }
  }
  return failed ? 2 : 0;
}
