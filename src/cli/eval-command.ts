/** `pinn eval RUN --points FILE.csv [--out F] [--derivatives "u_x,lap(u)"]`. */
import type { Command } from 'commander';
import { selectBackend } from '../backend/index.js';
import { writeFileAtomic } from '../util/index.js';
import {
  disposeLoadedModel,
  evalCsv,
  evaluateAt,
  loadRunModel,
  parseOutputExpressions,
  readPointsCsv,
} from '../run/index.js';
import { sharedOption } from './options.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a saved model at points from a CSV file (columns named by the variables)')
    .argument('<run>', 'run folder written by `pinn solve` (holds model/)')
    .requiredOption('--points <file>', 'CSV with a header naming the variables, one point per line')
    .option('--out <file>', 'write the CSV here (default: stdout)')
    .option('--derivatives <exprs>', 'extra columns: comma-separated expressions of the fields, e.g. "u_x,lap(u)"')
    .addOption(sharedOption('backend'))
    .action(async (run: string, o: { points: string; out?: string; derivatives?: string; backend?: string }) => {
      await selectBackend(o.backend);
      const loaded = loadRunModel(run);
      try {
        const { view, model } = loaded;
        const exprs = o.derivatives ? parseOutputExpressions(o.derivatives, view, [...model.unknowns.keys()]) : [];
        const table = readPointsCsv(o.points, view.variables);
        const values = evaluateAt(view, model, table.points, exprs);
        const { text, replaced } = evalCsv(table, [...view.fields, ...exprs.map((e) => e.name)], values);
        if (replaced.length)
          process.stderr.write(
            `note: column${replaced.length > 1 ? 's' : ''} ${replaced.join(', ')} of ${o.points} replaced by the model's values\n`,
          );
        if (o.out) writeFileAtomic(o.out, text);
        else process.stdout.write(text);
      } finally {
        disposeLoadedModel(loaded);
      }
    });
}
