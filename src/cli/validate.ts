/** `pinn validate SPEC...`: check each spec and print its resolved problem. */
import chalk from 'chalk';
import { formatDiagnostic, loadSpecWithFlags, SpecError } from '../spec/index.js';
import { buildProblem, describeProblem, everyDiagnostic } from '../problem/index.js';

export function validateCommand(specs: string[], sets: string[]): number {
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
