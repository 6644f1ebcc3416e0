/**
 * `--set key.path=value` overrides: parsed from the command line, applied to
 * the spec's YAML document before it is read, so they are checked like the
 * file; the nodes they put there are marked so errors in them name the flag.
 */
import { parseDocument, parse as parseYamlValue, isMap, isNode, isScalar, type Document, type Node } from 'yaml';
import { type Diagnostics, SpecError } from './diagnostics.js';
import type { SourceLoc } from './types.js';

/** One step of a key path: a mapping key, or a list index (`training.stages.0`). */
type OverridePathPart = string | number;

/** A `--set key.path=value` override, parsed. */
export interface Override {
  path: OverridePathPart[];
  value: unknown;
  /** `key.path=value`. */
  text: string;
  /** How the user wrote it, named in errors as their "file": `--set key.path=value`, or a shortcut flag such as `--strategy hard`. */
  label: string;
  /** The 1-based column, in the flag's argument, where the value starts. */
  valueCol: number;
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
  const parts = path.map((p): OverridePathPart => (/^\d+$/.test(p) ? Number(p) : p));
  return { path: parts, value, text, label: `--set ${text}`, valueCol: eq + 2 };
}

/** The overrides of `--set` flags followed by those of the shortcut flags (which become --set paths). */
export function overridesFromFlags(sets: string[], flags: { strategy?: string; seed?: number }): Override[] {
  const overrides: Override[] = sets.map(parseOverride);
  const shortcut = (flag: string, path: string, value: string | number): Override => ({
    ...parseOverride(`${path}=${value}`),
    label: `${flag} ${value}`,
    valueCol: 1,
  });
  if (flags.strategy !== undefined) overrides.push(shortcut('--strategy', 'constraints.strategy', flags.strategy));
  if (flags.seed !== undefined) overrides.push(shortcut('--seed', 'training.seed', flags.seed));
  return overrides;
}

/**
 * Writes each override into the document; returns where each node it put there
 * (keys of new entries included) was written on the command line. Errors go to `diags`.
 */
export function applyOverrides(doc: Document, overrides: Override[], diags: Diagnostics): WeakMap<object, SourceLoc> {
  const marks = new WeakMap<object, SourceLoc>();
  for (const o of overrides) {
    if (!isMap(doc.contents)) break;
    try {
      // Parsed from the value's text when possible, so errors can point inside the value.
      const valueDoc = parseDocument(o.text.slice(o.text.indexOf('=') + 1), { prettyErrors: false });
      const parsed =
        valueDoc.errors.length === 0 && valueDoc.contents && !/[&*]/.test(o.text) ? valueDoc.contents : undefined;
      doc.setIn(o.path, parsed ?? doc.createNode(o.value));
      markNewKeys(doc, o, marks);
      const node = doc.getIn(o.path, true) as Node | undefined;
      if (node && typeof node === 'object') markTree(node, o, marks);
    } catch (err) {
      diags.error({ file: o.label, line: 1, col: 1 }, `cannot apply: ${(err as Error).message}`);
    }
  }
  return marks;
}

/**
 * setIn adds keys the file lacks as plain strings (or, inside a mapping it creates, nodes of no
 * place): make each key a node marked with its place in the key path, and each new mapping marked
 * where its key starts, so that an unknown key names the flag (`--set network.hiden=[3]:1:9`)
 * whether or not the file has `network:`, never the file.
 */
function markNewKeys(doc: Document, o: Override, marks: WeakMap<object, SourceLoc>): void {
  let col = 1;
  const at = (c: number): SourceLoc => ({ file: o.label, line: 1, col: o.label.startsWith('--set ') ? c : 1 });
  o.path.forEach((part, i) => {
    const parent = i === 0 ? doc.contents : doc.getIn(o.path.slice(0, i), true);
    if (i > 0 && isMap(parent) && !parent.range) marks.set(parent, at(col - String(o.path[i - 1]).length - 1));
    const pair = isMap(parent) ? parent.items.find((p) => keyValue(p.key) === part) : undefined;
    if (pair && !(isNode(pair.key) && pair.key.range)) {
      if (!isNode(pair.key)) pair.key = doc.createNode(pair.key);
      marks.set(pair.key as Node, at(col));
    }
    col += String(part).length + 1;
  });
}

function keyValue(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

function markTree(node: Node, o: Override, marks: WeakMap<object, SourceLoc>): void {
  // Nodes parsed from the override's value have ranges within the value text; others start it.
  marks.set(node, { file: o.label, line: 1, col: o.valueCol + (node.range?.[0] ?? 0) });
  const items = (node as unknown as { items?: unknown[] }).items;
  if (!items) return;
  for (const it of items) {
    const pair = it as { key?: Node; value?: Node };
    if (pair && typeof pair === 'object' && 'value' in pair) {
      if (pair.key && typeof pair.key === 'object') markTree(pair.key, o, marks);
      if (pair.value && typeof pair.value === 'object') markTree(pair.value, o, marks);
    } else if (it && typeof it === 'object') markTree(it as Node, o, marks);
  }
}
