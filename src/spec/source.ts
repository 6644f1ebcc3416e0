/**
 * A spec's text, read safely (size, binary and UTF-8 guards), and parsed to a
 * YAML document whose errors are reported as located diagnostics.
 */
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { Diagnostics, SpecError } from './diagnostics.js';
import type { SourceLoc } from './types.js';

const MAX_FILE_BYTES = 1 << 20;

export function readSource(file: string): string {
  const at: SourceLoc = { file, line: 1, col: 1 };
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new SpecError([{ loc: at, message: 'is not a file; expected a YAML problem spec' }]);
    size = st.size;
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError([{ loc: at, message: 'cannot read the file: it does not exist or is not readable' }]);
  }
  if (size > MAX_FILE_BYTES) {
    throw new SpecError([
      { loc: at, message: `the file is ${size} bytes; a spec is at most ${MAX_FILE_BYTES} bytes of YAML` },
    ]);
  }
  const bytes = readFileSync(file);
  if (bytes.includes(0)) throw new SpecError([{ loc: at, message: 'this is a binary file, not a YAML problem spec' }]);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) {
    throw new SpecError([{ loc: at, message: 'the file is not valid UTF-8 text; expected a YAML problem spec' }]);
  }
  return text;
}

/** The YAML document of a spec's text, with line positions; throws SpecError on YAML errors and alias bombs. */
export function parseSpecYaml(source: string, file: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const diags = new Diagnostics();
  let doc: Document;
  try {
    doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    diags.error({ file, line: 1, col: 1 }, 'the YAML is nested too deeply to read; expected a plain spec');
    diags.throwIfAny();
    throw err;
  }
  for (const err of [...doc.errors]) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos?.[0] ?? 0);
    diags.error(
      { file, line: pos.line, col: pos.col },
      yamlErrorMessage(err.code, err.message, source, err.pos?.[0] ?? 0),
    );
  }
  diags.throwIfAny();
  try {
    doc.toJS({ maxAliasCount: 100, mapAsMap: true });
  } catch (err) {
    const msg = (err as Error).message;
    diags.error(
      { file, line: 1, col: 1 },
      /alias/i.test(msg)
        ? 'the YAML aliases (*name) expand to too many nodes (a "billion laughs" pattern); ' +
            'expected a plain spec, with each alias used a few times at most'
        : `the YAML cannot be expanded: ${msg}; expected a plain spec`,
    );
    diags.throwIfAny();
  }
  return { doc, lines };
}

/** A YAML parser error as something the user can act on. */
function yamlErrorMessage(code: string, message: string, source: string, offset: number): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (/call stack/i.test(first)) return 'the YAML is nested too deeply to read; expected a plain spec';
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key = /^[^\s:]+/.exec(source.slice(offset))?.[0] ?? '';
      return `the key${key ? ` '${key}'` : ''} appears twice in this mapping; expected each key once (merge the two entries)`;
    }
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; expected spaces (YAML does not allow tabs for indentation)';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return `YAML syntax error: ${first}; check the indentation and brackets of this line`;
    case 'MULTIPLE_DOCS':
      return 'the file holds several YAML documents (---); expected one spec per file';
    default:
      return `YAML syntax error: ${first}`;
  }
}
