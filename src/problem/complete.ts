/**
 * Every problem in a spec at once: when loading found structural errors but
 * the names (geometry, fields, constants, equations) are sound, the problem is
 * still built from what was read, and its errors are reported too.
 */
import { sortDiagnostics, SpecError, type Diagnostic } from '../spec/index.js';
import { buildProblem } from './problem.js';

export function everyDiagnostic(err: SpecError): Diagnostic[] {
  const list = [...err.diagnostics];
  if (err.partial) {
    try {
      buildProblem(err.partial);
    } catch (e) {
      // Only located spec errors count; anything else a partial spec trips over is a consequence.
      if (e instanceof SpecError) {
        for (const d of e.diagnostics) {
          if (!list.some((x) => x.loc.file === d.loc.file && x.loc.line === d.loc.line && x.loc.col === d.loc.col))
            list.push(d);
        }
      }
    }
  }
  return sortDiagnostics(list);
}
