/** CSV text for the field table and the loss history. */
import type { FieldTable } from './table.js';
import type { LossHistory } from '../trainer/index.js';

/** Shortest text that reads back to the same float32-rounded value. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(Math.fround(v) === v ? v : Number(v.toPrecision(9)));
}

export function fieldsCsv(table: FieldTable): string {
  const lines = [table.columns.join(',')];
  const c = table.columns.length;
  for (let r = 0; r < table.rows; r++) {
    const row = new Array<string>(c);
    for (let k = 0; k < c; k++) row[k] = formatNumber(table.data[r * c + k]!);
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function lossCsv(
  history: LossHistory,
  extra: { names: string[]; values: number[][] } = { names: [], values: [] },
): string {
  const header = ['iteration', 'total', ...history.parts, ...extra.names];
  const lines = [header.join(',')];
  history.iterations.forEach((it, k) => {
    const row = [
      String(it),
      formatNumber(history.total[k]!),
      ...history.values.map((v) => formatNumber(v[k]!)),
      ...extra.values.map((v) => formatNumber(v[k] ?? NaN)),
    ];
    lines.push(row.join(','));
  });
  return `${lines.join('\n')}\n`;
}
