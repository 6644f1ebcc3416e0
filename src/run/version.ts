/** The pinn version, read once from package.json. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in the nearest package.json above this module: the package's
 * own from dist/run/ (or src/run/), or one placed beside a single-file
 * bundle of the CLI (scripts/gpu-bundle.sh).
 */
export const PINN_VERSION: string = readVersion(dirname(fileURLToPath(import.meta.url)));

function readVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: cannot tell the pinn version`);
  }
}
