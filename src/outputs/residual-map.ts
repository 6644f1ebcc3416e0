/**
 * The PDE residual on the output grid: where the trained model satisfies its
 * equations least. One value per table row, the root sum of squares of every
 * equation's residuals there, for the `residual` pictures.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem } from '../problem/index.js';
import type { Model } from '../model/index.js';
import { computeResiduals, disposeBatches, prepareBatches } from '../residuals/index.js';
import type { FieldTable } from './table.js';

/** Rows per residual pass: second derivatives cost several times a value-only pass. */
const CHUNK = 4096;

/** `table` with a `residual` column appended; unchanged when the problem has no equation on its domain. */
export function withResidual(problem: Problem, model: Model, table: FieldTable): FieldTable {
  const equations = problem.terms.filter((t) => t.kind === 'equation' && t.set.kind === 'domain');
  if (equations.length === 0 || table.rows === 0) return table;
  const set = equations[0]!.set;
  const nST = table.variables.length;
  const params = problem.parameters.map((p) => table.parameters?.[p.name] ?? NaN);
  const nVars = nST + params.length;
  const width = table.columns.length;
  const residual = new Float64Array(table.rows);
  for (let start = 0; start < table.rows; start += CHUNK) {
    const count = Math.min(CHUNK, table.rows - start);
    const points = new Float64Array(count * nVars);
    for (let i = 0; i < count; i++) {
      for (let a = 0; a < nST; a++) points[i * nVars + a] = table.data[(start + i) * width + a]!;
      params.forEach((v, j) => (points[i * nVars + nST + j] = v));
    }
    const batches = prepareBatches(problem, [{ set, terms: equations, points }]);
    try {
      tf.tidy(() => {
        for (const r of computeResiduals(problem, model, batches)) {
          for (const v of r.values) {
            const values = v.dataSync();
            // A residual that does not depend on the point comes back as one value.
            for (let i = 0; i < count; i++) {
              const x = values.length === count ? values[i]! : values[0]!;
              residual[start + i] = residual[start + i]! + x * x;
            }
          }
        }
      });
    } finally {
      disposeBatches(batches);
    }
  }
  const data = new Float64Array(table.rows * (width + 1));
  for (let r = 0; r < table.rows; r++) {
    data.set(table.data.subarray(r * width, (r + 1) * width), r * (width + 1));
    data[r * (width + 1) + width] = Math.sqrt(residual[r]!);
  }
  return { ...table, columns: [...table.columns, 'residual'], data };
}
