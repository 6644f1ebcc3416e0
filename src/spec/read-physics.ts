/**
 * The physics of a spec: fields, equations and templates, constants,
 * conditions, inequalities and the exact solution. Names and expressions are
 * only read here; they are checked when the problem is built.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { keyText, type YamlReader, type YNode } from './yaml-reader.js';
import { DEFAULTS } from './defaults.js';
import {
  NOISE_KINDS,
  STRATEGIES,
  type AbsorbingOrder,
  type ConditionSpec,
  type ConditionTarget,
  type ConstantSpec,
  type InequalitySpec,
  type NoiseSpec,
  type PieceSpec,
  type SourceExpr,
  type SourceLoc,
  type StrategyName,
  type TemplateName,
  type TemplateSpec,
} from './types.js';
import { defaultFields, TEMPLATE_PARAMS, templateFields } from './templates.js';

const CONDITION_KINDS = [
  'dirichlet',
  'neumann',
  'robin',
  'periodic',
  'pec',
  'conductor',
  'absorbing',
  'equation',
  'value',
  'rate',
  'file',
] as const;
type ConditionKind = (typeof CONDITION_KINDS)[number];
/** The kinds that stand alone on a boundary part (value and rate go with `on: initial`, file with `on: data`). */
type BoundaryKind = Exclude<ConditionKind, 'value' | 'rate' | 'file'>;
const IDENT = /^[A-Za-z][A-Za-z0-9]*$/;
const RESERVED = new Set(['x', 'y', 'z', 't', 'pi', 'e', 'lap', 'dn', 'n', 'and', 'or', 'not']);

// ---- fields ----

export function readFields(r: YamlReader, node: YNode, key = 'fields'): string[] {
  const fields = r.strings(node, key) ?? [];
  const nodes = r.seq(node, key) ?? [];
  const seen = new Set<string>();
  for (const [i, f] of fields.entries()) {
    const at = nodes[i];
    if (!IDENT.test(f)) {
      r.error(
        at,
        `field name '${f}' must be letters and digits starting with a letter (no '_', which marks derivatives)`,
      );
    } else if (RESERVED.has(f)) r.error(at, `field name '${f}' is reserved (variables x y z t, pi, e, lap, dn, n)`);
    if (seen.has(f)) r.error(at, `field '${f}' is listed twice`);
    seen.add(f);
  }
  return fields;
}

// ---- equations and templates ----

export function readEquations(r: YamlReader, node: YNode, templates: TemplateSpec[]): SourceExpr[] {
  const n = r.resolve(node);
  const out: SourceExpr[] = [];
  const items = n && isMap(n) ? [n as YNode] : (r.seq(n, 'equations') ?? []);
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
  const name = one.name as TemplateName;
  const info = TEMPLATE_PARAMS[name];
  const bodyNode = r.resolve(one.value);
  const params: TemplateSpec['params'] = {};
  const written = new Map<string, { key: Node; value: YNode }>();
  if (bodyNode && !(isScalar(bodyNode) && bodyNode.value === null)) {
    const m = r.map(bodyNode, `template ${name}`, [...Object.keys(info.params), 'fields']);
    for (const [k, pair] of m ?? []) written.set(k, pair);
  }
  for (const [k, { value }] of written) {
    if (k === 'fields') continue;
    if (info.params[k] === 'boolean') {
      const b = r.boolean(value, `${name}.${k}`);
      if (b !== undefined) params[k] = b;
    } else {
      const e = r.expr(value, `${name}.${k}`);
      if (e) params[k] = e;
    }
  }
  for (const k of info.complex?.only ?? []) {
    if (written.has(k) && params['complex'] !== true)
      r.error(
        written.get(k)!.key,
        `${name}.${k} belongs to the complex form; add complex: true (fields ${info.complex!.fields.join(', ')})`,
      );
  }
  for (const req of info.required) {
    if (!(req in params)) r.error(node, `template ${name} needs '${req}'; expected e.g. {${name}: {${req}: ...}}`);
  }
  const fields = written.has('fields')
    ? templateRenames(r, written.get('fields')!.value, name, defaultFields({ name, params }))
    : undefined;
  return { name, params, fields, loc: r.loc(one.key) };
}

/** `fields:` of a template: one new name per field of the template's form. */
function templateRenames(r: YamlReader, node: YNode, name: TemplateName, own: string[]): string[] | undefined {
  const fields = r.strings(node, `${name}.fields`);
  if (!fields || fields.length === own.length) return fields;
  const defaults = `${own.length} field${own.length > 1 ? 's' : ''} (${own.join(', ')})`;
  r.error(node, `${name}.fields renames the template's ${defaults}; found ${fields.length} names`);
  return undefined;
}

// ---- constants ----

export function readConstants(r: YamlReader, node: YNode): ConstantSpec[] {
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(n, 'constants must be a mapping of names to numbers or expressions');
    return [];
  }
  const out: ConstantSpec[] = [];
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!IDENT.test(name)) {
      r.error(key, `constant name '${name}' must be letters and digits starting with a letter`);
      continue;
    }
    if (RESERVED.has(name)) {
      r.error(key, `constant name '${name}' is reserved (variables x y z t, pi, e, lap, dn, n)`);
      continue;
    }
    const v = r.resolve(pair.value as YNode);
    if (v && isMap(v) && v.items.some((p) => !UNKNOWN_KEYS.includes(keyText(p.key) ?? ''))) {
      const pieces = readPieces(r, v, name);
      if (pieces.length) out.push({ name, value: pieces[0]!.value, unknown: false, loc: r.loc(key), pieces });
      continue;
    }
    if (v && isMap(v)) {
      const c = readUnknown(r, v, name);
      if (c) out.push({ ...c, loc: r.loc(key) });
      continue;
    }
    const e = r.expr(v, `constant ${name}`);
    if (e) out.push({ name, value: e, unknown: false, loc: r.loc(key) });
  }
  return out;
}

const UNKNOWN_KEYS = ['unknown', 'min', 'max'];

/** `{unknown: start, min?, max?}`: a trainable constant, its start strictly inside its bounds. */
function readUnknown(r: YamlReader, v: YNode, name: string): Omit<ConstantSpec, 'loc'> | undefined {
  const m = r.map(v, `constant ${name}`, UNKNOWN_KEYS);
  if (!m) return undefined;
  if (!m.has('unknown')) {
    r.error(v, `constant ${name} must be a number, an expression, or {unknown: start value}`);
    return undefined;
  }
  const start = r.number(m.get('unknown')!.value, `${name}.unknown`);
  const bound = (k: 'min' | 'max') => (m.has(k) ? r.number(m.get(k)!.value, `${name}.${k}`) : undefined);
  const min = bound('min');
  const max = bound('max');
  if (start === undefined || (m.has('min') && min === undefined) || (m.has('max') && max === undefined))
    return undefined;
  const inside = (min === undefined || start > min) && (max === undefined || start < max);
  if (!inside) {
    const range = `${min === undefined ? '(-inf' : `(${min}`}, ${max === undefined ? 'inf)' : `${max})`}`;
    r.error(m.get('unknown')!.value, `${name}.unknown = ${start} must lie strictly inside its bounds ${range}`);
    return undefined;
  }
  const bounds = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  return {
    name,
    value: { text: String(start), loc: r.loc(m.get('unknown')!.value) },
    unknown: true,
    ...(min !== undefined || max !== undefined ? { bounds } : {}),
  };
}

/** A number or expression, or `{unknown: start}`: one constant's value (undefined when reported). */
function readValue(r: YamlReader, v: YNode, what: string): { value: SourceExpr; unknown: boolean } | undefined {
  const n = r.resolve(v);
  if (n && isMap(n)) {
    const m = r.map(n, what, ['unknown'], ['unknown']);
    const start = m?.get('unknown') && r.number(m.get('unknown')!.value, `${what}.unknown`);
    if (typeof start !== 'number') return undefined;
    return { value: { text: String(start), loc: r.loc(m!.get('unknown')!.value) }, unknown: true };
  }
  const e = r.expr(n, what);
  return e && { value: e, unknown: false };
}

/** `{core: 5, else: 1}`: a value per region name (checked against `regions:` when the problem is built). */
function readPieces(r: YamlReader, node: YNode & { items: { key: unknown; value: unknown }[] }, name: string) {
  const pieces: PieceSpec[] = [];
  for (const pair of node.items) {
    const key = pair.key as Node;
    const region = keyText(key) ?? '';
    if (!IDENT.test(region)) {
      r.error(key, `'${region}' in constant ${name} is not a region name; expected {region: value, ..., else: value}`);
      continue;
    }
    if (region === 'unknown') {
      r.error(key, `constant ${name} mixes 'unknown' with region values; write {region: {unknown: start}, ...}`);
      continue;
    }
    const value = readValue(r, pair.value as YNode, `constant ${name}.${region}`);
    if (value) pieces.push({ region, ...value, loc: r.loc(key) });
  }
  return pieces;
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

export function readExprMap(r: YamlReader, node: YNode, what: string): Record<string, SourceExpr> {
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(n, `${what} must map field names to values, e.g. {u: 0}`);
    return {};
  }
  const out: Record<string, SourceExpr> = {};
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!IDENT.test(name)) {
      r.error(key, `'${name}' in ${what} is not a field name; expected a field such as u`);
      continue;
    }
    if (Object.hasOwn(out, name)) {
      r.error(key, `field '${name}' is given twice in ${what}`);
      continue;
    }
    const e = r.expr(pair.value as YNode, `${what}.${name}`);
    if (e) out[name] = { ...e, keyLoc: r.loc(key) };
  }
  return out;
}

type Entries = Map<string, { key: Node; value: YNode }>;
/** a*u + b*dn(u) = value, for one field. */
type RobinValue = { a: SourceExpr; b: SourceExpr; value: SourceExpr };
/** What every condition has, whatever its kind. */
type ConditionBase = {
  on: ConditionTarget;
  strategy: StrategyName | undefined;
  weight: number | undefined;
  loc: SourceLoc;
};

export function readConditions(r: YamlReader, node: YNode, templates: TemplateSpec[] = []): ConditionSpec[] {
  const items = r.seq(node, 'conditions') ?? [];
  const out: ConditionSpec[] = [];
  const wave = absorbingDefaults(templates);
  for (const [i, it] of items.entries()) {
    const c = readCondition(r, it, `conditions[${i}]`, wave);
    if (c) out.push(c);
  }
  return out;
}

/**
 * What `absorbing` may leave out under a complex template: its fields (the phasor's), and k = omega
 * where the template's material is vacuum (permittivity and permeability not written).
 */
interface AbsorbingDefaults {
  fields: [string, string];
  k?: SourceExpr;
}

function absorbingDefaults(templates: TemplateSpec[]): AbsorbingDefaults | undefined {
  const t = templates.find((x) => x.params['complex'] === true);
  if (!t) return undefined;
  const [re, im] = templateFields(t);
  const omega = t.params['omega'];
  const vacuum = !('permittivity' in t.params) && !('permeability' in t.params);
  return { fields: [re!, im!], ...(vacuum && typeof omega === 'object' ? { k: omega } : {}) };
}

function readCondition(r: YamlReader, it: YNode, what: string, wave?: AbsorbingDefaults): ConditionSpec | undefined {
  const m = r.map(it, what, ['on', 'strategy', 'weight', 'noise', ...CONDITION_KINDS]);
  if (!m) return undefined;
  const loc = r.loc(r.resolve(it));
  const kinds = [...m.keys()].filter((k): k is ConditionKind => (CONDITION_KINDS as readonly string[]).includes(k));
  const strategy = m.has('strategy') ? r.oneOf(m.get('strategy')!.value, 'strategy', STRATEGIES) : undefined;
  const weight = m.has('weight') ? r.number(m.get('weight')!.value, `${what}.weight`, { min: 0 }) : undefined;
  const isPeriodic = kinds.includes('periodic');
  const on = m.has('on')
    ? readTarget(r, m.get('on')!.value, what)
    : isPeriodic
      ? { kind: 'boundary' as const }
      : undefined;
  if (!m.has('on') && !isPeriodic) {
    r.error(
      it,
      `${what} is missing 'on'; expected boundary, a side name, a shape name, an expression like "x == 1", initial or data`,
    );
    return undefined;
  }
  if (!on) return undefined;
  const base: ConditionBase = { on, strategy, weight, loc };
  if (on.kind === 'initial') return readInitialCondition(r, it, m, kinds, base, what);
  if (on.kind === 'data') return readDataCondition(r, it, m, base, what);
  const kind = kinds.length === 1 ? kinds[0]! : undefined;
  if (kind === undefined || kind === 'value' || kind === 'rate' || kind === 'file') {
    const found = kinds.length ? kinds.join(', ') : 'none';
    r.error(
      it,
      `${what} must have exactly one of dirichlet, neumann, robin, periodic, pec, conductor, equation; found ${found}`,
    );
    return undefined;
  }
  return readBoundaryCondition(r, m, kind, base, what, wave);
}

function readInitialCondition(
  r: YamlReader,
  it: YNode,
  m: Entries,
  kinds: ConditionKind[],
  base: ConditionBase,
  what: string,
): ConditionSpec | undefined {
  const bad = kinds.filter((k) => k !== 'value' && k !== 'rate');
  if (bad.length) {
    r.error(m.get(bad[0]!)!.key, `an initial condition takes 'value' and/or 'rate', found '${bad[0]}'`);
    return undefined;
  }
  if (!kinds.length) {
    r.error(it, `${what} (initial) needs 'value: {field: expr}' and/or 'rate: {field: expr}'`);
    return undefined;
  }
  return {
    ...base,
    kind: 'initial',
    value: m.has('value') ? readExprMap(r, m.get('value')!.value, `${what}.value`) : {},
    rate: m.has('rate') ? readExprMap(r, m.get('rate')!.value, `${what}.rate`) : {},
  };
}

function readDataCondition(
  r: YamlReader,
  it: YNode,
  m: Entries,
  base: ConditionBase,
  what: string,
): ConditionSpec | undefined {
  if (!m.has('file')) {
    r.error(it, `${what} (data) needs 'file: observations.csv'`);
    return undefined;
  }
  const file = r.string(m.get('file')!.value, `${what}.file`);
  const noise = m.has('noise') ? readNoise(r, m.get('noise')!.value, `${what}.noise`) : undefined;
  if (noise && base.weight !== undefined) {
    r.error(m.get('weight')!.value, `${what} has both weight and noise; the noise sets the data's weight, so give one`);
    return undefined;
  }
  if (file === undefined || (m.has('noise') && !noise)) return undefined;
  return { ...base, kind: 'data', file, fileLoc: r.loc(m.get('file')!.value), ...(noise ? { noise } : {}) };
}

/** `{relative: 0.01}` or `{absolute: 0.002}`: one standard deviation of the measurement noise. */
function readNoise(r: YamlReader, node: YNode, what: string): NoiseSpec | undefined {
  const m = r.map(node, what, [...NOISE_KINDS]);
  if (!m) return undefined;
  const kinds = NOISE_KINDS.filter((k) => m.has(k));
  if (kinds.length !== m.size) return undefined; // an unknown key, already reported
  if (kinds.length !== 1) {
    r.error(node, `${what} needs exactly one of relative (e.g. 0.01 for 1%) or absolute (a standard deviation)`);
    return undefined;
  }
  const kind = kinds[0]!;
  const value = r.number(m.get(kind)!.value, `${what}.${kind}`, { exclusiveMin: 0 });
  if (value === undefined) return undefined;
  return { kind, value, loc: r.loc(m.get(kind)!.value) };
}

function readBoundaryCondition(
  r: YamlReader,
  m: Entries,
  kind: BoundaryKind,
  base: ConditionBase,
  what: string,
  wave: AbsorbingDefaults | undefined,
): ConditionSpec | undefined {
  const body = m.get(kind)!.value;
  switch (kind) {
    case 'dirichlet':
    case 'neumann':
      return { ...base, kind, values: readExprMap(r, body, `${what}.${kind}`) };
    case 'robin': {
      const values = readRobinValues(r, body, what);
      return values && { ...base, kind: 'robin', values };
    }
    case 'periodic': {
      if (m.has('on')) {
        const written = r.resolve(body);
        const axis = written && isScalar(written) ? String(written.value) : 'x';
        const message = `a periodic condition applies to the two sides at the axis min and max; remove 'on' (write just '- periodic: ${axis}')`;
        r.error(m.get('on')!.key, message);
        return undefined;
      }
      const axis = r.oneOf(body, 'periodic axis', ['x', 'y', 'z']);
      return axis && { ...base, kind: 'periodic', axis, axisLoc: r.loc(r.resolve(body)) };
    }
    case 'pec': {
      const b = r.boolean(body, `${what}.pec`);
      if (b === false) r.error(body, `${what}.pec: false has no effect; remove the condition or write pec: true`);
      return b ? { ...base, kind: 'pec' } : undefined;
    }
    case 'conductor': {
      const cm = r.map(body, `${what}.conductor`, ['potential'], ['potential']);
      const p = cm?.get('potential') && r.expr(cm.get('potential')!.value, `${what}.conductor.potential`);
      return p ? { ...base, kind: 'conductor', potential: p } : undefined;
    }
    case 'absorbing':
      return readAbsorbing(r, body, base, `${what}.absorbing`, wave);
    case 'equation': {
      const bn = r.resolve(body);
      const list = bn && isScalar(bn) ? [bn as YNode] : (r.seq(bn, `${what}.equation`) ?? []);
      const eqs = list.map((e, k) => r.expr(e, `${what}.equation[${k}]`)).filter((e): e is SourceExpr => !!e);
      return { ...base, kind: 'equation', equations: eqs };
    }
  }
}

/**
 * `absorbing: {k, fields: [Ur, Ui], order}`: an outgoing wave's real and imaginary parts. Under a
 * complex template `fields` defaults to its phasor and, in vacuum, `k` to its omega.
 */
function readAbsorbing(
  r: YamlReader,
  body: YNode,
  base: ConditionBase,
  what: string,
  wave: AbsorbingDefaults | undefined,
): ConditionSpec | undefined {
  const m = r.map(body, what, ['k', 'fields', 'order'], wave ? [] : ['k', 'fields']);
  if (!m) return undefined;
  const [kNode, fieldsNode] = [m.get('k')?.value, m.get('fields')?.value];
  if (wave && !kNode && !wave.k)
    r.error(
      body,
      `${what} needs k, the wavenumber at the boundary: the complex template writes its permittivity or permeability, so its omega is not taken for k`,
    );
  if ((!kNode && !wave?.k) || (!fieldsNode && !wave)) return undefined; // a missing key, already reported
  const k = kNode ? r.expr(kNode, `${what}.k`) : wave!.k;
  const fields = fieldsNode ? r.strings(fieldsNode, `${what}.fields`) : wave!.fields;
  if (fields && fields.length !== 2) {
    r.error(fieldsNode!, `${what}.fields needs two fields, the real and the imaginary part (e.g. [Er, Ei])`);
    return undefined;
  }
  const order = m.has('order')
    ? r.number(m.get('order')!.value, `${what}.order (1 or 2)`, { integer: true, min: 1, max: 2 })
    : DEFAULTS.absorbing.order;
  if (!k || !fields || order === undefined) return undefined;
  const pair: [string, string] = [fields[0]!, fields[1]!];
  const fieldsLoc = fieldsNode ? r.loc(fieldsNode) : base.loc;
  return { ...base, kind: 'absorbing', k, fields: pair, order: order as AbsorbingOrder, fieldsLoc };
}

/** `robin: {u: {a, b, value}}`; undefined when it is not a mapping. */
function readRobinValues(r: YamlReader, body: YNode, what: string): Record<string, RobinValue> | undefined {
  const bn = r.resolve(body);
  if (!bn || !isMap(bn)) {
    r.error(bn, `${what}.robin must map fields to {a, b, value}`);
    return undefined;
  }
  const values: Record<string, RobinValue> = {};
  for (const pair of bn.items) {
    const f = keyText(pair.key) ?? '';
    if (!IDENT.test(f)) {
      r.error(pair.key as Node, `'${f}' in ${what}.robin is not a field name; expected a field such as u`);
      continue;
    }
    const abv = r.map(pair.value as YNode, `${what}.robin.${f}`, ['a', 'b', 'value'], ['a', 'b', 'value']);
    const a = abv?.get('a') && r.expr(abv.get('a')!.value, `robin.${f}.a`);
    const b = abv?.get('b') && r.expr(abv.get('b')!.value, `robin.${f}.b`);
    const v = abv?.get('value') && r.expr(abv.get('value')!.value, `robin.${f}.value`);
    if (a && b && v) values[f] = { a, b, value: v };
  }
  return values;
}

export function readInequalities(r: YamlReader, node: YNode): InequalitySpec[] {
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
