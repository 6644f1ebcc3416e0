/** The `geometry` shape tree (CSG nodes nest up to 32 levels) and the `time` interval. */
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import { keyText, type YamlReader, type YNode } from './yaml-reader.js';
import { shapeDim, type RegionSpec, type ShapeSpec, type SourceLoc, type Spec } from './types.js';

const SHAPES = [
  'interval',
  'rectangle',
  'box',
  'disk',
  'sphere',
  'polygon',
  'union',
  'intersection',
  'difference',
] as const;
type ShapeKind = (typeof SHAPES)[number];
/** What every shape node has, whatever its kind. */
type ShapeCommon = { name: string | undefined; loc: SourceLoc };

export function readShape(r: YamlReader, node: YNode, what: string, depth: number): ShapeSpec | undefined {
  if (depth > 32) {
    r.error(node, `${what} is nested more than 32 levels deep`);
    return undefined;
  }
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(
      n,
      `${what} must be a shape such as {rectangle: {min: [0, 0], max: [1, 1]}}; expected one of ${SHAPES.join(', ')}`,
    );
    return undefined;
  }
  const entries = r.map(n, what, [...SHAPES, 'name']);
  if (!entries) return undefined;
  const kinds = [...entries.keys()].filter((k) => k !== 'name');
  if (kinds.length === 0 && n.items.length > entries.size) return undefined; // the unknown key was reported
  if (kinds.length !== 1) {
    const found = kinds.length ? kinds.join(', ') : 'none';
    r.error(n, `${what} must name exactly one shape, found ${found}; expected one of ${SHAPES.join(', ')}`);
    return undefined;
  }
  const kind = kinds[0] as ShapeKind;
  const name = entries.has('name') ? r.string(entries.get('name')!.value, `${what}.name`) : undefined;
  const loc = r.loc(entries.get(kind)!.key);
  return readShapeBody(r, kind, entries.get(kind)!.value, { name, loc }, `${what}.${kind}`, depth);
}

/** The part of a shape node its kind decides; `at` names it in errors. */
function readShapeBody(
  r: YamlReader,
  kind: ShapeKind,
  body: YNode,
  common: ShapeCommon,
  at: string,
  depth: number,
): ShapeSpec | undefined {
  switch (kind) {
    case 'interval': {
      const ab = r.numbers(body, at, 2);
      if (!ab) return undefined;
      if (!(ab[0]! < ab[1]!)) {
        r.error(body, `${at} must be [a, b] with a < b, found [${ab.join(', ')}]`);
        return undefined;
      }
      return { kind, min: ab[0]!, max: ab[1]!, ...common };
    }
    case 'rectangle':
    case 'box': {
      const dim = kind === 'rectangle' ? 2 : 3;
      const m = r.map(body, at, ['min', 'max'], ['min', 'max']);
      if (!m) return undefined;
      const min = r.numbers(m.get('min')?.value, `${at}.min`, dim);
      const max = r.numbers(m.get('max')?.value, `${at}.max`, dim);
      if (!min || !max) return undefined;
      if (min.some((v, i) => !(v < max[i]!))) {
        r.error(body, `${at} needs min < max on every axis, found min [${min.join(', ')}], max [${max.join(', ')}]`);
        return undefined;
      }
      return { kind, min, max, ...common };
    }
    case 'disk':
    case 'sphere': {
      const dim = kind === 'disk' ? 2 : 3;
      const m = r.map(body, at, ['center', 'radius'], ['center', 'radius']);
      if (!m) return undefined;
      const center = r.numbers(m.get('center')?.value, `${at}.center`, dim);
      const radius = r.number(m.get('radius')?.value, `${at}.radius`, { exclusiveMin: 0 });
      if (!center || radius === undefined) return undefined;
      return { kind, center, radius, ...common };
    }
    case 'polygon': {
      const m = r.map(body, at, ['vertices'], ['vertices']);
      const items = m && r.seq(m.get('vertices')?.value, `${at}.vertices`);
      if (!items) return undefined;
      if (items.length < 3) {
        r.error(m!.get('vertices')!.value, `${at}.vertices needs at least 3 points, found ${items.length}`);
        return undefined;
      }
      const vertices = items.map((it, i) => r.numbers(it, `${at}.vertices[${i}]`, 2));
      if (vertices.some((v) => !v)) return undefined;
      return { kind, vertices: vertices as number[][], ...common };
    }
    default:
      return readCsg(r, kind, body, common, at, depth);
  }
}

/** union, intersection or difference: children of one dimension. */
function readCsg(
  r: YamlReader,
  kind: 'union' | 'intersection' | 'difference',
  body: YNode,
  common: ShapeCommon,
  at: string,
  depth: number,
): ShapeSpec | undefined {
  const items = r.seq(body, at);
  if (!items) return undefined;
  if (kind === 'difference' && items.length !== 2) {
    r.error(body, `${at} takes exactly two shapes [A, B] (A minus B), found ${items.length}`);
    return undefined;
  }
  if (items.length < 2) {
    r.error(body, `${at} needs at least two shapes, found ${items.length}`);
    return undefined;
  }
  const children = items.map((it, i) => readShape(r, it, `${at}[${i}]`, depth + 1));
  if (children.some((c) => !c)) return undefined;
  const dims = new Set(children.map((c) => shapeDim(c!)));
  if (dims.size > 1) {
    r.error(body, `${at} mixes shapes of different dimensions (${[...dims].join('D, ')}D)`);
    return undefined;
  }
  return { kind, children: children as ShapeSpec[], ...common };
}

export function readTime(r: YamlReader, node: YNode): Spec['time'] {
  const ab = r.numbers(node, 'time', 2);
  if (!ab) return undefined;
  if (!(ab[0]! < ab[1]!)) {
    r.error(node, `time must be [start, end] with start < end, found [${ab.join(', ')}]`);
    return undefined;
  }
  return { min: ab[0]!, max: ab[1]!, loc: r.loc(node) };
}

/** Words a piecewise constant uses as keys of its own, so no region can take them. */
const NOT_REGION_NAMES = new Set(['else', 'unknown']);

/** `regions: {core: {disk: ...}, ...}`: names and shapes (checked against the geometry when the problem is built). */
export function readRegions(r: YamlReader, node: YNode): RegionSpec[] {
  const n = r.resolve(node);
  if (!n || !isMap(n)) {
    r.error(n, 'regions must map names to shapes, e.g. {core: {disk: {center: [0, 0], radius: 0.5}}}');
    return [];
  }
  const out: RegionSpec[] = [];
  for (const pair of n.items) {
    const key = pair.key as Node;
    const name = keyText(key) ?? '';
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      r.error(key, `region name '${name}' must be letters and digits starting with a letter`);
      continue;
    }
    if (NOT_REGION_NAMES.has(name)) {
      r.error(key, `'${name}' cannot name a region: a piecewise constant uses it as a key of its own`);
      continue;
    }
    const shape = readShape(r, pair.value as YNode, `regions.${name}`, 0);
    if (shape) out.push({ name, shape, loc: r.loc(key) });
  }
  return out;
}
