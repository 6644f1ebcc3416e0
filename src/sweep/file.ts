/**
 * Sweep files: a problem spec plus the `--set` overrides to vary. Reading a
 * sweep expands it into cases (cartesian `grid` times explicit `cases`),
 * checks every case's spec up front and gives each a deterministic id and a
 * spec hash, so a bad sweep fails before anything runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import {
  Diagnostics,
  loadSpec,
  parseOverride,
  resolvedSpecObject,
  sortDiagnostics,
  SpecError,
  YamlReader,
  type Diagnostic,
  type Override,
  type SourceLoc,
  type Spec,
  type YNode,
} from '../spec/index.js';
import type { ModelProblem } from '../model/index.js';
import { disposeLoadedModel, loadRunModel, outsideRange } from '../run/index.js';

const TOP_KEYS = [
  'spec',
  'run',
  'grid',
  'cases',
  'set',
  'parallel',
  'iterations',
  'backend',
  'timeout',
  'name',
] as const;
const MAX_CASES = 10000;

/** One `path: value` entry of a sweep file, as the `--set` text it becomes. */
interface SweepOverride {
  path: string;
  value: unknown;
  /** `path=value` with the value as JSON (valid YAML), passed to `pinn solve --set`. */
  text: string;
  loc: SourceLoc;
  /** Where its key is (the grid's or the case's `path:`). */
  keyLoc: SourceLoc;
}

interface SweepDef {
  file: string;
  name: string;
  /** The problem spec, resolved against the sweep file's folder ('' in a sweep over a trained run). */
  spec: string;
  /** `run:` instead of `spec:`: a trained parametric run whose parameters each case sets; its cases are evaluated, not trained. */
  run?: { dir: string; loc: SourceLoc };
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
  const top = r.map(doc.contents as YNode, 'the sweep', TOP_KEYS);
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
  const run = sweptRun(src, top);
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
  return {
    file,
    name,
    spec,
    ...(run ? { run } : {}),
    grid,
    cases: cases.length ? cases : [[]],
    set,
    parallel,
    iterations,
    backend,
    timeout,
  };
}

/** `run: DIR` (relative to the sweep file), exclusive with `spec:`, which one of them must give. */
function sweptRun({ r, doc }: SweepSource, top: Map<string, { key: Node; value: YNode }>): SweepDef['run'] {
  if (top.has('spec') === top.has('run')) {
    r.error(
      top.get('run')?.key ?? (doc.contents as YNode),
      top.has('run')
        ? 'the sweep has both spec: and run:; give spec: to train each case, or run: to evaluate a trained parametric run'
        : 'the sweep has neither spec: nor run:; expected spec: (a problem to train per case) or run: (a trained parametric run to evaluate)',
    );
    return undefined;
  }
  if (!top.has('run')) return undefined;
  const node = top.get('run')!.value;
  if (top.has('iterations'))
    r.error(
      top.get('iterations')!.key,
      'iterations has no meaning in a sweep over a trained run: its cases are evaluated, not trained',
    );
  const rel = r.string(node, 'run');
  return rel === undefined ? undefined : { dir: resolve(dirname(r.loc(node).file), rel), loc: r.loc(node) };
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
  return { path, value, text, loc, keyLoc: r.loc(keyNode) };
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
  if (def.run) return { def, keys, cases: planEvaluated(def, def.run, combos) };
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
 * The cases of a sweep over a trained run: every swept key is a parameter of the
 * run, every value a number in its range, every parameter set; the hash is the
 * saved model's files and the values, so retraining the run reevaluates.
 */
function planEvaluated(def: SweepDef, run: NonNullable<SweepDef['run']>, combos: SweepOverride[][]): SweepCase[] {
  const fail = (message: string) => new SpecError([{ loc: run.loc, message }]);
  let ranges: NonNullable<ModelProblem['parameters']>;
  try {
    const loaded = loadRunModel(run.dir);
    ranges = loaded.view.parameters ?? [];
    disposeLoadedModel(loaded);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw fail(`run '${run.dir}': ${err.diagnostics[0]!.message}`);
  }
  if (!ranges.length)
    throw fail(
      `run '${run.dir}' has no parameters (its spec has no 'parameters:'); a sweep over a run sets its parameters`,
    );
  const modelHash = hashFolder(join(run.dir, existsSync(join(run.dir, 'model')) ? 'model' : '.'));
  const diags = new Map<string, Diagnostic>();
  const add = (loc: SourceLoc, message: string) => diags.set(message, diags.get(message) ?? { loc, message });
  const names = ranges.map((p) => `${p.name} [${p.min}, ${p.max}]`).join(', ');
  const cases = combos.map((swept, index) => {
    const overrides = [...def.set, ...swept];
    const values: Record<string, number> = {};
    for (const o of overrides) {
      const p = ranges.find((q) => q.name === o.path);
      if (!p) add(o.keyLoc, `'${o.path}' is not a parameter of run '${run.dir}'; its parameters are ${names}`);
      else if (typeof o.value !== 'number' || !Number.isFinite(o.value))
        add(o.loc, `${o.path} = ${showValue(o.value)} is not a number; expected a value in [${p.min}, ${p.max}]`);
      else {
        const why = outsideRange(p, o.value);
        if (why) add(o.loc, why);
        else values[p.name] = o.value;
      }
    }
    const unset = ranges.filter((p) => !overrides.some((o) => o.path === p.name));
    if (unset.length)
      add(
        run.loc,
        `the run takes ${unset.map((p) => `${p.name} [${p.min}, ${p.max}]`).join(', ')}; set ${unset.length > 1 ? 'each' : 'it'} in grid:, cases: or set:`,
      );
    const id = caseId(index, combos.length, swept);
    const specHash = sha(canonicalJson({ evaluated: run.dir, model: modelHash, values }));
    return { index, id, params: Object.fromEntries(swept.map((o) => [o.path, o.value])), overrides, specHash };
  });
  if (diags.size) throw new SpecError(sortDiagnostics([...diags.values()]));
  return cases;
}

/** Hash of the files in a folder (not below it), by name. */
function hashFolder(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) h.update(name).update('\0').update(readFileSync(path));
  }
  return h.digest('hex');
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
