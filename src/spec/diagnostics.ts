/** Located spec errors: every problem in a spec, each as FILE:LINE:COL: message. */
import type { SourceLoc, Spec } from './types.js';

export interface Diagnostic {
  loc: SourceLoc;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`;
}

/** Thrown when a spec (or a file it names) has errors; the CLI prints them and exits 2. */
export class SpecError extends Error {
  /**
   * @param partial the spec as far as it could be read, when its names (geometry,
   *   fields, constants, equations) are sound, so later checks can still run on it.
   */
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly partial?: Spec,
  ) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'SpecError';
  }
}

/** Collects diagnostics while a stage keeps checking the rest of the spec. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(loc: SourceLoc, message: string): void {
    if (!this.list.some((d) => d.loc.line === loc.line && d.loc.col === loc.col && d.message === message)) {
      this.list.push({ loc, message });
    }
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  /** Throws a SpecError holding every diagnostic, sorted by position, if there is any. */
  throwIfAny(partial?: Spec): void {
    if (this.ok) return;
    throw new SpecError(sortDiagnostics(this.list), partial);
  }
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col,
  );
}

/** A location `offset` characters into an expression that starts at `loc` (same line). */
function offsetLoc(loc: SourceLoc, offset: number): SourceLoc {
  return { ...loc, col: loc.col + offset };
}

/** The location of character `offset` of an expression as written (any scalar style). */
export function exprLoc(src: { loc: SourceLoc; at?: Array<[number, number]> }, offset: number): SourceLoc {
  if (src.at && src.at.length > 0) {
    const p = src.at[Math.max(0, Math.min(src.at.length - 1, offset))]!;
    return { ...src.loc, line: p[0], col: p[1] };
  }
  return offsetLoc(src.loc, offset);
}
