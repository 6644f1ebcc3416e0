/**
 * The evaluated solution as plain data: what every output writer consumes.
 * Rows are points inside the domain (at each output time); columns are the
 * variables, then the fields, then (when `exact` is given) `<field>_exact` and `<field>_error`, then
 * for complex fields (Fr and Fi) `F_abs` and `F_phase` (complex.ts).
 */
import type { PmlOuter } from '../spec/index.js';
export interface FieldTable {
  /** Variable names in column order, e.g. ['x', 'y'] or ['x', 'y', 't']. */
  variables: string[];
  /** Field names, e.g. ['u'] or ['Ez', 'Hx', 'Hy']. */
  fields: string[];
  /** All column names in order (variables, fields, then extra columns). */
  columns: string[];
  /** Row-major values, rows * columns.length. */
  data: Float64Array;
  rows: number;
  /**
   * The evaluation grid the rows came from: per spatial axis the point count
   * and range; `inside[k]` tells whether grid node k (x fastest, then y, then z)
   * lies in the domain. Rows list the inside nodes in that order, for each time.
   */
  grid: { counts: number[]; min: number[]; max: number[]; inside: Uint8Array };
  /** Output times (empty for steady problems); rows are grouped by time in this order. */
  times: number[];
  /** The parameter values every row was evaluated at (spec `parameters:`), by name; absent: none. */
  parameters?: Record<string, number>;
  /** Errors are measured on the rows inside this box or disk only (a PML's interior); absent: on every row. */
  measured?: PmlOuter;
}
