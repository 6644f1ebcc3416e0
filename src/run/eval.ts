/**
 * `pinn eval`: a saved model evaluated at arbitrary points from a CSV file,
 * with the fields (and any expressions of them, derivatives included) written
 * beside the points.
 */
import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { channelsFor, evaluateValue, J } from '../derivatives/index.js';
import { ExprError, parseExpr, type Expr } from '../expr/index.js';
import {
  batchEnv,
  disposeBatch,
  evaluatesIn64,
  fieldJets,
  fieldValues64,
  makeBatch,
  type Model,
  type ModelProblem,
} from '../model/index.js';
import { formatNumber } from '../outputs/index.js';
import { sortDiagnostics, SpecError, type Diagnostic } from '../spec/index.js';
import { csvCell, didYouMean, finiteCell, parseCsv } from '../util/index.js';
import { missingParameters, outsideRange } from './eval-params.js';

const CHUNK = 4096;
const MAX_POINTS_BYTES = 512 * 1024 * 1024;
/** Row problems reported at most: the first ones say what is wrong. */
const MAX_ROW_PROBLEMS = 20;

interface PointsTable {
  header: string[];
  /** Cell text of each row, as read (echoed unchanged in the output). */
  cells: string[][];
  /** Points in the model's variable order, rows * nVars. */
  points: Float64Array;
}

/**
 * Reads a points CSV whose header names (at least) every variable; errors name file:line:col.
 * Parameters of a parametric model come from `fixed` (--param) or a column, never both, inside their ranges.
 */
export function readPointsCsv(
  file: string,
  variables: string[],
  view?: ModelProblem,
  fixed: Record<string, number> = {},
): PointsTable {
  const at = (line: number, col: number, message: string): Diagnostic => ({ loc: { file, line, col }, message });
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    if (st.size > MAX_POINTS_BYTES)
      throw new SpecError([at(1, 1, `the points file is ${st.size} bytes; at most ${MAX_POINTS_BYTES} are read`)]);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError([
      at(1, 1, `cannot read the points file; expected a CSV with a header naming ${variables.join(', ')}`),
    ]);
  }
  const { table, problems } = parseCsv(text);
  if (!table) {
    if (problems.length) throw new SpecError(problems.map((p) => at(p.line, p.col, p.message)));
    throw new SpecError([
      at(1, 1, `the points file is empty; expected a header naming ${variables.join(', ')}, then one point per line`),
    ]);
  }
  const header = table.header.map((c) => c.text);
  const headerProblems = problems.filter((p) => p.line === table.headerLine);
  const diags = headerProblems.map((p) => at(p.line, p.col, p.message));
  const index = variables.map((v) => (v in fixed ? -1 : header.indexOf(v)));
  const twice = Object.keys(fixed).filter((name) => header.includes(name));
  for (const name of twice)
    diags.push(
      at(
        table.headerLine,
        header.indexOf(name) + 1,
        `'${name}' is both a column here and --param ${name}=${fixed[name]}; give it once`,
      ),
    );
  const unsetParameter = view && missingParameters(view, fixed, header);
  if (unsetParameter) diags.push(at(table.headerLine, 1, unsetParameter));
  const missing = variables.filter(
    (v, k) => index[k]! < 0 && !(v in fixed) && !view?.parameters?.some((p) => p.name === v),
  );
  if (missing.length) {
    const hint = missing
      .map((m) => didYouMean(m, header))
      .filter((s) => s)
      .join(' ');
    diags.push(
      at(
        table.headerLine,
        1,
        `the header lacks ${missing.map((m) => `'${m}'`).join(', ')}; the model's variables are ${variables.join(', ')} (header: ${header.join(', ')})${hint ? ` ${hint}` : ''}`,
      ),
    );
  }
  if (diags.length) throw new SpecError(diags);
  const rowProblems = problems.map((p) => at(p.line, p.col, p.message));
  const cells: string[][] = [];
  const values: number[] = [];
  const ranges = variables.map((v) => view?.parameters?.find((p) => p.name === v));
  for (const row of table.rows) {
    for (let v = 0; v < variables.length; v++) {
      if (index[v]! < 0) {
        values.push(fixed[variables[v]!]!);
        continue;
      }
      const cell = row.cells[index[v]!]!;
      const x = finiteCell(cell);
      if (x === undefined)
        rowProblems.push(at(row.line, cell.col, `'${cell.text}' in column '${variables[v]}' is not a finite number`));
      const range = ranges[v];
      const outside = x !== undefined && range ? outsideRange(range, x) : undefined;
      if (outside) rowProblems.push(at(row.line, cell.col, outside));
      values.push(x ?? NaN);
    }
    // A --param value is echoed as a column, so the output says at which value each row was evaluated.
    cells.push([...row.cells.map((c) => c.text), ...Object.values(fixed).map(String)]);
  }
  if (rowProblems.length) throw new SpecError(sortDiagnostics(rowProblems).slice(0, MAX_ROW_PROBLEMS));
  return { header: [...header, ...Object.keys(fixed)], cells, points: Float64Array.from(values) };
}

/** Splits "u_x, lap(u), max(u, 0)" at top-level commas, keeping each part's offset. */
function splitExpressions(list: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if ((c === ',' && depth === 0) || i === list.length) {
      const part = list.slice(start, i);
      const lead = part.length - part.trimStart().length;
      if (part.trim() !== '') out.push({ text: part.trim(), offset: start + lead });
      start = i + 1;
    }
  }
  return out;
}

/** Parses the --derivatives list against the model's names; errors point into the option. */
export function parseOutputExpressions(
  list: string,
  view: ModelProblem,
  unknowns: string[],
  source = '--derivatives',
): { name: string; expr: Expr }[] {
  const scope = {
    variables: view.variables,
    fields: view.fields,
    constants: [...view.constants.keys(), ...unknowns],
    spatial: view.spatialIndex.map((i) => view.variables[i]!),
    derivatives: true,
    boundary: false,
    parameters: (view.parameters ?? []).map((p) => p.name),
  };
  const diags: Diagnostic[] = [];
  const out: { name: string; expr: Expr }[] = [];
  for (const part of splitExpressions(list)) {
    try {
      out.push({ name: part.text, expr: parseExpr(part.text, scope) });
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      diags.push({
        loc: { file: source, line: 1, col: part.offset + err.offset + 1 },
        message: `${err.message} (in '${part.text}')`,
      });
    }
  }
  if (diags.length) throw new SpecError(diags);
  return out;
}

/** Fields, then the expressions, at every point: values[column][row]. */
export function evaluateAt(
  view: ModelProblem,
  model: Model,
  points: Float64Array,
  exprs: { expr: Expr }[],
): Float64Array[] {
  const nVars = view.variables.length;
  const n = points.length / nVars;
  const nf = view.fields.length;
  const out = Array.from({ length: nf + exprs.length }, () => new Float64Array(n));
  const ch = exprs.length
    ? channelsFor(
        view,
        exprs.map((e) => e.expr),
      )
    : J.valueOnly(nVars);
  // A float64-trained model's fields in float64 (the expressions below stay float32).
  const values64 = evaluatesIn64(model) ? fieldValues64(view, model, points) : undefined;
  values64?.forEach((v, f) => out[view.fields.indexOf(f)]!.set(v));
  if (values64 && exprs.length === 0) return out;
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const batch = makeBatch(points.subarray(start * nVars, (start + count) * nVars), nVars);
    tf.tidy(() => {
      const jets = fieldJets(view, model, batch, ch);
      const columns: tf.Tensor[] = view.fields.map((f) => tf.broadcastTo(jets.get(f)!.v, [count, 1]));
      if (exprs.length) {
        const env = batchEnv(view, model, batch, ch, jets);
        for (const e of exprs) columns.push(evaluateValue(e.expr, env));
      }
      columns.forEach((c, k) => {
        if (values64 && k < nf) return;
        const v = c.dataSync();
        for (let i = 0; i < count; i++) out[k]![start + i] = v[i]!;
      });
    });
    disposeBatch(batch);
  }
  return out;
}

/**
 * The input rows with the field and expression columns appended; input columns
 * named like an output (say, fields.csv's own `u`) give way to the model's values.
 */
export function evalCsv(
  table: PointsTable,
  names: string[],
  values: Float64Array[],
): { text: string; replaced: string[] } {
  const outputs = new Set(names);
  const keep = table.header.map((h, k) => (outputs.has(h) ? -1 : k)).filter((k) => k >= 0);
  const replaced = table.header.filter((h) => outputs.has(h));
  const lines = [[...keep.map((k) => table.header[k]!), ...names].map(csvCell).join(',')];
  table.cells.forEach((row, r) => {
    lines.push([...keep.map((k) => csvCell(row[k]!)), ...values.map((col) => formatNumber(col[r]!))].join(','));
  });
  return { text: `${lines.join('\n')}\n`, replaced };
}
