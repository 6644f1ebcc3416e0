import type { FieldTable } from './table.js';

/** Header alignment required by the .npy format (so data can be memory-mapped). */
const ALIGNMENT = 64;
const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]);

/**
 * The table as a NumPy .npy (format 1.0) file: little-endian float32, C order,
 * shape (rows, columns), columns in `table.columns` order.
 */
export function toNpy(table: FieldTable): Buffer {
  const columns = table.columns.length;
  const header = npyHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${table.rows}, ${columns}), }`);
  const body = Buffer.alloc(table.rows * columns * 4);
  for (let k = 0; k < table.rows * columns; k++) body.writeFloatLE(table.data[k]!, 4 * k);
  return Buffer.concat([header, body]);
}

/** Magic, version, little-endian header length, then the dict padded with spaces and ended by '\n' to the alignment. */
function npyHeader(dict: string): Buffer {
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const text = `${dict}${' '.repeat(padding)}\n`;
  const length = Buffer.alloc(2);
  length.writeUInt16LE(text.length);
  return Buffer.concat([MAGIC, length, Buffer.from(text, 'latin1')]);
}
