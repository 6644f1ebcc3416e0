import type { FieldTable } from '../table.js';
import type { LossHistory } from '../../trainer/index.js';
import { isRegularGrid, rowsPerTime } from '../vtk.js';
import { formatNumber } from './axes.js';
import { DARK_GREY } from './canvas.js';
import { renderHeatmap } from './heatmap.js';
import { PALETTE, renderLinePlot, renderLossCurve, type LineSeries } from './lineplot.js';

/** A PNG file to write into the run's folder. */
export interface Picture {
  name: string;
  content: Buffer;
}

/**
 * The run's pictures: a heat map per field and output time for 2D problems
 * (the middle z slice in 3D), line plots for 1D problems (all times in one
 * plot, the exact solution dashed), `<field>_error` pictures where errors were
 * computed, and `loss.png`. Tables not on a regular grid get only the loss curve.
 */
export function picturesFor(table: FieldTable, history?: LossHistory): Picture[] {
  const dims = table.grid.counts.length;
  const fieldPictures = !isRegularGrid(table)
    ? []
    : dims === 1
      ? lineProfiles(table)
      : dims <= 3
        ? heatmaps(table)
        : [];
  const lossPicture =
    history && history.iterations.length > 0 ? [{ name: 'loss.png', content: renderLossCurve(history) }] : [];
  return [...fieldPictures, ...lossPicture];
}

interface TimeSlice {
  index: number;
  /** Appended to file names, e.g. `_t0.5`. */
  fileSuffix: string;
  /** Appended to titles, e.g. ` at t=0.5`. */
  titleSuffix: string;
  /** Names the slice in a legend. */
  label: string;
}

function timeSlices(table: FieldTable): TimeSlice[] {
  if (table.times.length === 0) return [{ index: 0, fileSuffix: '', titleSuffix: '', label: '' }];
  const timeName = table.variables[table.grid.counts.length] ?? 't';
  return table.times.map((t, index) => ({
    index,
    fileSuffix: `_t${formatNumber(t)}`,
    titleSuffix: ` at ${timeName}=${formatNumber(t)}`,
    label: `${timeName}=${formatNumber(t)}`,
  }));
}

/** The fields, and their error columns where present: the columns worth a picture. */
function pictureColumns(table: FieldTable): string[] {
  return table.fields.flatMap((f) => [f, `${f}_error`]).filter((c) => table.columns.includes(c));
}

/** One column's values at one output time, spread over the grid nodes (NaN outside the domain). */
function nodeValues(table: FieldTable, column: string, timeIndex: number): Float64Array {
  const col = table.columns.indexOf(column);
  const width = table.columns.length;
  const { inside } = table.grid;
  const values = new Float64Array(inside.length).fill(NaN);
  let row = timeIndex * rowsPerTime(table);
  for (let k = 0; k < inside.length; k++) {
    if (inside[k]) values[k] = table.data[row++ * width + col]!;
  }
  return values;
}

function gridCoordinate(table: FieldTable, axis: number, index: number): number {
  const n = table.grid.counts[axis]!;
  const [lo, hi] = [table.grid.min[axis]!, table.grid.max[axis]!];
  return n > 1 ? lo + (index * (hi - lo)) / (n - 1) : lo;
}

function heatmaps(table: FieldTable): Picture[] {
  const { counts, min, max } = table.grid;
  const [nx, ny] = [counts[0]!, counts[1] ?? 1];
  const middleZ = counts.length === 3 ? Math.floor((counts[2]! - 1) / 2) : 0;
  const sliceStart = nx * ny * middleZ;
  const sliceNote =
    counts.length === 3 ? ` (${table.variables[2]}=${formatNumber(gridCoordinate(table, 2, middleZ))})` : '';
  const inside = table.grid.inside.subarray(sliceStart, sliceStart + nx * ny);
  const slices = timeSlices(table);
  return pictureColumns(table).flatMap((column) => {
    const values = slices.map((s) => nodeValues(table, column, s.index).subarray(sliceStart, sliceStart + nx * ny));
    // One colour scale for all times, so that the pictures of one field compare.
    const [lo, hi] = finiteRange(values);
    return slices.map((s, k) => ({
      name: `${column}${s.fileSuffix}.png`,
      content: renderHeatmap({
        values: values[k]!,
        counts: [nx, ny],
        min: lo,
        max: hi,
        inside,
        title: `${column}${s.titleSuffix}${sliceNote}`,
        axes: [table.variables[0]!, table.variables[1] ?? ''],
        range: [
          [min[0]!, max[0]!],
          [min[1] ?? 0, max[1] ?? 1],
        ],
      }),
    }));
  });
}

function finiteRange(arrays: ArrayLike<number>[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const values of arrays) {
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

function lineProfiles(table: FieldTable): Picture[] {
  const x = Array.from({ length: table.grid.counts[0]! }, (_, i) => gridCoordinate(table, 0, i));
  const xlabel = table.variables[0]!;
  const slices = timeSlices(table);
  return pictureColumns(table).map((column) => {
    const exactColumn = column.endsWith('_error') ? undefined : `${column}_exact`;
    const hasExact = exactColumn !== undefined && table.columns.includes(exactColumn);
    const series = slices.flatMap((s): LineSeries[] => {
      const color = PALETTE[s.index % PALETTE.length]!;
      const computed = { name: s.label || column, values: nodeValues(table, column, s.index), color };
      if (!hasExact) return [computed];
      // The exact curve shares its time's colour; one legend entry says what dashes mean.
      const exact = nodeValues(table, exactColumn, s.index);
      return [computed, { name: 'exact', values: exact, color, dashed: true, inLegend: slices.length === 1 }];
    });
    const exactKey: LineSeries[] =
      hasExact && slices.length > 1 ? [{ name: 'exact', values: [], color: DARK_GREY, dashed: true }] : [];
    const content = renderLinePlot({ x, series: [...series, ...exactKey], title: column, xlabel, ylabel: column });
    return { name: `${column}.png`, content };
  });
}
