/**
 * The evaluation grid over the geometry's bounding box (masked to the domain)
 * at each output time, and the model evaluated on it as a FieldTable with the
 * exact solution and pointwise error where `exact` is given.
 */
import * as tf from '@tensorflow/tfjs';
import { J } from '../derivatives/index.js';
import { compileNumeric } from '../expr/index.js';
import type { Problem } from '../problem/index.js';
import { parameterMiddle } from '../spec/index.js';
import { disposeBatch, evaluatesIn64, fieldJets, fieldValues64, makeBatch, type Model } from '../model/index.js';
import { withMagnitudePhase } from './complex.js';
import type { FieldTable } from './table.js';

const CHUNK = 16384;

function gridNodes(problem: Problem, counts: number[]): { coords: Float64Array; inside: Uint8Array; nodes: number } {
  const { min, max } = problem.geometry.bbox;
  const dim = problem.dim;
  const nodes = counts.reduce((a, b) => a * b, 1);
  const coords = new Float64Array(nodes * dim);
  const inside = new Uint8Array(nodes);
  const p = new Array<number>(dim).fill(0);
  for (let k = 0; k < nodes; k++) {
    let rest = k;
    for (let a = 0; a < dim; a++) {
      const c = counts[a]!;
      const i = rest % c;
      rest = Math.floor(rest / c);
      p[a] = min[a]! + ((max[a]! - min[a]!) * i) / (c - 1);
      coords[k * dim + a] = p[a]!;
    }
    inside[k] = problem.geometry.contains(p) ? 1 : 0;
  }
  return { coords, inside, nodes };
}

/** Model field values at points (n * nVars), value only, evaluated in chunks (in float64 for a float64-trained model). */
function evaluateFields(problem: Problem, model: Model, points: Float64Array): Float64Array {
  const nVars = problem.variables.length;
  const n = points.length / nVars;
  const nf = problem.fields.length;
  const out = new Float64Array(n * nf);
  if (evaluatesIn64(model)) {
    const values = fieldValues64(problem, model, points);
    problem.fields.forEach((f, k) => values.get(f)!.forEach((v, i) => (out[i * nf + k] = v)));
    return out;
  }
  const ch = J.valueOnly(nVars);
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const batch = makeBatch(points.subarray(start * nVars, (start + count) * nVars), nVars);
    tf.tidy(() => {
      const jets = fieldJets(problem, model, batch, ch);
      problem.fields.forEach((f, k) => {
        const v = tf.broadcastTo(jets.get(f)!.v, [count, 1]).dataSync();
        for (let i = 0; i < count; i++) out[(start + i) * nf + k] = v[i]!;
      });
    });
    disposeBatch(batch);
  }
  return out;
}

/** Exact solution values for `field` at points, in float64. */
function exactValues(problem: Problem, field: string, points: Float64Array): Float64Array {
  const e = problem.exact.get(field)!;
  const nVars = problem.variables.length;
  const n = points.length / nVars;
  const out = new Float64Array(n);
  const index = new Map(problem.variables.map((v, i) => [v, i]));
  const run = compileNumeric(e);
  for (let i = 0; i < n; i++) {
    out[i] = run({
      tolerance: 0,
      value: (name) => {
        const k = index.get(name);
        return k !== undefined ? points[i * nVars + k]! : (problem.constants.get(name) ?? NaN);
      },
    });
  }
  return out;
}

/**
 * The model and the exact solution on the output grid at every output time, with magnitude and phase of complex
 * fields; with parameters, at `values` (default: the first of output.parameters). The table's variables are
 * space(-time).
 */
export function fieldTable(
  problem: Problem,
  model: Model,
  values: Record<string, number> = problem.spec.output.parameters[0] ?? {},
): FieldTable {
  const spec = problem.spec;
  const counts = spec.output.grid;
  const { coords, inside, nodes } = gridNodes(problem, counts);
  const times = problem.time ? spec.output.times : [];
  const nVars = problem.variables.length;
  const nST = nVars - problem.parameters.length;
  const dim = problem.dim;
  const insideCount = inside.reduce((s, v) => s + v, 0);
  const timeList = times.length ? times : [undefined];
  const rows = insideCount * timeList.length;
  const points = new Float64Array(rows * nVars);
  const paramRow = problem.parameters.map((p) => values[p.name] ?? parameterMiddle(p));
  let r = 0;
  for (const t of timeList) {
    for (let k = 0; k < nodes; k++) {
      if (!inside[k]) continue;
      for (let a = 0; a < dim; a++) points[r * nVars + a] = coords[k * dim + a]!;
      if (t !== undefined) points[r * nVars + dim] = t;
      paramRow.forEach((v, j) => (points[r * nVars + nST + j] = v));
      r++;
    }
  }
  const fieldValues = evaluateFields(problem, model, points);
  const exactFields = problem.fields.filter((f) => problem.exact.has(f));
  const exact = new Map(exactFields.map((f) => [f, exactValues(problem, f, points)]));
  const variables = problem.variables.slice(0, nST);
  const columns = [...variables, ...problem.fields, ...exactFields.flatMap((f) => [`${f}_exact`, `${f}_error`])];
  const c = columns.length;
  const nf = problem.fields.length;
  const data = new Float64Array(rows * c);
  for (let i = 0; i < rows; i++) {
    for (let a = 0; a < nST; a++) data[i * c + a] = points[i * nVars + a]!;
    for (let k = 0; k < nf; k++) data[i * c + nST + k] = fieldValues[i * nf + k]!;
    exactFields.forEach((f, j) => {
      const ex = exact.get(f)![i]!;
      const val = fieldValues[i * nf + problem.fields.indexOf(f)]!;
      data[i * c + nST + nf + 2 * j] = ex;
      data[i * c + nST + nf + 2 * j + 1] = val - ex;
    });
  }
  return withMagnitudePhase({
    variables,
    fields: problem.fields,
    columns,
    data,
    rows,
    grid: { counts, min: problem.geometry.bbox.min, max: problem.geometry.bbox.max, inside },
    times,
    ...(problem.parameters.length
      ? { parameters: Object.fromEntries(problem.parameters.map((p, j) => [p.name, paramRow[j]!])) }
      : {}),
    ...(problem.pmlInterior ? { measured: problem.pmlInterior } : {}),
  });
}

/** L2 relative and max absolute error per field with an exact solution. */
export function fieldErrors(table: FieldTable): Record<string, { l2_relative: number; max_abs: number }> {
  const out: Record<string, { l2_relative: number; max_abs: number }> = {};
  const c = table.columns.length;
  for (const f of table.fields) {
    const ei = table.columns.indexOf(`${f}_exact`);
    if (ei < 0) continue;
    let num = 0;
    let den = 0;
    let maxAbs = 0;
    let rows = 0;
    for (let r = 0; r < table.rows; r++) {
      if (!isMeasured(table, r)) continue;
      rows++;
      const err = table.data[r * c + ei + 1]!;
      const ex = table.data[r * c + ei]!;
      num += err * err;
      den += ex * ex;
      maxAbs = Math.max(maxAbs, Math.abs(err));
    }
    out[f] = {
      l2_relative: den > 0 ? Math.sqrt(num / den) : Math.sqrt(num / Math.max(rows, 1)),
      max_abs: maxAbs,
    };
  }
  return out;
}

/** Whether row r lies inside the table's `measured` part (every row without one). */
function isMeasured(table: FieldTable, r: number): boolean {
  const part = table.measured;
  if (!part) return true;
  const at = (a: number) => table.data[r * table.columns.length + a]!;
  if (part.kind === 'disk') return Math.hypot(...part.center.map((c, a) => at(a) - c)) <= part.radius + 1e-12;
  return part.min.every((lo, a) => at(a) >= lo - 1e-12 && at(a) <= part.max[a]! + 1e-12);
}

/** Smallest, largest and mean value of each named field over the output grid. */
export function fieldRanges(
  table: FieldTable,
  names: string[],
): Record<string, { min: number; max: number; mean: number }> {
  const c = table.columns.length;
  return Object.fromEntries(
    names.map((f) => {
      const k = table.columns.indexOf(f);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (let r = 0; r < table.rows; r++) {
        const v = table.data[r * c + k]!;
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      return [f, { min, max, mean: sum / Math.max(table.rows, 1) }];
    }),
  );
}
