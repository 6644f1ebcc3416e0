/**
 * Typed reads from a YAML syntax tree that keep source positions and record
 * every problem instead of stopping at the first.
 */
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node } from 'yaml';
import { Diagnostics } from './diagnostics.js';
import { didYouMean } from '../util/index.js';
import type { SourceExpr, SourceLoc } from './types.js';

export type YNode = Node | null | undefined;

export class YamlReader {
  readonly diags = new Diagnostics();

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly doc: Document,
    /** Nodes written by --set and its shortcut flags, with where on the command line. */
    private readonly overrides: WeakMap<object, SourceLoc> = new WeakMap(),
    /** The YAML text, for locating characters inside multi-line or escaped scalars. */
    private readonly source?: string,
  ) {}

  /** Follows aliases (*anchor) to the node they stand for. */
  resolve(node: YNode): YNode {
    let n = node;
    for (let hops = 0; n && isAlias(n) && hops < 100; hops++) n = n.resolve(this.doc) as YNode;
    return n;
  }

  loc(node: YNode, fallback?: SourceLoc): SourceLoc {
    const written = node ? this.overrides.get(node) : undefined;
    if (written) return written;
    const offset = node?.range?.[0];
    if (offset === undefined) return fallback ?? { file: this.file, line: 1, col: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  error(node: YNode, message: string, fallback?: SourceLoc): void {
    this.diags.error(this.loc(node, fallback), message);
  }

  /**
   * Entries of a mapping, reporting keys outside `known` (with a suggestion)
   * and duplicates; returns the value nodes by key.
   */
  map(
    node: YNode,
    what: string,
    known: readonly string[],
    required: readonly string[] = [],
  ): Map<string, { key: Node; value: YNode }> | undefined {
    const n = this.resolve(node);
    const out = new Map<string, { key: Node; value: YNode }>();
    if (!n || !isMap(n)) {
      this.error(n, `${what} must be a mapping (key: value lines); expected keys ${known.join(', ')}`);
      return undefined;
    }
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const key = keyText(keyNode);
      if (key === undefined) {
        this.error(keyNode, `${what} has a key that is not a plain name`);
        continue;
      }
      if (!known.includes(key)) {
        this.error(
          keyNode,
          `unknown key '${key}' in ${what}${didYouMean(key, known)}; expected one of ${known.join(', ')}`,
        );
        continue;
      }
      out.set(key, { key: keyNode, value: pair.value as YNode });
    }
    for (const r of required) {
      if (!out.has(r)) this.error(n, `${what} is missing '${r}'`);
    }
    return out;
  }

  /** The single key of a one-key mapping such as `{rectangle: {...}}`. */
  single(node: YNode, what: string, known: readonly string[]): { name: string; key: Node; value: YNode } | undefined {
    const n = this.resolve(node);
    if (!n || !isMap(n) || n.items.length !== 1) {
      this.error(n, `${what} must be a mapping with exactly one key, one of ${known.join(', ')}`);
      return undefined;
    }
    const pair = n.items[0]!;
    const key = keyText(pair.key) ?? '';
    if (!known.includes(key)) {
      this.error(
        pair.key as Node,
        `unknown ${what} '${key}'${didYouMean(key, known)}; expected one of ${known.join(', ')}`,
      );
      return undefined;
    }
    return { name: key, key: pair.key as Node, value: pair.value as YNode };
  }

  seq(node: YNode, what: string): YNode[] | undefined {
    const n = this.resolve(node);
    if (!n || !isSeq(n)) {
      this.error(n, `${what} must be a list`);
      return undefined;
    }
    return n.items as YNode[];
  }

  number(
    node: YNode,
    what: string,
    check?: { min?: number; exclusiveMin?: number; max?: number; integer?: boolean },
  ): number | undefined {
    const n = this.resolve(node);
    const v = n && isScalar(n) ? n.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(n, `${what} must be a number, found ${describe(n)}`);
      return undefined;
    }
    if (check?.integer && !Number.isInteger(v)) {
      this.error(n, `${what} must be a whole number, found ${v}`);
      return undefined;
    }
    if (check?.min !== undefined && v < check.min) {
      this.error(n, `${what} must be at least ${check.min}, found ${v}`);
      return undefined;
    }
    if (check?.exclusiveMin !== undefined && v <= check.exclusiveMin) {
      this.error(n, `${what} must be greater than ${check.exclusiveMin}, found ${v}`);
      return undefined;
    }
    if (check?.max !== undefined && v > check.max) {
      this.error(n, `${what} must be at most ${check.max}, found ${v}`);
      return undefined;
    }
    return v;
  }

  string(node: YNode, what: string): string | undefined {
    const n = this.resolve(node);
    const v = n && isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string') {
      this.error(n, `${what} must be text, found ${describe(n)}`);
      return undefined;
    }
    return v;
  }

  boolean(node: YNode, what: string): boolean | undefined {
    const n = this.resolve(node);
    const v = n && isScalar(n) ? n.value : undefined;
    if (typeof v !== 'boolean') {
      this.error(n, `${what} must be true or false, found ${describe(n)}`);
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(node: YNode, what: string, options: readonly T[]): T | undefined {
    const s = this.string(node, what);
    if (s === undefined) return undefined;
    if (!options.includes(s as T)) {
      this.error(node, `unknown ${what} '${s}'${didYouMean(s, options)}; expected one of ${options.join(', ')}`);
      return undefined;
    }
    return s as T;
  }

  numbers(node: YNode, what: string, length?: number): number[] | undefined {
    const items = this.seq(node, what);
    if (!items) return undefined;
    if (length !== undefined && items.length !== length) {
      this.error(node, `${what} must have ${length} number${length > 1 ? 's' : ''}, found ${items.length}`);
      return undefined;
    }
    const out = items.map((it, i) => this.number(it, `${what}[${i}]`));
    return out.every((x) => x !== undefined) ? (out as number[]) : undefined;
  }

  strings(node: YNode, what: string): string[] | undefined {
    const items = this.seq(node, what);
    if (!items) return undefined;
    const out = items.map((it, i) => this.string(it, `${what}[${i}]`));
    return out.every((x) => x !== undefined) ? (out as string[]) : undefined;
  }

  /** Per-character positions of a string scalar that is not written verbatim on one line. */
  private charPositions(n: Scalar, text: string): Array<[number, number]> | undefined {
    const range = n.range;
    if (!this.source || !range) return undefined;
    let written = this.source.slice(range[0], range[1]);
    let start = range[0];
    if (n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE) {
      written = written.slice(1, -1);
      start += 1;
    }
    if (written === text) return undefined;
    if (n.type === Scalar.BLOCK_FOLDED || n.type === Scalar.BLOCK_LITERAL) {
      const nl = written.indexOf('\n');
      if (nl < 0) return undefined;
      written = written.slice(nl + 1);
      start += nl + 1;
    }
    return alignScalar(written, text, start).map((off) => {
      const p = this.lines.linePos(off);
      return [p.line, p.col];
    });
  }

  /** An expression written as text or as a number, located at its first character. */
  expr(node: YNode, what: string): SourceExpr | undefined {
    const n = this.resolve(node);
    if (n && isScalar(n) && (typeof n.value === 'number' || typeof n.value === 'string')) {
      if (typeof n.value === 'number' && !Number.isFinite(n.value)) {
        this.error(n, `${what} must be a finite number or an expression, found ${n.value}`);
        return undefined;
      }
      const loc = this.loc(n);
      const quoted = n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE;
      const source = typeof n.value === 'number' ? (n.source ?? String(n.value)) : n.value;
      // Line breaks kept by block scalars are plain spaces in an expression (same length, so positions hold).
      const text = typeof n.value === 'number' ? String(n.value) : source.replace(/[\r\n]/g, ' ');
      const out: SourceExpr = { text, loc: quoted ? { ...loc, col: loc.col + 1 } : loc };
      const at = typeof n.value === 'string' && !this.overrides.has(n) ? this.charPositions(n, text) : undefined;
      if (at) out.at = at;
      return out;
    }
    this.error(n, `${what} must be an expression (text such as "sin(pi*x)") or a number, found ${describe(n)}`);
    return undefined;
  }
}

/**
 * Line and column of every character of a scalar's value when the value is not
 * a verbatim slice of one source line (block scalars, folded lines, escapes):
 * the value is aligned greedily with the written text.
 */
function alignScalar(written: string, value: string, start: number): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    let k = j;
    let skipped = 0;
    while (k < written.length && written[k] !== ch) {
      if (!/\s/.test(written[k]!) && ++skipped > 9) break;
      k++;
    }
    if (k < written.length && written[k] === ch) {
      out.push(start + k);
      j = k + 1;
    } else out.push(start + Math.min(j, Math.max(0, written.length - 1)));
  }
  return out;
}

/** A mapping key as text: a scalar node, or a plain string (keys created by --set). */
export function keyText(key: unknown): string | undefined {
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  if (key && isScalar(key as Node)) return String((key as Scalar).value);
  return undefined;
}

export function describe(node: YNode): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'an empty value';
    if (typeof v === 'string') return `text '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an alias';
}
