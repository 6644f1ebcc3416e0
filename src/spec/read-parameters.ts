/**
 * `parameters:` (named ranges that become network inputs, docs/parametric.md) and
 * `output.parameters` (the values the outputs are written and measured at).
 */
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import { DEFAULTS } from './defaults.js';
import { keyText, type YamlReader, type YNode } from './yaml-reader.js';
import { PARAMETER_SCALES, type ParameterScale, type ParameterSpec } from './types.js';

const IDENT = /^[A-Za-z][A-Za-z0-9]*$/;
/** Names a parameter cannot take: the variables, and what expressions read as numbers. */
const RESERVED = new Set(['x', 'y', 'z', 't', 'pi', 'e']);

/** `parameters: {eps: [1, 8], k: {range: [2, 6], scale: log}}`; each range strictly increasing (positive for log). */
export function readParameters(r: YamlReader, node: YNode): ParameterSpec[] {
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(n, 'parameters must map names to ranges, e.g. {eps: [1, 8], k: {range: [2, 6], scale: log}}');
    return [];
  }
  const out: ParameterSpec[] = [];
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!IDENT.test(name)) {
      r.error(key, `parameter name '${name}' must be letters and digits starting with a letter`);
      continue;
    }
    if (RESERVED.has(name)) {
      r.error(key, `'${name}' cannot name a parameter: it is a variable or a number in expressions`);
      continue;
    }
    const p = readRange(r, pair.value as YNode, name);
    if (p) out.push({ name, ...p, loc: r.loc(key) });
  }
  return out;
}

function readRange(
  r: YamlReader,
  node: YNode,
  name: string,
): { min: number; max: number; scale: ParameterScale } | undefined {
  const what = `parameters.${name}`;
  let rangeNode = node;
  let scale: ParameterScale = DEFAULTS.parameters.scale;
  if (isMap(r.resolve(node))) {
    const m = r.map(node, what, ['range', 'scale'], ['range']);
    if (!m?.has('range')) return undefined;
    rangeNode = m.get('range')!.value;
    if (m.has('scale')) {
      const s = r.oneOf(m.get('scale')!.value, `${what}.scale`, PARAMETER_SCALES);
      if (!s) return undefined;
      scale = s;
    }
  }
  const ab = r.numbers(rangeNode, `${what} range`, 2);
  if (!ab) return undefined;
  const [min, max] = ab as [number, number];
  if (!(min < max)) {
    r.error(rangeNode, `${what} must be [low, high] with low < high, found [${min}, ${max}]`);
    return undefined;
  }
  if (scale === 'log' && !(min > 0)) {
    r.error(rangeNode, `${what} has scale log, so its range must be positive; found [${min}, ${max}]`);
    return undefined;
  }
  return { min, max, scale };
}

/** The middle of a parameter's range: arithmetic, or geometric for a log scale. */
export function parameterMiddle(p: Pick<ParameterSpec, 'min' | 'max' | 'scale'>): number {
  return p.scale === 'log' ? Math.sqrt(p.min * p.max) : (p.min + p.max) / 2;
}

/** The default output values: every parameter at its middle, then each in turn at its low and high end. */
export function defaultParameterValues(params: ParameterSpec[]): Record<string, number>[] {
  if (params.length === 0) return [];
  const middle = Object.fromEntries(params.map((p) => [p.name, parameterMiddle(p)]));
  return [middle, ...params.flatMap((p) => [p.min, p.max].map((v) => ({ ...middle, [p.name]: v })))];
}

/** `output.parameters: [{eps: 2}, {eps: 6, k: 3}]`: each listed value inside its range; one left out sits at its middle. */
export function readOutputParameters(
  r: YamlReader,
  node: YNode,
  params: ParameterSpec[],
): Record<string, number>[] | undefined {
  const items = r.seq(node, 'output.parameters');
  if (!items) return undefined;
  if (params.length === 0) {
    r.error(node, "output.parameters needs 'parameters:' in the spec");
    return undefined;
  }
  if (items.length === 0) {
    r.error(node, 'output.parameters is empty; expected at least one mapping like {name: value}');
    return undefined;
  }
  const names = params.map((p) => p.name);
  const middle = defaultParameterValues(params)[0]!;
  const out = items.map((item, i) => {
    const m = r.map(item, `output.parameters[${i}]`, names);
    if (!m) return undefined;
    const values = { ...middle };
    let ok = true;
    for (const [name, { value }] of m) {
      const v = r.number(value, `output.parameters[${i}].${name}`);
      const p = params.find((q) => q.name === name)!;
      if (v === undefined) ok = false;
      else if (v < p.min || v > p.max) {
        r.error(value, `${name} = ${v} is outside its range [${p.min}, ${p.max}]`);
        ok = false;
      } else values[name] = v;
    }
    return ok ? values : undefined;
  });
  return out.every((v) => v !== undefined) ? out : undefined;
}
