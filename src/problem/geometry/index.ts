/**
 * Geometry construction: shape factories (each a Geometry) and the builder for
 * the spec's geometry node.
 */
import type { ShapeSpec, SourceLoc } from '../../spec/index.js';
import { Domain, type CsgOp, type ShapeNode } from './domain.js';
import { axisBox, ball, type Primitive } from './primitive.js';
import { polygon as polygonShape } from './polygon.js';
import type { Geometry } from './types.js';

export type { AxisBox, BoundarySample, BoundarySelector, Geometry, Hole, UnitSampler } from './types.js';
export { compileDistance } from './rfunctions.js';

const leaf = (shape: Primitive, name?: string): Geometry =>
  new Domain({ kind: 'leaf', shape, ...(name === undefined ? {} : { name }) });

function coordinates(what: string, values: number[], dim: number): number[] {
  if (values.length !== dim) throw new Error(`${what} needs ${dim} coordinates, got ${values.length}`);
  return values;
}

const intervalShape = (min: number, max: number): Primitive => axisBox([min], [max]);
const rectangleShape = (min: number[], max: number[]): Primitive =>
  axisBox(coordinates('rectangle min', min, 2), coordinates('rectangle max', max, 2));
const boxShape = (min: number[], max: number[]): Primitive =>
  axisBox(coordinates('box min', min, 3), coordinates('box max', max, 3));
const diskShape = (center: number[], radius: number): Primitive => ball(coordinates('disk center', center, 2), radius);
const sphereShape = (center: number[], radius: number): Primitive =>
  ball(coordinates('sphere center', center, 3), radius);

export const interval = (min: number, max: number, name?: string): Geometry => leaf(intervalShape(min, max), name);
export const rectangle = (min: number[], max: number[], name?: string): Geometry =>
  leaf(rectangleShape(min, max), name);
export const box = (min: number[], max: number[], name?: string): Geometry => leaf(boxShape(min, max), name);
export const disk = (center: number[], radius: number, name?: string): Geometry =>
  leaf(diskShape(center, radius), name);
export const sphere = (center: number[], radius: number, name?: string): Geometry =>
  leaf(sphereShape(center, radius), name);
export const polygon = (vertices: number[][], name?: string): Geometry => leaf(polygonShape(vertices), name);

const csg = (kind: CsgOp, children: Geometry[], name?: string): Geometry => Domain.combine(kind, children, name);

export const union = (children: Geometry[], name?: string): Geometry => csg('union', children, name);
export const intersection = (children: Geometry[], name?: string): Geometry => csg('intersection', children, name);
/** The first shape minus all the others. */
export const difference = (children: Geometry[], name?: string): Geometry => csg('difference', children, name);

function primitiveOf(
  spec: ShapeSpec & { kind: 'interval' | 'rectangle' | 'box' | 'disk' | 'sphere' | 'polygon' },
): Primitive {
  switch (spec.kind) {
    case 'interval':
      return intervalShape(spec.min, spec.max);
    case 'rectangle':
      return rectangleShape(spec.min, spec.max);
    case 'box':
      return boxShape(spec.min, spec.max);
    case 'disk':
      return diskShape(spec.center, spec.radius);
    case 'sphere':
      return sphereShape(spec.center, spec.radius);
    case 'polygon':
      return polygonShape(spec.vertices);
  }
}

function buildNode(spec: ShapeSpec): ShapeNode {
  const name = spec.name === undefined ? {} : { name: spec.name };
  try {
    switch (spec.kind) {
      case 'union':
      case 'intersection':
      case 'difference':
        return { kind: spec.kind, children: spec.children.map(buildNode), ...name };
      default:
        return { kind: 'leaf', shape: primitiveOf(spec), ...name };
    }
  } catch (err) {
    throw located(err, spec);
  }
}

/** A shape that cannot be built, at the spec location of the innermost shape at fault. */
export class GeometryError extends Error {
  constructor(
    readonly loc: SourceLoc,
    message: string,
  ) {
    super(message);
  }
}

/** The error with the shape's kind and source location, once (the innermost shape wins). */
function located(err: unknown, spec: ShapeSpec): GeometryError {
  if (err instanceof GeometryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GeometryError(spec.loc, `${spec.kind}: ${message}`);
}

export function buildGeometry(spec: ShapeSpec): Geometry {
  try {
    return new Domain(buildNode(spec));
  } catch (err) {
    throw located(err, spec);
  }
}
