import type { FieldTable } from '../table.js';
import type { LossHistory } from '../../trainer/index.js';
import { complexPairs } from '../complex.js';
import { isRegularGrid, rowsPerTime } from '../vtk.js';
import { formatNumber } from './axes.js';
import { DARK_GREY } from './canvas.js';
import { renderHeatmap } from './heatmap.js';
import { PALETTE, renderLinePlot, renderLossCurve, type LineSeries } from './lineplot.js';

/** A PNG file to write into the run's folder. */
export interface Picture {
  name: string;
  content: Buffer;
  /** Pictures with the same row are shown side by side under it in the report (e.g. u, u_exact, u_error). */
  row?: string;
}

/**
 * The run's pictures: for 2D problems (in 3D, each of the three mid-planes) a heat map per
 * field, its exact solution and its error where `exact` is given, and the PDE
 * residual where the table has a `residual` column, at each output time; line
 * plots for 1D problems (all times in one plot, the exact solution dashed, then
 * the error and the residual); `loss.png`; and `unknown_<name>.png`, each unknown
 * constant's value over training. Tables not on a regular grid get only the curves.
 */
export function picturesFor(
  table: FieldTable,
  history?: LossHistory,
  extra?: { names: string[]; values: number[][] },
): Picture[] {
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
  return [...fieldPictures, ...lossPicture, ...unknownHistories(history, extra)];
}

/** One plot per unknown constant: its value at each record (loss.csv's `unknown_<name>` column). */
function unknownHistories(history?: LossHistory, extra?: { names: string[]; values: number[][] }): Picture[] {
  if (!history || !extra) return [];
  return extra.names.flatMap((column, k) => {
    if (!column.startsWith('unknown_')) return [];
    const name = column.slice('unknown_'.length);
    const values = extra.values[k] ?? [];
    const content = renderLinePlot({
      x: history.iterations,
      series: [{ name, values }],
      title: `unknown ${name} during training`,
      xlabel: 'iteration',
      ylabel: name,
    });
    return [{ name: `${column}.png`, content }];
  });
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

/**
 * The columns worth a picture, in groups shown together: each field with its exact solution and
 * error where present, then the residual. Columns of a group's `shared` list share one colour scale.
 */
function pictureGroups(table: FieldTable, withExact: boolean): { label: string; columns: string[][] }[] {
  const has = (c: string) => table.columns.includes(c);
  const groups = table.fields.map((f) => ({
    label: has(`${f}_exact`) ? `${f}: predicted, exact and error` : f,
    columns: [
      [f, ...(withExact && has(`${f}_exact`) ? [`${f}_exact`] : [])],
      ...(has(`${f}_error`) ? [[`${f}_error`]] : []),
    ],
  }));
  for (const f of complexPairs(table.fields))
    if (has(`${f}_abs`))
      groups.push({ label: `${f} = ${f}r + i ${f}i: magnitude and phase`, columns: [[`${f}_abs`], [`${f}_phase`]] });
  if (has('residual'))
    groups.push({ label: 'PDE residual: where the equations are least satisfied', columns: [['residual']] });
  return groups;
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

/** A plane of grid nodes shown as one heat map: the whole grid in 2D, a mid-plane in 3D. */
interface Plane {
  /** The two axes drawn, horizontal then vertical. */
  axes: [number, number];
  /** The plane's grid nodes, its first axis fastest. */
  nodes: Int32Array;
  /** Appended to file names, e.g. `_x0.5` (empty for the z mid-plane, whose names predate the others). */
  fileSuffix: string;
  /** Appended to titles and report rows, e.g. ` (z=0.5)`. */
  note: string;
}

/** The planes to draw: in 3D the three mid-planes, z first (normal to z, then to x, then to y). */
function planesOf(table: FieldTable): Plane[] {
  const { counts } = table.grid;
  if (counts.length < 3) {
    const all = Int32Array.from({ length: counts[0]! * (counts[1] ?? 1) }, (_, k) => k);
    return [{ axes: [0, 1], nodes: all, fileSuffix: '', note: '' }];
  }
  const strides = [1, counts[0]!, counts[0]! * counts[1]!];
  return ([2, 0, 1] as const).map((fixed) => {
    const axes = [0, 1, 2].filter((a) => a !== fixed) as [number, number];
    const middle = Math.floor((counts[fixed]! - 1) / 2);
    const [na, nb] = [counts[axes[0]]!, counts[axes[1]]!];
    const nodes = new Int32Array(na * nb);
    for (let j = 0; j < nb; j++) {
      for (let i = 0; i < na; i++)
        nodes[j * na + i] = middle * strides[fixed]! + i * strides[axes[0]]! + j * strides[axes[1]]!;
    }
    const [name, at] = [table.variables[fixed]!, formatNumber(gridCoordinate(table, fixed, middle))];
    return { axes, nodes, fileSuffix: fixed === 2 ? '' : `_${name}${at}`, note: ` (${name}=${at})` };
  });
}

const pick = (values: ArrayLike<number>, nodes: Int32Array) => Float64Array.from(nodes, (k) => values[k]!);

function heatmaps(table: FieldTable): Picture[] {
  return planesOf(table).flatMap((plane) => planeHeatmaps(table, plane));
}

function planeHeatmaps(table: FieldTable, plane: Plane): Picture[] {
  const { counts, min, max } = table.grid;
  const [a, b] = plane.axes;
  const inside = pick(table.grid.inside, plane.nodes);
  const slices = timeSlices(table);
  const timed = table.times.length > 0;
  const heatmap = (column: string, values: Float64Array, [lo, hi]: [number, number], s: TimeSlice) =>
    renderHeatmap({
      values,
      counts: [counts[a]!, counts[b] ?? 1],
      min: lo,
      max: hi,
      inside,
      title: `${column}${s.titleSuffix}${plane.note}`,
      axes: [table.variables[a]!, table.variables[b] ?? ''],
      range: [
        [min[a]!, max[a]!],
        [min[b] ?? 0, max[b] ?? 1],
      ],
    });
  return pictureGroups(table, true).flatMap((group) =>
    group.columns.flatMap((shared) => {
      const values = shared.map((column) => slices.map((s) => pick(nodeValues(table, column, s.index), plane.nodes)));
      // One colour scale for all times and for a field and its exact solution, so that their pictures compare.
      const range = finiteRange(values.flat());
      // Steady: the group side by side. Time-dependent: each column a row of frames.
      return shared.flatMap((column, c) =>
        slices.map((s, k) => ({
          name: `${column}${plane.fileSuffix}${s.fileSuffix}.png`,
          content: heatmap(column, values[c]![k]!, range, s),
          row: `${timed ? `${column} at each output time` : group.label}${plane.note}`,
        })),
      );
    }),
  );
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
  return pictureGroups(table, false).flatMap((group) =>
    group.columns.flat().map((column) => {
      const exactColumn = `${column}_exact`;
      const hasExact = table.fields.includes(column) && table.columns.includes(exactColumn);
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
      return { name: `${column}.png`, content, row: group.label };
    }),
  );
}
