/**
 * Complex fields as magnitude and phase. A time-harmonic field F (time factor exp(-i w t)) is written
 * as two real fields Fr and Fi (docs/electromagnetics.md); where both are fields of the table, it
 * gains F_abs = |Fr + i Fi| and F_phase = atan2(Fi, Fr) in radians, which the CSV, VTK files and
 * pictures show like any column.
 */
import type { FieldTable } from './table.js';

/** The complex fields of `fields`: each F with both Fr and Fi among them, in the order of Fr. */
export function complexPairs(fields: readonly string[]): string[] {
  return fields.flatMap((f) =>
    f.length > 1 && f.endsWith('r') && fields.includes(`${f.slice(0, -1)}i`) ? [f.slice(0, -1)] : [],
  );
}

/** `table` with F_abs and F_phase appended for each complex field; unchanged when it has none. */
export function withMagnitudePhase(table: FieldTable): FieldTable {
  const pairs = complexPairs(table.fields);
  if (pairs.length === 0) return table;
  const width = table.columns.length;
  const extra = 2 * pairs.length;
  const cols = pairs.map((f) => [table.columns.indexOf(`${f}r`), table.columns.indexOf(`${f}i`)] as const);
  const data = new Float64Array(table.rows * (width + extra));
  for (let r = 0; r < table.rows; r++) {
    const row = table.data.subarray(r * width, (r + 1) * width);
    const at = r * (width + extra);
    data.set(row, at);
    cols.forEach(([re, im], j) => {
      data[at + width + 2 * j] = Math.hypot(row[re]!, row[im]!);
      data[at + width + 2 * j + 1] = Math.atan2(row[im]!, row[re]!);
    });
  }
  return { ...table, columns: [...table.columns, ...pairs.flatMap((f) => [`${f}_abs`, `${f}_phase`])], data };
}
