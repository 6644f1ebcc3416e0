/**
 * Sweep files: a problem spec plus the `--set` overrides to vary. Reading a
 * sweep expands it into cases (cartesian `grid` times explicit `cases`),
 * checks every case's spec up front and gives each a deterministic id and a
 * spec hash, so a bad sweep fails before anything runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import {
  Diagnostics,
  loadSpec,
  parseOverride,
  resolvedSpecObject,
  SpecError,
  YamlReader,
  type Diagnostic,
  type Override,
  type SourceLoc,
  type Spec,
  type YNode,
} from '../spec/index.js';

const TOP_KEYS = ['spec', 'grid', 'cases', 'set', 'parallel', 'iterations', 'backend', 'timeout', 'name'] as const;
const MAX_CASES = 10000;

/** One `path: value` entry of a sweep file, as the `--set` text it becomes. */
interface SweepOverride {
  path: string;
  value: unknown;
  /** `path=value` with the value as JSON (valid YAML), passed to `pinn solve --set`. */
  text: string;
  loc: SourceLoc;
}

interface SweepDef {
  file: string;
  name: string;
  /** The problem spec, resolved against the sweep file's folder. */
  spec: string;
  grid: { path: string; loc: SourceLoc; values: SweepOverride[] }[];
  /** Explicit cases; a sweep without `cases:` has one empty case. */
  cases: SweepOverride[][];
  set: SweepOverride[];
  parallel: number;
  iterations?: number;
  backend?: string;
  /** Per-case time limit in seconds. */
  timeout?: number;
}

export interface SweepCase {
  /** 0-based position in the expanded sweep; shards are taken from it. */
  index: number;
  /** Folder name: 1-based index and a short hash of the swept values, e.g. `003-1f2e3d4c`. */
  id: string;
  /** The swept values (cases and grid), by path, as shown in results. */
  params: Record<string, unknown>;
  /** Every override in the order applied: set, then the case's, then the grid's. */
  overrides: SweepOverride[];
  /** Hash of the resolved spec, the overrides and the run settings; a finished case with the same hash is reused. */
  specHash: string;
}

export interface SweepPlan {
  def: SweepDef;
  /** Swept keys in order of first appearance: the result table's parameter columns. */
  keys: string[];
  cases: SweepCase[];
}

/** Text for a swept value in tables and status lines: strings bare, the rest as compact JSON. */
export function showValue(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Content hashes of the data files a spec names (`on: data`), so editing a file
 * reruns the cases that read it; a missing file hashes as such and fails in its case.
 */
function dataFileHashes(spec: Spec): Record<string, string> {
  const dir = dirname(resolve(spec.file));
  const out: Record<string, string> = {};
  for (const c of spec.conditions) {
    if (c.kind !== 'data') continue;
    const path = resolve(dir, c.file);
    try {
      out[c.file] = sha(readFileSync(path, 'utf8'));
    } catch {
      out[c.file] = 'missing';
    }
  }
  return out;
}

/** JSON with object keys sorted, so equal values hash equally. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function readSweepFile(file: string): SweepDef {
  const at: SourceLoc = { file, line: 1, col: 1 };
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SpecError([
      { loc: at, message: 'cannot read the sweep file: it does not exist or is not a readable file' },
    ]);
  }
  return parseSweep(text, file);
}

export function parseSweep(source: string, file: string): SweepDef {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const diags = new Diagnostics();
  for (const err of doc.errors) {
    const pos = err.linePos?.[0];
    diags.error({ file, line: pos?.line ?? 1, col: pos?.col ?? 1 }, `YAML syntax error: ${err.message.split('\n')[0]}`);
  }
  diags.throwIfAny();
  const r = new YamlReader(file, lines, doc);
  const src: SweepSource = { r, doc };
  const top = r.map(doc.contents as YNode, 'the sweep', TOP_KEYS, ['spec']);
  if (!top) {
    r.diags.throwIfAny();
    throw new SpecError([{ loc: { file, line: 1, col: 1 }, message: 'the sweep must be a mapping' }]);
  }
  const get = (k: string) => top.get(k)?.value;

  const specRel = top.has('spec') ? r.string(get('spec'), 'spec') : undefined;
  const spec = specRel !== undefined ? resolve(dirname(file), specRel) : '';
  if (specRel !== undefined) {
    try {
      if (!statSync(spec).isFile()) throw new Error('not a file');
    } catch {
      r.error(
        get('spec'),
        `spec '${specRel}' does not exist (paths are relative to the sweep file's folder, here ${dirname(file) || '.'})`,
      );
    }
  }
  const name = top.has('name') ? (r.string(get('name'), 'name') ?? 'sweep') : basename(file, extname(file));
  const set: SweepOverride[] = [];
  if (top.has('set')) {
    for (const e of keyPathEntries(src, get('set'), 'set')) {
      const o = sweepOverride(src, e.path, e.value, e.key);
      if (o) set.push(o);
    }
  }
  const grid = top.has('grid') ? gridAxes(src, get('grid')) : [];
  const cases = top.has('cases') ? caseList(src, get('cases'), grid) : [];
  if (!top.has('grid') && !top.has('cases'))
    r.error(doc.contents as YNode, 'the sweep has neither grid: nor cases:; expected at least one of them');

  const posInt = (k: string, min: number) => (top.has(k) ? r.number(get(k), k, { integer: true, min }) : undefined);
  const parallel = posInt('parallel', 1) ?? 1;
  const iterations = posInt('iterations', 0);
  const timeout = top.has('timeout') ? r.number(get('timeout'), 'timeout', { exclusiveMin: 0 }) : undefined;
  const backend = top.has('backend') ? r.string(get('backend'), 'backend') : undefined;
  r.diags.throwIfAny();
  const total = (cases.length || 1) * grid.reduce((n, g) => n * g.values.length, 1);
  if (total > MAX_CASES)
    throw new SpecError([
      {
        loc: r.loc(get('grid') ?? get('cases')),
        message: `the sweep expands to ${total} cases; at most ${MAX_CASES} are supported`,
      },
    ]);
  return { file, name, spec, grid, cases: cases.length ? cases : [[]], set, parallel, iterations, backend, timeout };
}

/** A sweep file being read: its reader (which collects the errors) and its YAML document. */
interface SweepSource {
  r: YamlReader;
  doc: Document;
}

/** The `key.path: value` entries of a mapping (`what` names it in errors). */
function keyPathEntries({ r }: SweepSource, node: YNode, what: string): { path: string; key: Node; value: YNode }[] {
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(n, `${what} must be a mapping of key.path: value, e.g. network.hidden: [32, 32]`);
    return [];
  }
  const out: { path: string; key: Node; value: YNode }[] = [];
  for (const pair of n.items) {
    const key = pair.key as Node;
    if (!isScalar(key) || typeof key.value !== 'string') {
      r.error(key, `${what} has a key that is not a key.path`);
      continue;
    }
    out.push({ path: key.value.trim(), key, value: pair.value as YNode });
  }
  return out;
}

/** One entry as the `--set` text it becomes, checked as `--set` would be; undefined (error recorded) when invalid. */
function sweepOverride(
  { r, doc }: SweepSource,
  path: string,
  valueNode: YNode,
  keyNode: Node,
): SweepOverride | undefined {
  const n = r.resolve(valueNode);
  const value = n ? (n as Node).toJS(doc as Document<Node, boolean>, { maxAliasCount: 100 }) : null;
  const text = `${path}=${JSON.stringify(value) ?? 'null'}`;
  const loc = r.loc(n ?? keyNode);
  try {
    parseOverride(text);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    r.error(keyNode, err.diagnostics[0]!.message);
    return undefined;
  }
  return { path, value, text, loc };
}

/** `grid:`: each key path with the list of values to try. */
function gridAxes(src: SweepSource, node: YNode): SweepDef['grid'] {
  const { r } = src;
  const grid: SweepDef['grid'] = [];
  for (const e of keyPathEntries(src, node, 'grid')) {
    const items = r.resolve(e.value);
    const list = items && 'items' in items && !isMap(items) ? (items as { items: YNode[] }).items : undefined;
    if (!list) {
      r.error(
        e.value ?? e.key,
        `grid '${e.path}' must be a list of values to try; to fix one value for every case, put it under set:`,
      );
      continue;
    }
    if (list.length === 0) {
      r.error(e.value, `grid '${e.path}' is an empty list; expected at least one value`);
      continue;
    }
    const values = list
      .map((v) => sweepOverride(src, e.path, v, e.key))
      .filter((o): o is SweepOverride => o !== undefined);
    grid.push({ path: e.path, loc: r.loc(e.key), values });
  }
  return grid;
}

/** `cases:`: a list of maps of key.path: value, none repeating a key or one the grid sweeps. */
function caseList(src: SweepSource, node: YNode, grid: SweepDef['grid']): SweepOverride[][] {
  const { r } = src;
  const cases: SweepOverride[][] = [];
  const list = r.seq(node, 'cases') ?? [];
  if (list.length === 0 && r.resolve(node))
    r.error(node, 'cases is an empty list; expected at least one map of key.path: value');
  for (const c of list) {
    const one: SweepOverride[] = [];
    for (const e of keyPathEntries(src, c, 'a case')) {
      if (one.some((o) => o.path === e.path)) {
        r.error(e.key, `'${e.path}' is given twice in this case`);
        continue;
      }
      if (grid.some((g) => g.path === e.path)) {
        r.error(
          e.key,
          `'${e.path}' is both in this case and in grid; a key is either swept by the grid or set per case`,
        );
        continue;
      }
      const o = sweepOverride(src, e.path, e.value, e.key);
      if (o) one.push(o);
    }
    cases.push(one);
  }
  return cases;
}

/** Every combination: explicit cases in order, each crossed with the grid (first grid key varies slowest). */
export function expandCases(def: SweepDef): SweepOverride[][] {
  let combos: SweepOverride[][] = def.cases.map((c) => [...c]);
  for (const g of def.grid) combos = combos.flatMap((c) => g.values.map((v) => [...c, v]));
  return combos;
}

export function caseId(index: number, total: number, swept: SweepOverride[]): string {
  const width = Math.max(3, String(total).length);
  const key = canonicalJson(
    [...swept].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((o) => [o.path, o.value]),
  );
  return `${String(index + 1).padStart(width, '0')}-${sha(key).slice(0, 8)}`;
}

/**
 * Expands the sweep and loads every case's spec; throws one SpecError listing
 * the problems of all cases, located in the sweep file where an override
 * caused them.
 */
export function planSweep(def: SweepDef, settings: { iterations?: number; backend?: string } = {}): SweepPlan {
  const combos = expandCases(def);
  const keys: string[] = [];
  for (const c of combos) for (const o of c) if (!keys.includes(o.path)) keys.push(o.path);
  const diags: Diagnostic[] = [];
  const seen = new Set<string>();
  const iterations = settings.iterations ?? def.iterations;
  const backend = settings.backend ?? def.backend;
  const cases: SweepCase[] = combos.map((swept, index) => {
    const overrides = [...def.set, ...swept];
    const id = caseId(index, combos.length, swept);
    let specHash = '';
    try {
      const parsed: Override[] = overrides.map((o) => parseOverride(o.text));
      const spec = loadSpec(def.spec, parsed);
      const data = dataFileHashes(spec);
      specHash = sha(
        canonicalJson({
          spec: resolvedSpecObject(spec, spec.fields),
          overrides: overrides.map((o) => o.text),
          ...(Object.keys(data).length > 0 ? { data } : {}),
          iterations: iterations ?? null,
          backend: backend ?? null,
        }),
      );
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      for (const d of err.diagnostics) {
        const from = d.loc.file.startsWith('--set ')
          ? overrides.find((o) => `--set ${o.text}` === d.loc.file)
          : blame(d, overrides);
        const loc = from ? from.loc : d.loc;
        const message = from ? `${d.message} (in case ${id}, from ${from.path})` : d.message;
        const key = `${loc.file}:${loc.line}:${loc.col}:${d.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        diags.push({ loc, message });
      }
    }
    return { index, id, params: Object.fromEntries(swept.map((o) => [o.path, o.value])), overrides, specHash };
  });
  if (diags.length) {
    throw new SpecError(
      diags.sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col),
    );
  }
  return { def, keys, cases };
}

/**
 * An override behind an error the spec loader could not place (a key that
 * --set added has no position): `unknown key 'k'` blames the override whose
 * path has that part.
 */
function blame(d: Diagnostic, overrides: SweepOverride[]): SweepOverride | undefined {
  if (d.loc.line !== 1 || d.loc.col !== 1) return undefined;
  const m = /unknown key '([^']+)'/.exec(d.message);
  return m ? [...overrides].reverse().find((o) => o.path.split('.').includes(m[1]!)) : undefined;
}
