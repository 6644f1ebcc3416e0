/**
 * Cases of a sweep over a trained parametric run (`run:` in the sweep file): each
 * is an evaluation of the saved model on the run's output grid at the case's
 * parameter values, done in this process with the model loaded once (an
 * evaluation takes milliseconds, a process start a second). The case folder gets
 * what `pinn eval RUN --grid --param ...` writes (fields.csv) and a summary.json
 * with the errors against `exact`, so results are tabulated as for trained cases.
 */
import { join } from 'node:path';
import type { ParametricRun } from '../run/index.js';
import { writeFileAtomic } from '../util/index.js';
import type { SweepCase } from './file.js';
import { LOG_FILE, saveCase, startCase, type CaseRecord } from './results.js';

/** The parameter values of a case: `set:` first, then the case's own (checked numbers, see planSweep). */
const caseValues = (c: SweepCase): Record<string, number> =>
  Object.fromEntries(c.overrides.map((o) => [o.path, o.value as number]));

/** Evaluates one case into a fresh folder and records how it ended in its case.json. */
export function evaluateCase(
  c: SweepCase,
  folder: string,
  s: { run: string; evaluator: ParametricRun; shard?: string },
): CaseRecord {
  const values = caseValues(c);
  const command = [
    'pinn',
    'eval',
    s.run,
    '--grid',
    ...Object.entries(values).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
  ];
  const record: CaseRecord = { ...startCase(c, folder, command, s.shard), evaluated: true };
  const t0 = performance.now();
  try {
    const { csv, errors } = s.evaluator.evaluate(values);
    record.seconds = (performance.now() - t0) / 1000;
    writeFileAtomic(join(folder, 'fields.csv'), csv);
    const summary = { evaluated_from: s.run, parameters: values, errors, wall_seconds: record.seconds };
    writeFileAtomic(join(folder, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    record.status = 'ok';
    record.exit_code = 0;
  } catch (err) {
    record.seconds = (performance.now() - t0) / 1000;
    record.status = 'failed';
    record.error = (err as Error).message.split('\n')[0];
    writeFileAtomic(join(folder, LOG_FILE), `${(err as Error).stack ?? String(err)}\n`);
  }
  record.finished_at = new Date().toISOString();
  saveCase(folder, record);
  return record;
}
