import type { FieldTable } from './table.js';

/** A text file to write into the run's folder. */
interface TextFile {
  name: string;
  content: string;
}

/** VTK cell type numbers (vtkCellType.h). */
const VTK_VERTEX = 1;
const VTK_LINE = 3;
const VTK_PIXEL = 8;
const VTK_VOXEL = 11;
/** The cell of a grid with 0, 1, 2 or 3 axes of more than one node. */
const CELL_TYPE_BY_DIMENSION = [VTK_VERTEX, VTK_LINE, VTK_PIXEL, VTK_VOXEL];

/**
 * Whether the rows map one to one onto grid nodes: the mask matches the node
 * counts and every output time holds exactly the inside nodes.
 */
export function isRegularGrid(table: FieldTable): boolean {
  const { counts, inside } = table.grid;
  if (counts.length === 0 || counts.reduce((a, b) => a * b, 1) !== inside.length) return false;
  return countInside(inside) * Math.max(1, table.times.length) === table.rows;
}

/** Rows per output time (all rows for a steady problem). */
export function rowsPerTime(table: FieldTable): number {
  return table.times.length > 0 ? table.rows / table.times.length : table.rows;
}

function countInside(inside: Uint8Array): number {
  return inside.reduce((n, v) => n + (v ? 1 : 0), 0);
}

/**
 * VTK XML ImageData for one output time of a table whose grid nodes all lie
 * inside the domain (a box); each non-variable column becomes a Float32 point array.
 */
export function toVti(table: FieldTable, timeIndex = 0): string {
  const { counts, min, max, inside } = table.grid;
  if (!isRegularGrid(table) || countInside(inside) !== inside.length) {
    throw new Error('toVti needs a regular grid with every node inside the domain; use toVtu');
  }
  const axes = [0, 1, 2].map((d) => ({ n: counts[d] ?? 1, lo: min[d] ?? 0, hi: max[d] ?? 0 }));
  const extent = axes.map((a) => `0 ${a.n - 1}`).join(' ');
  const origin = axes.map((a) => String(a.lo)).join(' ');
  const spacing = axes.map((a) => String(a.n > 1 ? (a.hi - a.lo) / (a.n - 1) : 1)).join(' ');
  return [
    '<?xml version="1.0"?>',
    '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">',
    `  <ImageData WholeExtent="${extent}" Origin="${origin}" Spacing="${spacing}">`,
    ...timeFieldData(table, timeIndex),
    `    <Piece Extent="${extent}">`,
    ...pointData(table, timeIndex),
    '    </Piece>',
    '  </ImageData>',
    '</VTKFile>',
    '',
  ].join('\n');
}

/**
 * VTK XML UnstructuredGrid for one output time. On a regular grid, every grid
 * cell whose nodes all lie inside the domain becomes a line, pixel or voxel
 * (inside nodes in no such cell become vertices); scattered rows become vertices.
 */
export function toVtu(table: FieldTable, timeIndex = 0): string {
  const first = timeIndex * rowsPerTime(table);
  const count = rowsPerTime(table);
  const regular = isRegularGrid(table);
  const cells = regular ? maskedGridCells(table.grid) : vertexCells(count);
  // Spatial coordinates are the leading variable columns; time, when present, is the last variable.
  const dims = regular ? table.grid.counts.length : table.variables.length - (table.times.length > 0 ? 1 : 0);
  const width = table.columns.length;
  const points: string[] = [];
  for (let r = first; r < first + count; r++) {
    points.push([0, 1, 2].map((d) => String(d < dims ? table.data[r * width + d]! : 0)).join(' '));
  }
  return [
    '<?xml version="1.0"?>',
    '<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">',
    '  <UnstructuredGrid>',
    ...timeFieldData(table, timeIndex),
    `    <Piece NumberOfPoints="${count}" NumberOfCells="${cells.types.length}">`,
    ...pointData(table, timeIndex),
    '      <Points>',
    dataArray({ type: 'Float64', NumberOfComponents: 3, format: 'ascii' }, points, 1),
    '      </Points>',
    '      <Cells>',
    dataArray(
      { type: 'Int64', Name: 'connectivity', format: 'ascii' },
      cells.connectivity.map(String),
      cellsPerLine(cells),
    ),
    dataArray({ type: 'Int64', Name: 'offsets', format: 'ascii' }, cells.offsets.map(String), 12),
    dataArray({ type: 'UInt8', Name: 'types', format: 'ascii' }, cells.types.map(String), 24),
    '      </Cells>',
    '    </Piece>',
    '  </UnstructuredGrid>',
    '</VTKFile>',
    '',
  ].join('\n');
}

/** A ParaView collection (.pvd) listing one dataset file per time. */
export function toPvd(entries: { time: number; file: string }[]): string {
  return [
    '<?xml version="1.0"?>',
    '<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">',
    '  <Collection>',
    ...entries.map((e) => `    <DataSet timestep="${e.time}" group="" part="0" file="${escapeXml(e.file)}"/>`),
    '  </Collection>',
    '</VTKFile>',
    '',
  ].join('\n');
}

/**
 * The VTK files for a table: ImageData when the grid is a full box,
 * UnstructuredGrid otherwise; time-dependent tables get one file per output
 * time (fields_0.vtu, fields_1.vtu, ...) and a fields.pvd series.
 */
export function vtkFilesFor(table: FieldTable): TextFile[] {
  const box = isRegularGrid(table) && countInside(table.grid.inside) === table.grid.inside.length;
  const extension = box ? 'vti' : 'vtu';
  const write = box ? toVti : toVtu;
  if (table.times.length === 0) return [{ name: `fields.${extension}`, content: write(table, 0) }];
  const perTime = table.times.map((time, k) => ({ time, name: `fields_${k}.${extension}`, content: write(table, k) }));
  return [
    ...perTime.map(({ name, content }) => ({ name, content })),
    { name: 'fields.pvd', content: toPvd(perTime.map(({ time, name }) => ({ time, file: name }))) },
  ];
}

interface CellList {
  connectivity: number[];
  offsets: number[];
  types: number[];
}

function vertexCells(pointCount: number): CellList {
  const ids = Array.from({ length: pointCount }, (_, k) => k);
  return { connectivity: ids, offsets: ids.map((k) => k + 1), types: ids.map(() => VTK_VERTEX) };
}

/**
 * Cells of the masked grid over the inside nodes, numbered as the rows are
 * (inside nodes in grid order). Axes with a single node are skipped, so a
 * 2D grid of n x 1 nodes gives lines.
 */
function maskedGridCells(grid: FieldTable['grid']): CellList {
  const { counts, inside } = grid;
  const strides = counts.map((_, d) => counts.slice(0, d).reduce((a, b) => a * b, 1));
  const active = counts.flatMap((n, d) => (n > 1 ? [d] : []));
  // VTK's pixel/voxel corner order: the first active axis varies fastest.
  const cornerOffsets = Array.from({ length: 2 ** active.length }, (_, c) =>
    active.reduce((sum, d, bit) => sum + ((c >> bit) & 1) * strides[d]!, 0),
  );
  const pointIndex = new Int32Array(inside.length).fill(-1);
  let next = 0;
  inside.forEach((v, k) => {
    if (v) pointIndex[k] = next++;
  });
  const cells: CellList = { connectivity: [], offsets: [], types: [] };
  const covered = new Uint8Array(inside.length);
  const type = CELL_TYPE_BY_DIMENSION[active.length]!;
  for (let k = 0; k < inside.length && active.length > 0; k++) {
    const isBase = active.every((d) => Math.floor(k / strides[d]!) % counts[d]! < counts[d]! - 1);
    if (!isBase || !cornerOffsets.every((o) => inside[k + o])) continue;
    for (const o of cornerOffsets) {
      cells.connectivity.push(pointIndex[k + o]!);
      covered[k + o] = 1;
    }
    cells.offsets.push(cells.connectivity.length);
    cells.types.push(type);
  }
  inside.forEach((v, k) => {
    if (!v || covered[k]) return;
    cells.connectivity.push(pointIndex[k]!);
    cells.offsets.push(cells.connectivity.length);
    cells.types.push(VTK_VERTEX);
  });
  return cells;
}

/** Four cells' node lists per line keeps the ascii readable. */
function cellsPerLine(cells: CellList): number {
  return 4 * Math.max(1, cells.offsets[0] ?? 1);
}

/** The output time as dataset field data, which ParaView shows as the time of a lone file. */
function timeFieldData(table: FieldTable, timeIndex: number): string[] {
  if (table.times.length === 0) return [];
  return [
    '    <FieldData>',
    dataArray(
      { type: 'Float64', Name: 'TimeValue', NumberOfTuples: 1, format: 'ascii' },
      [String(table.times[timeIndex])],
      1,
    ),
    '    </FieldData>',
  ];
}

/** One Float32 point array per column after the variables (fields, exact values, errors). */
function pointData(table: FieldTable, timeIndex: number): string[] {
  const names = table.columns.slice(table.variables.length);
  const first = timeIndex * rowsPerTime(table);
  const count = rowsPerTime(table);
  const width = table.columns.length;
  const arrays = names.map((name, j) => {
    const col = table.variables.length + j;
    const values: string[] = [];
    for (let r = first; r < first + count; r++) values.push(float32Text(table.data[r * width + col]!));
    return dataArray({ type: 'Float32', Name: name, format: 'ascii' }, values, 8);
  });
  const scalars = names.length > 0 ? ` Scalars="${escapeXml(names[0]!)}"` : '';
  return [`      <PointData${scalars}>`, ...arrays, '      </PointData>'];
}

function dataArray(attributes: Record<string, string | number>, values: string[], perLine: number): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => `${k}="${escapeXml(String(v))}"`)
    .join(' ');
  const lines: string[] = [];
  for (let k = 0; k < values.length; k += perLine) lines.push(`          ${values.slice(k, k + perLine).join(' ')}`);
  return [`        <DataArray ${attrs}>`, ...lines, '        </DataArray>'].join('\n');
}

/** The shortest decimal that reads back as the same float32: compact, and exact for a Float32 array. */
function float32Text(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  for (let digits = 1; digits < 9; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(Number(text)) === f) return String(Number(text));
  }
  return String(Number(f.toPrecision(9)));
}

/** Field names are user strings; keep them from breaking the XML. */
function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
