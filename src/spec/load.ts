/**
 * YAML spec file -> validated Spec. Structural checks live here (keys, types,
 * ranges); names and expressions are checked when the problem is built.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument, parse as parseYamlValue, isMap, isScalar, type Document, type Node } from 'yaml';
import { Diagnostics, SpecError } from './diagnostics.js';
import { YamlReader, keyText, type YNode } from './yaml-reader.js';
import {
  ACTIVATIONS, SAMPLINGS, STRATEGIES, shapeDim,
  type ConditionSpec, type ConditionTarget, type ConstantSpec, type InequalitySpec, type ShapeSpec,
  type SourceExpr, type SourceLoc, type Spec, type StageSpec, type TemplateName, type TemplateSpec,
} from './types.js';
import { STRATEGY_OPTION_NAMES } from './strategy-options.js';
import { TEMPLATE_PARAMS } from './templates.js';

const MAX_FILE_BYTES = 1 << 20;

const TOP_KEYS = ['name', 'description', 'version', 'geometry', 'time', 'fields', 'constants', 'equations',
  'conditions', 'inequalities', 'exact', 'constraints', 'network', 'training', 'output'] as const;
const SHAPES = ['interval', 'rectangle', 'box', 'disk', 'sphere', 'polygon', 'union', 'intersection', 'difference'] as const;
const CONDITION_KINDS = ['dirichlet', 'neumann', 'robin', 'periodic', 'pec', 'conductor', 'equation', 'value', 'rate', 'file'] as const;
const IDENT = /^[A-Za-z][A-Za-z0-9]*$/;
const RESERVED = new Set(['x', 'y', 'z', 't', 'pi', 'e', 'lap', 'dn', 'n', 'and', 'or', 'not']);

/** A `--set key.path=value` override, parsed. */
export interface Override { path: string[]; value: unknown; text: string }

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new SpecError([{ loc: { file: `--set ${text}`, line: 1, col: 1 }, message: `expected key.path=value, e.g. --set network.hidden=[64,64]` }]);
  const path = text.slice(0, eq).split('.').map((p) => p.trim());
  if (path.some((p) => p === '')) throw new SpecError([{ loc: { file: `--set ${text}`, line: 1, col: 1 }, message: `the key path '${text.slice(0, eq)}' has an empty part; expected names separated by dots` }]);
  let value: unknown;
  try {
    value = parseYamlValue(text.slice(eq + 1));
  } catch (err) {
    throw new SpecError([{ loc: { file: `--set ${text}`, line: 1, col: eq + 2 }, message: `the value is not valid YAML: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return { path: path.map((p) => (/^\d+$/.test(p) ? Number(p) : p)) as string[], value, text };
}

/** A spec file plus CLI overrides (flags become --set paths, checked like the file). */
export function loadSpecWithFlags(file: string, sets: string[], flags: { strategy?: string; seed?: number }): Spec {
  const overrides: Override[] = sets.map(parseOverride);
  if (flags.strategy !== undefined) overrides.push(parseOverride(`constraints.strategy=${flags.strategy}`));
  if (flags.seed !== undefined) overrides.push(parseOverride(`training.seed=${flags.seed}`));
  return loadSpec(file, overrides);
}

/** Reads and checks a spec file; throws SpecError listing every problem found. */
export function loadSpec(file: string, overrides: Override[] = []): Spec {
  const source = readSource(file);
  return loadSpecText(source, file, overrides);
}

function readSource(file: string): string {
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
  if (size > MAX_FILE_BYTES) throw new SpecError([{ loc: at, message: `the file is ${size} bytes; a spec is at most ${MAX_FILE_BYTES} bytes of YAML` }]);
  const bytes = readFileSync(file);
  if (bytes.includes(0)) throw new SpecError([{ loc: at, message: 'this is a binary file, not a YAML problem spec' }]);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) throw new SpecError([{ loc: at, message: 'the file is not valid UTF-8 text; expected a YAML problem spec' }]);
  return text;
}

export function loadSpecText(source: string, file: string, overrides: Override[] = []): Spec {
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
    diags.error({ file, line: pos.line, col: pos.col }, yamlErrorMessage(err.code, err.message, source, err.pos?.[0] ?? 0));
  }
  diags.throwIfAny();
  try {
    doc.toJS({ maxAliasCount: 100, mapAsMap: true });
  } catch (err) {
    const msg = (err as Error).message;
    diags.error({ file, line: 1, col: 1 }, /alias/i.test(msg)
      ? 'the YAML aliases (*name) expand to too many nodes (a "billion laughs" pattern); expected a plain spec, with each alias used a few times at most'
      : `the YAML cannot be expanded: ${msg}; expected a plain spec`);
    diags.throwIfAny();
  }
  const overrideNodes = applyOverrides(doc, overrides, diags);
  diags.throwIfAny();
  const r = new YamlReader(file, lines, doc, overrideNodes, source);
  const spec = readSpec(r, doc, file);
  r.diags.throwIfAny(spec && namesSound(r, spec) ? spec : undefined);
  return spec!;
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
    case 'TAB_AS_INDENT': return 'a tab is used for indentation; expected spaces (YAML does not allow tabs for indentation)';
    case 'BAD_INDENT': case 'MISSING_CHAR': case 'UNEXPECTED_TOKEN':
      return `YAML syntax error: ${first}; check the indentation and brackets of this line`;
    case 'MULTIPLE_DOCS': return 'the file holds several YAML documents (---); expected one spec per file';
    default: return `YAML syntax error: ${first}`;
  }
}

function applyOverrides(doc: Document, overrides: Override[], diags: Diagnostics): WeakMap<object, string> {
  const marks = new WeakMap<object, string>();
  for (const o of overrides) {
    if (!isMap(doc.contents)) break;
    try {
      // Parsed from the value's text when possible, so errors can point inside the value.
      const valueDoc = parseDocument(o.text.slice(o.text.indexOf('=') + 1), { prettyErrors: false });
      const parsed = valueDoc.errors.length === 0 && valueDoc.contents && !/[&*]/.test(o.text) ? valueDoc.contents : undefined;
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

/** Specs whose name-defining parts (geometry, time, equations, fields, constants) read without error. */
const soundNames = new WeakSet<Spec>();

/** Whether the rest of a spec with errors can still be checked (names and geometry are sound). */
function namesSound(_r: YamlReader, spec: Spec): boolean {
  return soundNames.has(spec) && !!spec.geometry;
}

function readSpec(r: YamlReader, doc: Document, file: string): Spec | undefined {
  const top = r.map(doc.contents as YNode, 'the spec', TOP_KEYS, ['geometry']);
  if (!top) return undefined;
  const get = (k: string) => top.get(k)?.value;
  const has = (k: string) => top.has(k);

  const version = has('version') ? r.number(get('version'), 'version') : 1;
  if (version !== undefined && version !== 1) r.error(get('version'), `unsupported spec version ${version}; expected 1`);

  const name = has('name') ? r.string(get('name'), 'name') ?? 'problem' : basename(file, extname(file));
  if (/[/\\]|^\.\.?$/.test(name)) r.error(get('name'), `name '${name}' cannot be used as a folder name; expected letters, digits, '-' or '_'`);
  const description = has('description') ? r.string(get('description'), 'description') : undefined;

  const errorsBefore = r.diags.list.length;
  const geometry = has('geometry') ? readShape(r, get('geometry'), 'geometry', 0) : undefined;
  const time = has('time') ? readTime(r, get('time')) : undefined;
  const templates: TemplateSpec[] = [];
  const equations = has('equations') ? readEquations(r, get('equations'), templates) : [];

  let fields: string[] = [];
  if (has('fields')) {
    fields = r.strings(get('fields'), 'fields') ?? [];
    const seen = new Set<string>();
    for (const [i, f] of fields.entries()) {
      const node = (r.seq(get('fields'), 'fields') ?? [])[i];
      if (!IDENT.test(f)) r.error(node, `field name '${f}' must be letters and digits starting with a letter (no '_', which marks derivatives)`);
      else if (RESERVED.has(f)) r.error(node, `field name '${f}' is reserved (variables x y z t, pi, e, lap, dn, n)`);
      if (seen.has(f)) r.error(node, `field '${f}' is listed twice`);
      seen.add(f);
    }
  }
  const constants = has('constants') ? readConstants(r, get('constants')) : [];
  const namesOk = r.diags.list.length === errorsBefore;
  const conditions = has('conditions') ? readConditions(r, get('conditions')) : [];
  const inequalities = has('inequalities') ? readInequalities(r, get('inequalities')) : [];
  const exact = has('exact') ? readExprMap(r, get('exact'), 'exact') : {};

  if (!has('equations')) r.error(doc.contents as YNode, "the spec has no 'equations'; expected a list of residuals like \"-lap(u) = f\" or a template like {poisson: {source: ...}}");
  if (equations.length === 0 && templates.length === 0 && has('equations')) r.error(get('equations'), 'equations is empty; expected at least one equation or template');

  const spec: Spec = {
    file, name, description,
    geometry: geometry!,
    time,
    fields,
    constants,
    equations,
    templates,
    conditions,
    inequalities,
    exact,
    constraints: readConstraints(r, get('constraints')),
    network: readNetwork(r, get('network')),
    training: readTraining(r, get('training')),
    output: { grid: [], times: [], formats: ['csv', 'vtk', 'npy', 'png', 'json'] },
  };
  spec.output = readOutput(r, get('output'), spec);
  const locs: Record<string, SourceLoc> = {};
  for (const path of ['geometry', 'fields', 'network', 'network.activation', 'network.hidden', 'training', 'training.points',
    'training.points.domain', 'training.points.boundary', 'training.points.initial', 'constraints.strategy', 'equations']) {
    const n = doc.getIn(path.split('.'), true) as Node | undefined;
    if (n && typeof n === 'object') locs[path] = r.loc(n);
  }
  spec.locs = locs;
  if (namesOk) soundNames.add(spec);
  return spec;
}

// ---- geometry ----

function readShape(r: YamlReader, node: YNode, what: string, depth: number): ShapeSpec | undefined {
  if (depth > 32) { r.error(node, `${what} is nested more than 32 levels deep`); return undefined; }
  const n = r.resolve(node);
  if (!n || !isMap(n)) { r.error(n, `${what} must be a shape such as {rectangle: {min: [0, 0], max: [1, 1]}}; expected one of ${SHAPES.join(', ')}`); return undefined; }
  const entries = r.map(n, what, [...SHAPES, 'name']);
  if (!entries) return undefined;
  const kinds = [...entries.keys()].filter((k) => k !== 'name');
  if (kinds.length === 0 && n.items.length > entries.size) return undefined; // the unknown key was reported
  if (kinds.length !== 1) {
    r.error(n, `${what} must name exactly one shape, found ${kinds.length ? kinds.join(', ') : 'none'}; expected one of ${SHAPES.join(', ')}`);
    return undefined;
  }
  const kind = kinds[0] as (typeof SHAPES)[number];
  const body = entries.get(kind)!.value;
  const name = entries.has('name') ? r.string(entries.get('name')!.value, `${what}.name`) : undefined;
  const loc = r.loc(entries.get(kind)!.key);
  const at = `${what}.${kind}`;
  switch (kind) {
    case 'interval': {
      const ab = r.numbers(body, at, 2);
      if (!ab) return undefined;
      if (!(ab[0]! < ab[1]!)) { r.error(body, `${at} must be [a, b] with a < b, found [${ab.join(', ')}]`); return undefined; }
      return { kind, min: ab[0]!, max: ab[1]!, name, loc };
    }
    case 'rectangle': case 'box': {
      const dim = kind === 'rectangle' ? 2 : 3;
      const m = r.map(body, at, ['min', 'max'], ['min', 'max']);
      if (!m) return undefined;
      const min = r.numbers(m.get('min')?.value, `${at}.min`, dim);
      const max = r.numbers(m.get('max')?.value, `${at}.max`, dim);
      if (!min || !max) return undefined;
      if (min.some((v, i) => !(v < max[i]!))) { r.error(body, `${at} needs min < max on every axis, found min [${min.join(', ')}], max [${max.join(', ')}]`); return undefined; }
      return { kind, min, max, name, loc };
    }
    case 'disk': case 'sphere': {
      const dim = kind === 'disk' ? 2 : 3;
      const m = r.map(body, at, ['center', 'radius'], ['center', 'radius']);
      if (!m) return undefined;
      const center = r.numbers(m.get('center')?.value, `${at}.center`, dim);
      const radius = r.number(m.get('radius')?.value, `${at}.radius`, { exclusiveMin: 0 });
      if (!center || radius === undefined) return undefined;
      return { kind, center, radius, name, loc };
    }
    case 'polygon': {
      const m = r.map(body, at, ['vertices'], ['vertices']);
      const items = m && r.seq(m.get('vertices')?.value, `${at}.vertices`);
      if (!items) return undefined;
      if (items.length < 3) { r.error(m!.get('vertices')!.value, `${at}.vertices needs at least 3 points, found ${items.length}`); return undefined; }
      const vertices = items.map((it, i) => r.numbers(it, `${at}.vertices[${i}]`, 2));
      if (vertices.some((v) => !v)) return undefined;
      return { kind, vertices: vertices as number[][], name, loc };
    }
    default: {
      const items = r.seq(body, at);
      if (!items) return undefined;
      if (kind === 'difference' && items.length !== 2) { r.error(body, `${at} takes exactly two shapes [A, B] (A minus B), found ${items.length}`); return undefined; }
      if (items.length < 2) { r.error(body, `${at} needs at least two shapes, found ${items.length}`); return undefined; }
      const children = items.map((it, i) => readShape(r, it, `${at}[${i}]`, depth + 1));
      if (children.some((c) => !c)) return undefined;
      const dims = new Set(children.map((c) => shapeDim(c!)));
      if (dims.size > 1) { r.error(body, `${at} mixes shapes of different dimensions (${[...dims].join('D, ')}D)`); return undefined; }
      return { kind, children: children as ShapeSpec[], name, loc };
    }
  }
}

function readTime(r: YamlReader, node: YNode): Spec['time'] {
  const ab = r.numbers(node, 'time', 2);
  if (!ab) return undefined;
  if (!(ab[0]! < ab[1]!)) { r.error(node, `time must be [start, end] with start < end, found [${ab.join(', ')}]`); return undefined; }
  return { min: ab[0]!, max: ab[1]!, loc: r.loc(node) };
}

// ---- equations and templates ----

function readEquations(r: YamlReader, node: YNode, templates: TemplateSpec[]): SourceExpr[] {
  const n = r.resolve(node);
  const out: SourceExpr[] = [];
  const items = n && isMap(n) ? [n as YNode] : r.seq(n, 'equations') ?? [];
  for (const [i, it] of items.entries()) {
    const item = r.resolve(it);
    if (item && isMap(item)) {
      const t = readTemplate(r, item);
      if (t) templates.push(t);
    } else {
      const e = r.expr(item, `equations[${i}]`);
      if (e) out.push(e);
    }
  }
  return out;
}

function readTemplate(r: YamlReader, node: YNode): TemplateSpec | undefined {
  const names = Object.keys(TEMPLATE_PARAMS) as TemplateName[];
  const one = r.single(node, 'template', names);
  if (!one) return undefined;
  const info = TEMPLATE_PARAMS[one.name as TemplateName];
  const bodyNode = r.resolve(one.value);
  const params: TemplateSpec['params'] = {};
  let fields: string[] | undefined;
  if (bodyNode && !(isScalar(bodyNode) && bodyNode.value === null)) {
    const m = r.map(bodyNode, `template ${one.name}`, [...Object.keys(info.params), 'fields']);
    for (const [k, { value }] of m ?? []) {
      if (k === 'fields') {
        fields = r.strings(value, `${one.name}.fields`);
        if (fields && fields.length !== info.fields.length) {
          r.error(value, `${one.name}.fields renames the template's ${info.fields.length} field${info.fields.length > 1 ? 's' : ''} (${info.fields.join(', ')}); found ${fields.length} names`);
          fields = undefined;
        }
        continue;
      }
      const kind = info.params[k];
      if (kind === 'boolean') {
        const b = r.boolean(value, `${one.name}.${k}`);
        if (b !== undefined) params[k] = b;
      } else {
        const e = r.expr(value, `${one.name}.${k}`);
        if (e) params[k] = e;
      }
    }
  }
  for (const req of info.required) {
    if (!(req in params)) r.error(node, `template ${one.name} needs '${req}'; expected e.g. {${one.name}: {${req}: ...}}`);
  }
  return { name: one.name as TemplateName, params, fields, loc: r.loc(one.key) };
}

// ---- constants ----

function readConstants(r: YamlReader, node: YNode): ConstantSpec[] {
  const n = r.resolve(node);
  if (!n || !isMap(n)) { r.error(n, 'constants must be a mapping of names to numbers or expressions'); return []; }
  const out: ConstantSpec[] = [];
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!IDENT.test(name)) { r.error(key, `constant name '${name}' must be letters and digits starting with a letter`); continue; }
    if (RESERVED.has(name)) { r.error(key, `constant name '${name}' is reserved (variables x y z t, pi, e, lap, dn, n)`); continue; }
    const v = r.resolve(pair.value as YNode);
    if (v && isMap(v)) {
      const m = r.map(v, `constant ${name}`, ['unknown']);
      const start = m?.get('unknown') && r.number(m.get('unknown')!.value, `${name}.unknown`);
      if (start !== undefined && start !== null && m?.has('unknown')) {
        out.push({ name, value: { text: String(start), loc: r.loc(m.get('unknown')!.value) }, unknown: true, loc: r.loc(key) });
      } else if (m && !m.has('unknown')) r.error(v, `constant ${name} must be a number, an expression, or {unknown: start value}`);
      continue;
    }
    const e = r.expr(v, `constant ${name}`);
    if (e) out.push({ name, value: e, unknown: false, loc: r.loc(key) });
  }
  return out;
}

// ---- conditions ----

function readTarget(r: YamlReader, node: YNode, what: string): ConditionTarget | undefined {
  const s = r.string(node, `${what}.on`);
  if (s === undefined) return undefined;
  const text = s.trim();
  if (text === 'boundary') return { kind: 'boundary' };
  if (text === 'initial') return { kind: 'initial' };
  if (text === 'data') return { kind: 'data' };
  if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(text)) return { kind: 'part', name: text, loc: r.loc(r.resolve(node)) };
  return { kind: 'selector', expr: r.expr(node, `${what}.on`)! };
}

function readExprMap(r: YamlReader, node: YNode, what: string): Record<string, SourceExpr> {
  const n = r.resolve(node);
  if (!n || !isMap(n)) { r.error(n, `${what} must map field names to values, e.g. {u: 0}`); return {}; }
  const out: Record<string, SourceExpr> = {};
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!IDENT.test(name)) { r.error(key, `'${name}' in ${what} is not a field name; expected a field such as u`); continue; }
    if (Object.hasOwn(out, name)) { r.error(key, `field '${name}' is given twice in ${what}`); continue; }
    const e = r.expr(pair.value as YNode, `${what}.${name}`);
    if (e) out[name] = { ...e, keyLoc: r.loc(key) };
  }
  return out;
}

function readConditions(r: YamlReader, node: YNode): ConditionSpec[] {
  const items = r.seq(node, 'conditions') ?? [];
  const out: ConditionSpec[] = [];
  for (const [i, it] of items.entries()) {
    const what = `conditions[${i}]`;
    const m = r.map(it, what, ['on', 'strategy', 'weight', ...CONDITION_KINDS]);
    if (!m) continue;
    const loc = r.loc(r.resolve(it));
    const kinds = [...m.keys()].filter((k) => (CONDITION_KINDS as readonly string[]).includes(k));
    const strategy = m.has('strategy') ? r.oneOf(m.get('strategy')!.value, 'strategy', STRATEGIES) : undefined;
    const weight = m.has('weight') ? r.number(m.get('weight')!.value, `${what}.weight`, { min: 0 }) : undefined;
    const isPeriodic = kinds.includes('periodic');
    const on = m.has('on') ? readTarget(r, m.get('on')!.value, what) : isPeriodic ? { kind: 'boundary' as const } : undefined;
    if (!m.has('on') && !isPeriodic) { r.error(it, `${what} is missing 'on'; expected boundary, a side name, a shape name, an expression like "x == 1", initial or data`); continue; }
    if (!on) continue;
    const base = { on, strategy, weight, loc };
    if (on.kind === 'initial') {
      const bad = kinds.filter((k) => k !== 'value' && k !== 'rate');
      if (bad.length) { r.error(m.get(bad[0]!)!.key, `an initial condition takes 'value' and/or 'rate', found '${bad[0]}'`); continue; }
      if (!kinds.length) { r.error(it, `${what} (initial) needs 'value: {field: expr}' and/or 'rate: {field: expr}'`); continue; }
      out.push({ ...base, kind: 'initial',
        value: m.has('value') ? readExprMap(r, m.get('value')!.value, `${what}.value`) : {},
        rate: m.has('rate') ? readExprMap(r, m.get('rate')!.value, `${what}.rate`) : {} });
      continue;
    }
    if (on.kind === 'data') {
      if (!m.has('file')) { r.error(it, `${what} (data) needs 'file: observations.csv'`); continue; }
      const file = r.string(m.get('file')!.value, `${what}.file`);
      if (file !== undefined) out.push({ ...base, kind: 'data', file, fileLoc: r.loc(m.get('file')!.value) });
      continue;
    }
    if (kinds.length !== 1 || kinds[0] === 'value' || kinds[0] === 'rate' || kinds[0] === 'file') {
      r.error(it, `${what} must have exactly one of dirichlet, neumann, robin, periodic, pec, conductor, equation; found ${kinds.length ? kinds.join(', ') : 'none'}`);
      continue;
    }
    const kind = kinds[0]!;
    const body = m.get(kind)!.value;
    switch (kind) {
      case 'dirichlet': case 'neumann':
        out.push({ ...base, kind, values: readExprMap(r, body, `${what}.${kind}`) });
        break;
      case 'robin': {
        const bn = r.resolve(body);
        if (!bn || !isMap(bn)) { r.error(bn, `${what}.robin must map fields to {a, b, value}`); break; }
        const values: Record<string, { a: SourceExpr; b: SourceExpr; value: SourceExpr }> = {};
        for (const pair of bn.items) {
          const f = keyText(pair.key) ?? '';
          if (!IDENT.test(f)) { r.error(pair.key as Node, `'${f}' in ${what}.robin is not a field name; expected a field such as u`); continue; }
          const abv = r.map(pair.value as YNode, `${what}.robin.${f}`, ['a', 'b', 'value'], ['a', 'b', 'value']);
          const a = abv?.get('a') && r.expr(abv.get('a')!.value, `robin.${f}.a`);
          const b = abv?.get('b') && r.expr(abv.get('b')!.value, `robin.${f}.b`);
          const v = abv?.get('value') && r.expr(abv.get('value')!.value, `robin.${f}.value`);
          if (a && b && v) values[f] = { a, b, value: v };
        }
        out.push({ ...base, kind: 'robin', values });
        break;
      }
      case 'periodic': {
        if (m.has('on')) { r.error(m.get('on')!.key, `a periodic condition applies to the two sides at the axis min and max; remove 'on' (write just '- periodic: ${r.resolve(body) && isScalar(r.resolve(body)) ? String((r.resolve(body) as { value: unknown }).value) : 'x'}')`); break; }
        const axis = r.oneOf(body, 'periodic axis', ['x', 'y', 'z']);
        if (axis) out.push({ ...base, kind: 'periodic', axis, axisLoc: r.loc(r.resolve(body)) });
        break;
      }
      case 'pec': {
        const b = r.boolean(body, `${what}.pec`);
        if (b === false) r.error(body, `${what}.pec: false has no effect; remove the condition or write pec: true`);
        if (b) out.push({ ...base, kind: 'pec' });
        break;
      }
      case 'conductor': {
        const cm = r.map(body, `${what}.conductor`, ['potential'], ['potential']);
        const p = cm?.get('potential') && r.expr(cm.get('potential')!.value, `${what}.conductor.potential`);
        if (p) out.push({ ...base, kind: 'conductor', potential: p });
        break;
      }
      case 'equation': {
        const bn = r.resolve(body);
        const list = bn && isScalar(bn) ? [bn as YNode] : r.seq(bn, `${what}.equation`) ?? [];
        const eqs = list.map((e, k) => r.expr(e, `${what}.equation[${k}]`)).filter((e): e is SourceExpr => !!e);
        out.push({ ...base, kind: 'equation', equations: eqs });
        break;
      }
    }
  }
  return out;
}

function readInequalities(r: YamlReader, node: YNode): InequalitySpec[] {
  const items = r.seq(node, 'inequalities') ?? [];
  const out: InequalitySpec[] = [];
  for (const [i, it] of items.entries()) {
    const what = `inequalities[${i}]`;
    const n = r.resolve(it);
    if (n && isMap(n)) {
      const m = r.map(n, what, ['constraint', 'on', 'strategy', 'weight'], ['constraint']);
      const c = m?.get('constraint') && r.expr(m.get('constraint')!.value, `${what}.constraint`);
      if (!m || !c) continue;
      const on = m.has('on') ? readTarget(r, m.get('on')!.value, what) : { kind: 'domain' as const };
      if (!on) continue;
      const strategy = m.has('strategy') ? r.oneOf(m.get('strategy')!.value, 'strategy', STRATEGIES) : undefined;
      const weight = m.has('weight') ? r.number(m.get('weight')!.value, `${what}.weight`, { min: 0 }) : undefined;
      out.push({ constraint: c, on, strategy, weight, loc: r.loc(n) });
    } else {
      const c = r.expr(n, what);
      if (c) out.push({ constraint: c, on: { kind: 'domain' }, loc: r.loc(n) });
    }
  }
  return out;
}

// ---- constraints, network, training, output ----

function readConstraints(r: YamlReader, node: YNode): Spec['constraints'] {
  const out: Spec['constraints'] = {
    strategy: 'penalty',
    weights: { equations: 1, conditions: 1, inequalities: 1, data: 1 },
    positivity: 'softplus',
    options: {},
  };
  if (node === undefined) return out;
  const m = r.map(node, 'constraints', ['strategy', 'weights', 'positivity', 'options']);
  if (!m) return out;
  if (m.has('strategy')) out.strategy = r.oneOf(m.get('strategy')!.value, 'strategy', STRATEGIES) ?? out.strategy;
  if (m.has('positivity')) out.positivity = r.oneOf(m.get('positivity')!.value, 'positivity', ['square', 'softplus', 'exp'] as const) ?? out.positivity;
  if (m.has('weights')) {
    const w = r.map(m.get('weights')!.value, 'constraints.weights', ['equations', 'conditions', 'inequalities', 'data']);
    for (const [k, { value }] of w ?? []) {
      const v = r.number(value, `constraints.weights.${k}`, { min: 0 });
      if (v !== undefined) out.weights[k as keyof Spec['constraints']['weights']] = v;
    }
  }
  if (m.has('options')) {
    const o = r.map(m.get('options')!.value, 'constraints.options', STRATEGY_OPTION_NAMES);
    for (const [k, { value }] of o ?? []) {
      const v = r.number(value, `constraints.options.${k}`, { min: 0 });
      if (v !== undefined) out.options[k] = v;
    }
  }
  return out;
}

function readNetwork(r: YamlReader, node: YNode): Spec['network'] {
  const out: Spec['network'] = { hidden: [50, 50, 50], activation: 'tanh' };
  if (node === undefined) return out;
  const m = r.map(node, 'network', ['hidden', 'activation', 'fourier_features', 'first_layer']);
  if (!m) return out;
  if (m.has('hidden')) {
    const h = r.numbers(m.get('hidden')!.value, 'network.hidden');
    if (h) {
      if (h.length === 0) r.error(m.get('hidden')!.value, 'network.hidden needs at least one layer width, e.g. [50, 50, 50]');
      else if (h.some((w) => !Number.isInteger(w) || w < 1 || w > 4096)) r.error(m.get('hidden')!.value, 'network.hidden widths must be whole numbers from 1 to 4096');
      else if (h.length > 64) r.error(m.get('hidden')!.value, 'network.hidden has more than 64 layers');
      else out.hidden = h;
    }
  }
  if (m.has('activation')) out.activation = r.oneOf(m.get('activation')!.value, 'activation', ACTIVATIONS) ?? out.activation;
  if (m.has('fourier_features')) {
    const f = r.map(m.get('fourier_features')!.value, 'network.fourier_features', ['count', 'scale'], ['count', 'scale']);
    const count = f?.get('count') && r.number(f.get('count')!.value, 'fourier_features.count', { integer: true, min: 1, max: 4096 });
    const scale = f?.get('scale') && r.number(f.get('scale')!.value, 'fourier_features.scale', { exclusiveMin: 0 });
    if (typeof count === 'number' && typeof scale === 'number') out.fourierFeatures = { count, scale };
  }
  if (m.has('first_layer')) {
    const v = r.oneOf(m.get('first_layer')!.value, 'network.first_layer', ['glorot', 'unit']);
    if (v === 'unit') out.firstLayer = v;
  }
  return out;
}

const MAX_POINTS = 5_000_000;

function readTraining(r: YamlReader, node: YNode): Spec['training'] {
  const out: Spec['training'] = {
    points: { domain: 2000, boundary: 400, initial: 400 },
    sampling: 'sobol',
    resampleEvery: 0,
    seed: 0,
    causal: false,
    logEvery: 0,
    checkpointEvery: 500,
    workers: 'auto',
    stages: [
      { optimizer: 'adam', iterations: 5000, lr: 1e-3, loc: { file: '', line: 0, col: 0 } },
      { optimizer: 'lbfgs', iterations: 2000, lr: 1, loc: { file: '', line: 0, col: 0 } },
    ],
  };
  if (node === undefined) return out;
  const m = r.map(node, 'training', ['points', 'sampling', 'resample_every', 'seed', 'stages', 'causal', 'log_every', 'checkpoint_every', 'workers']);
  if (!m) return out;
  if (m.has('points')) {
    const p = r.map(m.get('points')!.value, 'training.points', ['domain', 'boundary', 'initial']);
    for (const [k, { value }] of p ?? []) {
      const v = r.number(value, `training.points.${k}`, { integer: true, min: 1, max: MAX_POINTS });
      if (v !== undefined) out.points[k as 'domain'] = v;
    }
  }
  if (m.has('sampling')) out.sampling = r.oneOf(m.get('sampling')!.value, 'sampling', SAMPLINGS) ?? out.sampling;
  if (m.has('resample_every')) out.resampleEvery = r.number(m.get('resample_every')!.value, 'training.resample_every', { integer: true, min: 0 }) ?? 0;
  if (m.has('seed')) out.seed = r.number(m.get('seed')!.value, 'training.seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 0;
  if (m.has('causal')) {
    const c = r.resolve(m.get('causal')!.value);
    if (c && !isScalar(c)) {
      // {epsilon, bins}: causal weighting on, with these settings.
      const cm = r.map(c, 'training.causal', ['epsilon', 'bins']);
      const epsilon = cm?.get('epsilon') ? r.number(cm.get('epsilon')!.value, 'training.causal.epsilon', { min: 0 }) : 1;
      const bins = cm?.get('bins') ? r.number(cm.get('bins')!.value, 'training.causal.bins', { integer: true, min: 1, max: 4096 }) : 16;
      out.causal = true;
      if (epsilon !== undefined && bins !== undefined) out.causalOptions = { epsilon, bins };
    } else out.causal = r.boolean(m.get('causal')!.value, 'training.causal') ?? false;
  }
  if (m.has('log_every')) out.logEvery = r.number(m.get('log_every')!.value, 'training.log_every', { integer: true, min: 0 }) ?? 0;
  if (m.has('workers')) {
    const w = r.resolve(m.get('workers')!.value);
    if (w && isScalar(w) && w.value === 'auto') out.workers = 'auto';
    else {
      const n = r.number(w, "training.workers (a count, or 'auto')", { integer: true, min: 1, max: 2 });
      if (n !== undefined) out.workers = n;
    }
  }
  if (m.has('checkpoint_every')) out.checkpointEvery = r.number(m.get('checkpoint_every')!.value, 'training.checkpoint_every', { integer: true, min: 0 }) ?? 500;
  if (m.has('stages')) {
    const items = r.seq(m.get('stages')!.value, 'training.stages') ?? [];
    const stages: StageSpec[] = [];
    for (const [i, it] of items.entries()) {
      const what = `training.stages[${i}]`;
      const s = r.map(it, what, ['optimizer', 'iterations', 'lr', 'lr_final'], ['optimizer', 'iterations']);
      if (!s) continue;
      const optimizer = r.oneOf(s.get('optimizer')?.value, 'optimizer', ['adam', 'lbfgs'] as const);
      const iterations = r.number(s.get('iterations')?.value, `${what}.iterations`, { integer: true, min: 0, max: 10_000_000 });
      const lr = s.has('lr') ? r.number(s.get('lr')!.value, `${what}.lr`, { exclusiveMin: 0 }) : optimizer === 'lbfgs' ? 1 : 1e-3;
      let lrFinal: number | undefined;
      if (s.has('lr_final')) {
        if (optimizer === 'lbfgs') r.error(s.get('lr_final')!.value, `${what}.lr_final applies to adam stages only (L-BFGS chooses its steps by line search)`);
        else lrFinal = r.number(s.get('lr_final')!.value, `${what}.lr_final`, { exclusiveMin: 0 });
      }
      if (optimizer && iterations !== undefined && lr !== undefined) {
        stages.push({ optimizer, iterations, lr, ...(lrFinal !== undefined ? { lrFinal } : {}), loc: r.loc(r.resolve(it)) });
      }
    }
    if (items.length === 0) r.error(m.get('stages')!.value, 'training.stages is empty; expected e.g. [{optimizer: adam, iterations: 5000, lr: 1.0e-3}]');
    out.stages = stages;
  }
  return out;
}

const FORMATS = ['csv', 'vtk', 'npy', 'png', 'json', 'html'] as const;

function readOutput(r: YamlReader, node: YNode, spec: Spec): Spec['output'] {
  const dim = spec.geometry ? shapeDim(spec.geometry) : 2;
  const defaultGrid = dim === 1 ? [201] : dim === 2 ? [101, 101] : [31, 31, 31];
  const t = spec.time;
  const out: Spec['output'] = {
    grid: defaultGrid,
    times: t ? [t.min, (t.min + t.max) / 2, t.max] : [],
    formats: [...FORMATS],
  };
  if (node === undefined) return out;
  const m = r.map(node, 'output', ['grid', 'times', 'formats']);
  if (!m) return out;
  if (m.has('grid')) {
    const g = r.numbers(m.get('grid')!.value, 'output.grid', dim);
    if (g) {
      if (g.some((c) => !Number.isInteger(c) || c < 2)) r.error(m.get('grid')!.value, 'output.grid counts must be whole numbers of at least 2');
      else if (g.reduce((a, b) => a * b, 1) > 4_000_000) r.error(m.get('grid')!.value, `output.grid has ${g.reduce((a, b) => a * b, 1)} points; at most 4000000 are written`);
      else out.grid = g;
    }
  }
  if (m.has('times')) {
    const ts = r.numbers(m.get('times')!.value, 'output.times');
    if (ts && !t) r.error(m.get('times')!.value, "output.times needs 'time: [start, end]' in the spec");
    else if (ts && t && ts.some((v) => v < t.min || v > t.max)) r.error(m.get('times')!.value, `output.times must lie within time [${t.min}, ${t.max}]`);
    else if (ts) out.times = ts;
  }
  if (m.has('formats')) {
    const f = r.strings(m.get('formats')!.value, 'output.formats');
    const items = r.seq(m.get('formats')!.value, 'output.formats') ?? [];
    f?.forEach((x, i) => { if (!(FORMATS as readonly string[]).includes(x)) r.oneOf(items[i], 'output format', FORMATS); });
    if (f) out.formats = f.filter((x) => (FORMATS as readonly string[]).includes(x));
  }
  return out;
}
