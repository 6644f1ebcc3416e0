/** `pinn validate SPEC...`: check each spec and print its resolved problem. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import chalk from 'chalk';
import { parse } from 'yaml';
import type { Command } from 'commander';
import { formatDiagnostic, loadSpecWithFlags, SpecError } from '../spec/index.js';
import { buildProblem, describeProblem, everyDiagnostic } from '../problem/index.js';
import { planSweep, readSweepFile } from '../sweep/index.js';
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
      if (isSweepFile(file)) {
        // Checked as what it is: every case's spec, each with its overrides.
        const plan = planSweep(readSweepFile(file));
        const unused = sets.length ? ' (--set does not apply to a sweep file)' : '';
        process.stdout.write(
          `${chalk.green('ok')} ${file}: a sweep file, ${plan.cases.length} cases ${plan.def.run ? `evaluating run ${relative(process.cwd(), plan.def.run.dir)}` : `of ${relative(process.cwd(), plan.def.spec)}`}${unused}; run it with \`pinn sweep ${file}\`\n\n`,
        );
        continue;
      }
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

/** A sweep file (docs/sweeps.md) names the `spec:` it varies (or the `run:` it evaluates) and has no geometry of its own. */
function isSweepFile(file: string): boolean {
  try {
    const v: unknown = parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null && ('spec' in v || 'run' in v) && !('geometry' in v);
  } catch {
    return false;
  }
}
