/**
 * `--set key.path=value` overrides: parsed from the command line, applied to
 * the spec's YAML document before it is read, so they are checked like the
 * file; the nodes they put there are marked so errors in them name the flag.
 */
import { parseDocument, parse as parseYamlValue, isMap, type Document, type Node } from 'yaml';
import { type Diagnostics, SpecError } from './diagnostics.js';

/** One step of a key path: a mapping key, or a list index (`training.stages.0`). */
type OverridePathPart = string | number;

/** A `--set key.path=value` override, parsed. */
export interface Override {
  path: OverridePathPart[];
  value: unknown;
  text: string;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const at = (col: number) => ({ file: `--set ${text}`, line: 1, col });
  if (eq <= 0)
    throw new SpecError([{ loc: at(1), message: `expected key.path=value, e.g. --set network.hidden=[64,64]` }]);
  const path = text
    .slice(0, eq)
    .split('.')
    .map((p) => p.trim());
  if (path.some((p) => p === '')) {
    const message = `the key path '${text.slice(0, eq)}' has an empty part; expected names separated by dots`;
    throw new SpecError([{ loc: at(1), message }]);
  }
  let value: unknown;
  try {
    value = parseYamlValue(text.slice(eq + 1));
  } catch (err) {
    throw new SpecError([
      { loc: at(eq + 2), message: `the value is not valid YAML: ${(err as Error).message.split('\n')[0]}` },
    ]);
  }
  return { path: path.map((p): OverridePathPart => (/^\d+$/.test(p) ? Number(p) : p)), value, text };
}

/** The overrides of `--set` flags followed by those of the shortcut flags (which become --set paths). */
export function overridesFromFlags(sets: string[], flags: { strategy?: string; seed?: number }): Override[] {
  const overrides: Override[] = sets.map(parseOverride);
  if (flags.strategy !== undefined) overrides.push(parseOverride(`constraints.strategy=${flags.strategy}`));
  if (flags.seed !== undefined) overrides.push(parseOverride(`training.seed=${flags.seed}`));
  return overrides;
}

/**
 * Writes each override into the document; returns which nodes came from which
 * override's text. Errors go to `diags`.
 */
export function applyOverrides(doc: Document, overrides: Override[], diags: Diagnostics): WeakMap<object, string> {
  const marks = new WeakMap<object, string>();
  for (const o of overrides) {
    if (!isMap(doc.contents)) break;
    try {
      // Parsed from the value's text when possible, so errors can point inside the value.
      const valueDoc = parseDocument(o.text.slice(o.text.indexOf('=') + 1), { prettyErrors: false });
      const parsed =
        valueDoc.errors.length === 0 && valueDoc.contents && !/[&*]/.test(o.text) ? valueDoc.contents : undefined;
      doc.setIn(o.path, parsed ?? doc.createNode(o.value));
      const node = doc.getIn(o.path, true) as Node | undefined;
      if (node && typeof node === 'object') markTree(node, o.text, marks);
    } catch (err) {
      diags.error({ file: `--set ${o.text}`, line: 1, col: 1 }, `cannot apply: ${(err as Error).message}`);
    }
  }
  return marks;
}

function markTree(node: Node, text: string, marks: WeakMap<object, string>): void {
  marks.set(node, text);
  const items = (node as unknown as { items?: unknown[] }).items;
  if (!items) return;
  for (const it of items) {
    const pair = it as { key?: Node; value?: Node };
    if (pair && typeof pair === 'object' && 'value' in pair) {
      if (pair.key && typeof pair.key === 'object') markTree(pair.key, text, marks);
      if (pair.value && typeof pair.value === 'object') markTree(pair.value, text, marks);
    } else if (it && typeof it === 'object') markTree(it as Node, text, marks);
  }
}
