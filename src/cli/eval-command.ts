/** `pinn eval RUN (--points FILE.csv | --grid) [--param name=value]... [--out F] [--derivatives "u_x,lap(u)"]`. */
import type { Command } from 'commander';
import { selectBackend } from '../backend/index.js';
import { SpecError } from '../spec/index.js';
import { writeFileAtomic } from '../util/index.js';
import {
  disposeLoadedModel,
  evalCsv,
  evalGridCsv,
  evaluateAt,
  loadRunModel,
  parseOutputExpressions,
  parseParamFlags,
  readPointsCsv,
} from '../run/index.js';
import { sharedOption } from './options.js';

interface EvalOptions {
  points?: string;
  grid?: boolean;
  param: string[];
  out?: string;
  derivatives?: string;
  backend?: string;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a saved model at points from a CSV file (columns named by the variables) or on its output grid',
    )
    .argument('<run>', 'run folder written by `pinn solve` (holds model/)')
    .option('--points <file>', 'CSV with a header naming the variables, one point per line')
    .option('--grid', "the run's output grid, with exact and error columns where the spec gives `exact`")
    .option(
      '--param <name=value>',
      'a parameter value of a parametric model (repeatable; inside the range it was trained over)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--out <file>', 'write the CSV here (default: stdout)')
    .option('--derivatives <exprs>', 'extra columns: comma-separated expressions of the fields, e.g. "u_x,lap(u)"')
    .addOption(sharedOption('backend'))
    .action(async (run: string, o: EvalOptions) => {
      if (!o.points === !o.grid)
        throw new SpecError([
          { loc: { file: run, line: 1, col: 1 }, message: 'give exactly one of --points FILE.csv and --grid' },
        ]);
      await selectBackend(o.backend);
      const text = o.grid ? evalGridCsv(run, o.param) : evalPoints(run, o.points!, o);
      if (o.out) writeFileAtomic(o.out, text);
      else process.stdout.write(text);
    });
}

function evalPoints(run: string, points: string, o: EvalOptions): string {
  const loaded = loadRunModel(run);
  try {
    const { view, model } = loaded;
    const fixed = parseParamFlags(o.param, view);
    const exprs = o.derivatives ? parseOutputExpressions(o.derivatives, view, [...model.unknowns.keys()]) : [];
    const table = readPointsCsv(points, view.variables, view, fixed);
    const values = evaluateAt(view, model, table.points, exprs);
    const { text, replaced } = evalCsv(table, [...view.fields, ...exprs.map((e) => e.name)], values);
    if (replaced.length)
      process.stderr.write(
        `note: column${replaced.length > 1 ? 's' : ''} ${replaced.join(', ')} of ${points} replaced by the model's values\n`,
      );
    return text;
  } finally {
    disposeLoadedModel(loaded);
  }
}
