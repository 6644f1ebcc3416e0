/** Observations for `on: data` conditions, read from a CSV file next to the spec (the shared reader: util/csv.ts). */
import { readFileSync, statSync } from 'node:fs';
import type { Diagnostics, SourceLoc } from '../spec/index.js';
import { didYouMean, finiteCell, parseCsv, type CsvTable } from '../util/index.js';

interface DataTable {
  /** Rows * variables, in the problem's variable order. */
  points: Float64Array;
  /** Rows * columns: the observed fields, in `columns` order. */
  values: Float64Array;
  columns: string[];
}

/** Reads an observations CSV: header of variables and fields, numeric rows; problems go to `diags`. */
export function loadData(
  file: string,
  loc: SourceLoc,
  variables: string[],
  fields: string[],
  diags: Diagnostics,
  outside: (point: Float64Array) => { variable: string; message: string } | undefined = () => undefined,
): DataTable | undefined {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file, 'utf8');
  } catch {
    diags.error(
      loc,
      `data file '${file}' does not exist or cannot be read; expected a CSV with a header naming ${variables.join(', ')} and fields`,
    );
    return undefined;
  }
  const at = (line: number, col = 1): SourceLoc => ({ file, line, col });
  const { table, problems } = parseCsv(text);
  problems.forEach((p) => diags.error(at(p.line, p.col), p.message));
  if (!table) {
    if (!problems.length) diags.error(at(1), 'the data file is empty; expected a header naming variables and fields');
    return undefined;
  }
  const columns = dataColumns(table, variables, fields, (line, col, message) => diags.error(at(line, col), message));
  if (!columns || problems.length) return undefined;
  return dataValues(table, variables, columns, outside, (line, col, message) => diags.error(at(line, col), message));
}

type Report = (line: number, col: number, message: string) => void;

/** The observed field columns, once the header names every variable and nothing unknown. */
function dataColumns(table: CsvTable, variables: string[], fields: string[], report: Report): string[] | undefined {
  const header = table.header.map((c) => c.text);
  const line = table.headerLine;
  const missing = variables.find((v) => !header.includes(v));
  if (missing !== undefined) {
    report(
      line,
      1,
      `the header lacks variable '${missing}'; expected columns ${variables.join(', ')} and one or more of ${fields.join(', ')}`,
    );
    return undefined;
  }
  const unknown = table.header.find((c) => !fields.includes(c.text) && !variables.includes(c.text));
  if (unknown) {
    const hint = didYouMean(unknown.text, [...variables, ...fields]);
    report(
      line,
      unknown.col,
      `unknown column '${unknown.text}'${hint}; expected variables ${variables.join(', ')} and fields ${fields.join(', ')}`,
    );
    return undefined;
  }
  const columns = header.filter((h) => fields.includes(h));
  if (!columns.length) report(line, 1, `the header names no field; expected one or more of ${fields.join(', ')}`);
  else if (!table.rows.length) report(line, 1, 'the data file has no rows');
  else return columns;
  return undefined;
}

/**
 * Points and observed values of every row; a cell that is not a finite number, or a row whose
 * point `outside` rejects, is reported where it is.
 */
function dataValues(
  table: CsvTable,
  variables: string[],
  columns: string[],
  outside: (point: Float64Array) => { variable: string; message: string } | undefined,
  report: Report,
): DataTable | undefined {
  const n = table.rows.length;
  const nv = variables.length;
  const points = new Float64Array(n * nv);
  const values = new Float64Array(n * columns.length);
  let ok = true;
  table.rows.forEach((row, r) => {
    let rowOk = true;
    row.cells.forEach((cell, c) => {
      const name = table.header[c]!.text;
      const v = finiteCell(cell);
      if (v === undefined) {
        report(row.line, cell.col, `'${cell.text}' is not a number; expected a finite number in column ${name}`);
        rowOk = false;
        return;
      }
      const vi = variables.indexOf(name);
      if (vi >= 0) points[r * nv + vi] = v;
      else values[r * columns.length + columns.indexOf(name)] = v;
    });
    const why = rowOk ? outside(points.subarray(r * nv, (r + 1) * nv)) : undefined;
    if (why) {
      const col = row.cells[table.header.findIndex((h) => h.text === why.variable)]?.col ?? 1;
      report(row.line, col, `${why.message}; observations must lie in the domain (its boundary included)`);
    }
    ok &&= rowOk && !why;
  });
  return ok ? { points, values, columns } : undefined;
}
