/**
 * CSV, both ways: the one reader behind every CSV pinn reads (data conditions, `pinn eval`
 * points, loss.csv) and the cell writer behind every CSV it writes. The reader takes what
 * spreadsheets and scripts produce: a UTF-8 byte-order mark, blank lines, `#` comment lines,
 * double-quoted cells with doubled quotes, spaces around cells; it reports problems with the
 * line and column they are at.
 */

/** CSV cells (RFC 4180): quoted when they hold a quote, comma or line break, quotes doubled. */
export const csvCell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A cell's text (unquoted, trimmed) and its 1-based start column. */
export interface CsvCell {
  text: string;
  col: number;
}

/** A data row and its 1-based line in the file. */
export interface CsvRow {
  line: number;
  cells: CsvCell[];
}

/** Where a CSV is wrong, 1-based. */
export interface CsvProblem {
  line: number;
  col: number;
  message: string;
}

export interface CsvTable {
  /** The header's cells, and its line (the first line that is neither blank nor a comment). */
  header: CsvCell[];
  headerLine: number;
  /** Rows with as many cells as the header. */
  rows: CsvRow[];
}

/** Problems past this many are not collected: the first ones say what is wrong. */
const MAX_PROBLEMS = 20;

/** Splits one CSV line into cells with their 1-based start columns (double quotes allowed). */
function splitCsvLine(line: string): CsvCell[] | string {
  const cells: CsvCell[] = [];
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

const isSkipped = (line: string): boolean => {
  const t = line.trim();
  return t === '' || t.startsWith('#');
};

/**
 * Parses CSV text: header, then rows. A row whose cell count differs from the header's, an
 * unterminated quote, an empty or repeated column name are problems; the rows that parse are
 * still returned. No header at all gives `table: undefined`.
 */
export function parseCsv(source: string): { table: CsvTable | undefined; problems: CsvProblem[] } {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = text.split(/\r?\n/);
  const problems: CsvProblem[] = [];
  const headerIndex = lines.findIndex((l) => !isSkipped(l));
  if (headerIndex < 0) return { table: undefined, problems };
  const headerLine = headerIndex + 1;
  const head = splitCsvLine(lines[headerIndex]!);
  if (typeof head === 'string') return { table: undefined, problems: [{ line: headerLine, col: 1, message: head }] };
  const names = head.map((c) => c.text);
  head.forEach((c, k) => {
    if (c.text === '') problems.push({ line: headerLine, col: c.col, message: 'empty column name in the header' });
    else if (names.indexOf(c.text) !== k)
      problems.push({ line: headerLine, col: c.col, message: `column '${c.text}' appears twice in the header` });
  });
  const rows: CsvRow[] = [];
  for (let k = headerIndex + 1; k < lines.length && problems.length < MAX_PROBLEMS; k++) {
    const raw = lines[k]!;
    if (isSkipped(raw)) continue;
    const cells = splitCsvLine(raw);
    if (typeof cells === 'string') problems.push({ line: k + 1, col: 1, message: cells });
    else if (cells.length !== head.length) {
      const col = cells.length > head.length ? cells[head.length]!.col : raw.length + 1;
      const message = `this row has ${cells.length} cells; the header has ${head.length} (${names.join(', ')})`;
      problems.push({ line: k + 1, col, message });
    } else rows.push({ line: k + 1, cells });
  }
  return { table: { header: head, headerLine, rows }, problems };
}

/** A cell as a finite number, or undefined (empty cells are not numbers). */
export function finiteCell(cell: CsvCell): number | undefined {
  const x = cell.text === '' ? NaN : Number(cell.text);
  return Number.isFinite(x) ? x : undefined;
}
