/** Observations for `on: data` conditions, read from a CSV file next to the spec. */
import { readFileSync, statSync } from 'node:fs';
import type { Diagnostics, SourceLoc } from '../spec/index.js';
import { didYouMean } from '../util/index.js';

/** Reads an observations CSV: header of variables and fields, numeric rows. */
export function loadData(
  file: string,
  loc: SourceLoc,
  variables: string[],
  fields: string[],
  diags: Diagnostics,
): { points: Float64Array; values: Float64Array; columns: string[] } | undefined {
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
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const at = (line: number, col = 1): SourceLoc => ({ file, line, col });
  for (const v of variables)
    if (!header.includes(v)) {
      diags.error(
        at(1),
        `the header lacks variable '${v}'; expected columns ${variables.join(', ')} and one or more of ${fields.join(', ')}`,
      );
      return undefined;
    }
  const columns = header.filter((h) => fields.includes(h));
  const unknown = header.filter((h) => !fields.includes(h) && !variables.includes(h));
  if (unknown.length) {
    diags.error(
      at(1),
      `unknown column '${unknown[0]}'${didYouMean(unknown[0]!, [...variables, ...fields])}; expected variables ${variables.join(', ')} and fields ${fields.join(', ')}`,
    );
    return undefined;
  }
  if (!columns.length) {
    diags.error(at(1), `the header names no field; expected one or more of ${fields.join(', ')}`);
    return undefined;
  }
  const n = lines.length - 1;
  if (n < 1) {
    diags.error(at(1), 'the data file has no rows');
    return undefined;
  }
  const points = new Float64Array(n * variables.length);
  const values = new Float64Array(n * columns.length);
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1]!.split(',');
    if (cells.length !== header.length) {
      diags.error(at(r + 2), `row has ${cells.length} values; the header has ${header.length} columns`);
      return undefined;
    }
    for (let c = 0; c < header.length; c++) {
      const v = Number(cells[c]!.trim());
      if (cells[c]!.trim() === '' || !Number.isFinite(v)) {
        const col = cells.slice(0, c).join(',').length + (c > 0 ? 2 : 1);
        diags.error(
          at(r + 2, col),
          `'${cells[c]!.trim()}' is not a number; expected a finite number in column ${header[c]}`,
        );
        return undefined;
      }
      const vi = variables.indexOf(header[c]!);
      if (vi >= 0) points[r * variables.length + vi] = v;
      else values[r * columns.length + columns.indexOf(header[c]!)] = v;
    }
  }
  return { points, values, columns };
}
