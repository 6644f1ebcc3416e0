/**
 * `pinn eval`: a saved model evaluated at arbitrary points from a CSV file,
 * with the fields (and any expressions of them, derivatives included) written
 * beside the points.
 */
import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { channelsFor, evaluateValue, J } from '../derivatives/index.js';
import { ExprError, parseExpr, type Expr } from '../expr/index.js';
import { batchEnv, disposeBatch, fieldJets, makeBatch, type Model, type ModelProblem } from '../model/index.js';
import { formatNumber } from '../outputs/index.js';
import { SpecError, type Diagnostic } from '../spec/index.js';
import { csvCell, didYouMean } from '../util/index.js';

const CHUNK = 4096;
const MAX_POINTS_BYTES = 512 * 1024 * 1024;

export interface PointsTable {
  header: string[];
  /** Cell text of each row, as read (echoed unchanged in the output). */
  cells: string[][];
  /** Points in the model's variable order, rows * nVars. */
  points: Float64Array;
}

/** Splits one CSV line into cells with their 1-based start columns (double quotes allowed). */
function splitCsvLine(line: string): { text: string; col: number }[] | string {
  const cells: { text: string; col: number }[] = [];
  let i = 0;
  for (;;) {
    const col = i + 1;
    let text = '';
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return `unterminated quoted cell starting at column ${col}`;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return `unexpected text after a quoted cell at column ${i + 1}`;
    } else {
      const end = line.indexOf(',', i);
      text = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    cells.push({ text, col });
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

/** Reads a points CSV whose header names (at least) every variable; errors name file:line:col. */
export function readPointsCsv(file: string, variables: string[]): PointsTable {
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
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const diags: Diagnostic[] = [];
  let headerLine = -1;
  for (let k = 0; k < lines.length; k++) {
    const t = lines[k]!.trim();
    if (t !== '' && !t.startsWith('#')) {
      headerLine = k;
      break;
    }
  }
  if (headerLine < 0)
    throw new SpecError([
      at(1, 1, `the points file is empty; expected a header naming ${variables.join(', ')}, then one point per line`),
    ]);
  const head = splitCsvLine(lines[headerLine]!);
  if (typeof head === 'string') throw new SpecError([at(headerLine + 1, 1, head)]);
  const header = head.map((c) => c.text);
  head.forEach((c, k) => {
    if (c.text === '') diags.push(at(headerLine + 1, c.col, 'empty column name in the header'));
    else if (header.indexOf(c.text) !== k)
      diags.push(at(headerLine + 1, c.col, `column '${c.text}' appears twice in the header`));
  });
  const index = variables.map((v) => header.indexOf(v));
  const missing = variables.filter((_, k) => index[k]! < 0);
  if (missing.length) {
    const hint = missing
      .map((m) => didYouMean(m, header))
      .filter((s) => s)
      .join(' ');
    diags.push(
      at(
        headerLine + 1,
        1,
        `the header lacks ${missing.map((m) => `'${m}'`).join(', ')}; the model's variables are ${variables.join(', ')} (header: ${header.join(', ')})${hint ? ` ${hint}` : ''}`,
      ),
    );
  }
  if (diags.length) throw new SpecError(diags);
  const cells: string[][] = [];
  const values: number[] = [];
  for (let k = headerLine + 1; k < lines.length && diags.length < 20; k++) {
    const raw = lines[k]!;
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const row = splitCsvLine(raw);
    if (typeof row === 'string') {
      diags.push(at(k + 1, 1, row));
      continue;
    }
    if (row.length !== header.length) {
      diags.push(
        at(
          k + 1,
          row.length > header.length ? row[header.length]!.col : raw.length + 1,
          `this row has ${row.length} cells; the header has ${header.length} (${header.join(', ')})`,
        ),
      );
      continue;
    }
    for (let v = 0; v < variables.length; v++) {
      const cell = row[index[v]!]!;
      const x = cell.text === '' ? NaN : Number(cell.text);
      if (!Number.isFinite(x)) {
        diags.push(at(k + 1, cell.col, `'${cell.text}' in column '${variables[v]}' is not a finite number`));
        values.push(NaN);
      } else values.push(x);
    }
    cells.push(row.map((c) => c.text));
  }
  if (diags.length) throw new SpecError(diags);
  return { header, cells, points: Float64Array.from(values) };
}

/** Splits "u_x, lap(u), max(u, 0)" at top-level commas, keeping each part's offset. */
export function splitExpressions(list: string): { text: string; offset: number }[] {
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
