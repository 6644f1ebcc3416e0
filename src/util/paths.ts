/** Paths as a person reads them. */
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * The shortest way to write `file`: as given, or relative to one of `folders` (the run folder, the
 * current directory). A relative form is only taken when it is strictly shorter.
 */
export function shortestPath(file: string, folders: string[]): string {
  let best = file;
  for (const folder of folders) {
    const r = relative(resolve(folder), resolve(file));
    if (r !== '' && !isAbsolute(r) && r.length < best.length) best = r;
  }
  return best;
}
