/**
 * `pinn sweep collect DIR`: one results table from the case folders of all
 * shards under DIR - shards that shared the folder, or artifacts downloaded
 * side by side into subfolders.
 */
import { join, relative } from 'node:path';
import {
  CASE_FILE,
  PLAN_FILE,
  buildResults,
  findFiles,
  readPlan,
  writeResults,
  type PlanFile,
  type Results,
} from './results.js';

export class CollectError extends Error {}

export function collectResults(dir: string): { results: Results; plan: PlanFile; planFolders: string[] } {
  const planFolders = findFiles(dir, PLAN_FILE);
  if (planFolders.length === 0)
    throw new CollectError(`no ${PLAN_FILE} under ${dir}; expected the --out folder of a sweep or its shards' folders`);
  const plans = planFolders
    .map((f) => ({ folder: f, plan: readPlan(f) }))
    .filter((p): p is { folder: string; plan: PlanFile } => !!p.plan && Array.isArray(p.plan.cases));
  if (plans.length === 0) throw new CollectError(`the ${PLAN_FILE} files under ${dir} cannot be read`);
  const distinct = [...new Set(plans.map((p) => p.plan.plan_hash))];
  if (distinct.length > 1) {
    const where = plans
      .map(
        (p) =>
          `  ${relative(dir, join(p.folder, PLAN_FILE)) || PLAN_FILE}: plan ${p.plan.plan_hash} (${p.plan.cases.length} cases)`,
      )
      .join('\n');
    throw new CollectError(
      `the folders under ${dir} come from different sweeps (or different versions of one); collect the shards of one sweep at a time:\n${where}`,
    );
  }
  const plan = plans[0]!.plan;
  const results = buildResults(dir, plan, findFiles(dir, CASE_FILE));
  writeResults(dir, results);
  return { results, plan, planFolders };
}
