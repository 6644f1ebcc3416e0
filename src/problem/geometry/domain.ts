/**
 * A geometry tree (primitives combined by union, intersection, difference)
 * behind the Geometry interface.
 *
 * Boundary of a composite: every primitive's boundary pieces are candidates,
 * with normals flipped for shapes subtracted an odd number of times; a
 * candidate point x with normal n is on the composite boundary when x - h*n is
 * in the composite and x + h*n is not (h tiny). Where two primitives' boundaries
 * coincide with the same orientation (e.g. the shared bottom edge of an L-shape
 * built as a union), the earlier primitive in the tree claims the point, so it
 * is not counted twice. Side names (left, top, ...) select the sides of every box
 * in the tree that is not subtracted; a subtracted shape's faces are selected
 * through the shape's `name`. At corners, a point keeps the normal of the piece it was
 * sampled from. The measure of a selected part is exact for a lone primitive
 * and otherwise estimated from the acceptance rate of a fixed quasi-random
 * sample; for intervals it is the number of end points selected.
 */
import { neg, type Expr } from '../../expr/index.js';
import { estimateSampler } from '../sampling/samplers.js';
import { sideNames, type BoundaryPiece, type Placed, type Primitive } from './primitive.js';
import { compileDistance, rAndAll, rNot, rOrAll } from './rfunctions.js';
import type { AxisBox, BoundarySample, BoundarySelector, Geometry, Hole, UnitSampler } from './types.js';

export type CsgOp = 'union' | 'intersection' | 'difference';

export type ShapeNode =
  { kind: 'leaf'; shape: Primitive; name?: string } | { kind: CsgOp; children: ShapeNode[]; name?: string };

interface Leaf {
  shape: Primitive;
  flip: boolean;
}

/** A boundary piece of one leaf, oriented for the composite, with every name that selects it. */
interface Candidate {
  piece: BoundaryPiece;
  leaf: number;
  flip: boolean;
  names: Set<string>;
}

interface DrawnBoundary {
  points: Float64Array;
  normals: Float64Array;
  candidates: Int32Array;
  accepted: number;
  drawn: number;
}

/** Containment tolerance and claim tolerance, relative to the bounding box size. */
const RELATIVE_TOLERANCE = 1e-9;
/** Probe step along the normal for the composite-boundary test, relative to the bounding box size. */
const RELATIVE_PROBE = 1e-7;
/** Fixed-seed quasi-random sample sizes for measure and volume estimates. */
const MEASURE_SAMPLES = 1 << 14;
const VOLUME_SAMPLES = 1 << 16;
/** Draw limits before a selection is declared empty (or too small to sample). */
const DRAWS_BEFORE_EMPTY = 100_000;
const DRAWS_PER_POINT = 1000;
const MAX_BATCH = 1 << 16;

function nodeInside(node: ShapeNode, p: ArrayLike<number>, tol: number): boolean {
  switch (node.kind) {
    case 'leaf':
      return node.shape.inside(p, tol);
    case 'union':
      return node.children.some((c) => nodeInside(c, p, tol));
    case 'intersection':
      return node.children.every((c) => nodeInside(c, p, tol));
    // Closed difference: in A and not strictly inside any subtracted shape.
    case 'difference':
      return nodeInside(node.children[0]!, p, tol) && node.children.slice(1).every((c) => !nodeInside(c, p, -tol));
  }
}

function nodeBbox(node: ShapeNode): { min: number[]; max: number[] } {
  if (node.kind === 'leaf') return node.shape.bbox;
  const boxes = node.children.map(nodeBbox);
  if (node.kind === 'difference') return boxes[0]!;
  const pick = node.kind === 'union' ? [Math.min, Math.max] : [Math.max, Math.min];
  const min = boxes[0]!.min.map((_, a) => pick[0]!(...boxes.map((b) => b.min[a]!)));
  const max = boxes[0]!.max.map((_, a) => pick[1]!(...boxes.map((b) => b.max[a]!)));
  if (min.some((lo, a) => lo > max[a]!)) throw new Error('intersection is empty: the shapes do not overlap');
  return { min, max };
}

function nodeDistance(node: ShapeNode): Expr {
  switch (node.kind) {
    case 'leaf':
      return node.shape.distance();
    case 'union':
      return rOrAll(node.children.map(nodeDistance));
    case 'intersection':
      return rAndAll(node.children.map(nodeDistance));
    case 'difference':
      return rAndAll([nodeDistance(node.children[0]!), ...node.children.slice(1).map((c) => rNot(nodeDistance(c)))]);
  }
}

/**
 * Points on the ellipse (ellipsoid) inscribed in a box: the centres of its faces and its corners pulled in to it,
 * which for a disk or sphere lie on the shape itself.
 */
function bboxRim(box: { min: number[]; max: number[] }): number[][] {
  const dim = box.min.length;
  const mid = box.min.map((lo, a) => (lo + box.max[a]!) / 2);
  const half = box.min.map((lo, a) => (box.max[a]! - lo) / 2);
  const points: number[][] = [];
  for (let a = 0; a < dim; a++)
    for (const s of [-1, 1]) points.push(mid.map((m, b) => (b === a ? m + s * half[b]! : m)));
  for (let mask = 0; mask < 1 << dim; mask++)
    points.push(mid.map((m, b) => m + ((mask >> b) & 1 ? 1 : -1) * (half[b]! / Math.sqrt(dim))));
  return points;
}

/** Visits every node with whether it is subtracted an odd number of times. */
function walkNodes(node: ShapeNode, visit: (node: ShapeNode, flip: boolean) => void, flip = false): void {
  visit(node, flip);
  if (node.kind === 'leaf') return;
  node.children.forEach((c, i) => walkNodes(c, visit, flip !== (node.kind === 'difference' && i > 0)));
}

function nodeDim(node: ShapeNode): 1 | 2 | 3 {
  if (node.kind === 'leaf') return node.shape.dim;
  const dims = new Set(node.children.map(nodeDim));
  if (dims.size !== 1)
    throw new Error(`${node.kind} combines shapes of different dimensions (${[...dims].join(', ')})`);
  if (node.kind === 'difference' ? node.children.length < 2 : node.children.length < 1) {
    throw new Error(`${node.kind} needs ${node.kind === 'difference' ? 'two' : 'at least one'} shapes`);
  }
  return [...dims][0]!;
}

/** Flattens the tree: leaves in order, and each leaf's pieces with the names of all its ancestors. */
function flatten(root: ShapeNode): { leaves: Leaf[]; candidates: Candidate[] } {
  const leaves: Leaf[] = [];
  const candidates: Candidate[] = [];
  const visit = (node: ShapeNode, flip: boolean, names: string[]): void => {
    const here = node.name === undefined ? names : [...names, node.name];
    if (node.kind !== 'leaf') {
      node.children.forEach((c, i) => visit(c, flip !== (node.kind === 'difference' && i > 0), here));
      return;
    }
    const leaf = leaves.length;
    leaves.push({ shape: node.shape, flip });
    for (const piece of node.shape.pieces) {
      if (piece.measure <= 0) continue;
      // Side names keep their meaning (left faces -x, ...) only on shapes that are not subtracted.
      const named = piece.side === undefined || flip ? here : [...here, piece.side];
      candidates.push({ piece, leaf, flip, names: new Set(named) });
    }
  };
  visit(root, false, []);
  return { leaves, candidates };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`point count must be a non-negative integer, got ${n}`);
}

function selectorLabel(select: BoundarySelector): string {
  switch (select.kind) {
    case 'all':
      return 'the boundary';
    case 'name':
      return `boundary part '${select.name}'`;
    case 'predicate':
      return 'the boundary part selected by the expression';
  }
}

/**
 * Maps a unit point to a piece and its local parameters: the first coordinate picks
 * the piece in proportion to measure (binary search) and, rescaled, places the point on it.
 */
function pickPiece(
  candidates: Candidate[],
  cumulative: Float64Array,
  unit: Float64Array,
): { index: number; u: number[] } {
  const t = unit[0]! * cumulative[candidates.length]!;
  let lo = 0;
  let hi = candidates.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cumulative[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  const u = Array.from(unit);
  u[0] = Math.min(Math.max((t - cumulative[lo]!) / candidates[lo]!.piece.measure, 0), 1 - Number.EPSILON);
  return { index: lo, u };
}

/** Unit points to draw for `missing` more acceptances at the observed rate (bounded, to bound memory). */
const rejectionBatch = (missing: number, rate: number): number =>
  Math.min(Math.ceil((missing / rate) * 1.1) + 16, MAX_BATCH);

export class Domain implements Geometry {
  readonly dim: 1 | 2 | 3;
  readonly bbox: { min: number[]; max: number[] };
  readonly partNames: string[];
  private readonly leaves: Leaf[];
  private readonly candidates: Candidate[];
  private readonly composite: boolean;
  private readonly tolerance: number;
  private readonly probe: number;
  private readonly measureCache = new Map<string, number>();
  private readonly predicateMeasureCache = new WeakMap<object, number>();
  private cachedVolume: number | undefined;

  /** A CSG combination of domains made by this module. */
  static combine(kind: CsgOp, children: Geometry[], name?: string): Domain {
    const nodes = children.map((c) => {
      if (!(c instanceof Domain)) throw new Error(`${kind} can only combine shapes made by this module`);
      return c.root;
    });
    return new Domain({ kind, children: nodes, ...(name === undefined ? {} : { name }) });
  }

  constructor(private readonly root: ShapeNode) {
    this.dim = nodeDim(root);
    this.bbox = nodeBbox(root);
    ({ leaves: this.leaves, candidates: this.candidates } = flatten(root));
    this.composite = root.kind !== 'leaf';
    const size = Math.max(...this.bbox.min.map((lo, a) => this.bbox.max[a]! - lo));
    this.tolerance = RELATIVE_TOLERANCE * size;
    this.probe = RELATIVE_PROBE * size;
    const names = new Set<string>();
    for (const c of this.candidates) c.names.forEach((name) => names.add(name));
    this.partNames = [...names].sort();
  }

  axisBox(): AxisBox | undefined {
    const root = this.root;
    if (root.kind !== 'leaf' || !root.shape.pieces.every((p) => p.side !== undefined)) return undefined;
    const boxVolume = this.bbox.min.reduce((v, lo, a) => v * (this.bbox.max[a]! - lo), 1);
    if (Math.abs(root.shape.volume - boxVolume) > 1e-12 * root.shape.volume) return undefined;
    return {
      min: this.bbox.min,
      max: this.bbox.max,
      sides: sideNames(this.dim),
      ...(root.name === undefined ? {} : { name: root.name }),
    };
  }

  contains(point: ArrayLike<number>): boolean {
    return nodeInside(this.root, point, this.tolerance);
  }

  volume(): number {
    if (this.cachedVolume === undefined) {
      this.cachedVolume =
        this.root.kind === 'leaf'
          ? this.root.shape.volume
          : (this.bboxVolume() * this.countInside(estimateSampler()(VOLUME_SAMPLES, this.dim))) / VOLUME_SAMPLES;
    }
    return this.cachedVolume;
  }

  distance(): Expr {
    return nodeDistance(this.root);
  }

  holes(): Hole[] {
    if (this.root.kind !== 'difference') return [];
    const [outer, ...cut] = this.root.children;
    return cut.flatMap((node) => {
      const box = nodeBbox(node);
      const inside = bboxRim(box).every((p) => nodeInside(outer!, p, -this.tolerance));
      const size = Math.min(...box.max.map((hi, a) => hi - box.min[a]!)) / 2;
      return inside ? [{ distance: neg(nodeDistance(node)), size }] : [];
    });
  }

  sampleInterior(n: number, sampler: UnitSampler): Float64Array {
    checkCount(n);
    const { dim } = this;
    const out = new Float64Array(n * dim);
    const fullBox = this.volume() >= this.bboxVolume() * (1 - 1e-12);
    let rate = fullBox ? 1 : Math.max(this.volume() / this.bboxVolume(), 1e-3);
    let accepted = 0;
    let drawn = 0;
    const point = new Float64Array(dim);
    while (accepted < n) {
      this.checkDrawLimit(drawn, accepted, n, 'the domain interior');
      const batch = fullBox ? n - accepted : rejectionBatch(n - accepted, rate);
      const unit = sampler(batch, dim);
      for (let i = 0; i < batch && accepted < n; i++) {
        drawn++;
        this.toBbox(unit, i, point);
        if (!nodeInside(this.root, point, 0)) continue;
        out.set(point, accepted * dim);
        accepted++;
      }
      if (accepted > 0) rate = accepted / drawn;
    }
    return out;
  }

  sampleBoundary(n: number, sampler: UnitSampler, select: BoundarySelector): BoundarySample {
    checkCount(n);
    const candidates = this.selectCandidates(select);
    const test = select.kind === 'predicate' ? select.test : undefined;
    const label = selectorLabel(select);
    const drawn = this.drawBoundary(n, sampler, candidates, test, label);
    let measure = this.selectedMeasure(select, candidates, test);
    // A part too small for the fixed estimate but hit by this draw: use this draw's rate.
    if (measure === 0 && drawn.accepted > 0) measure = (totalMeasure(candidates) * drawn.accepted) / drawn.drawn;
    return { points: drawn.points, normals: drawn.normals, measure };
  }

  boundaryCurves(select: BoundarySelector): Expr[][] | undefined {
    const pieces = this.selectCandidates(select).map((c) => c.piece);
    return this.dim === 2 && pieces.every((p) => p.curve) ? pieces.map((p) => p.curve!) : undefined;
  }

  partDistance(select: BoundarySelector): Expr | undefined {
    if (select.kind === 'predicate') return undefined;
    if (select.kind === 'all' || select.name === this.root.name)
      return (this.root.kind === 'leaf' && this.root.shape.boundaryFactor?.()) || this.distance();
    if (this.root.kind === 'leaf') return this.root.shape.sideDistance(select.name);
    const candidate = this.namedDistance(select.name);
    return candidate && this.vanishesOnlyOnPart(candidate, select.name) ? candidate : undefined;
  }

  private bboxVolume(): number {
    return this.bbox.min.reduce((v, lo, a) => v * (this.bbox.max[a]! - lo), 1);
  }

  /** Maps the i-th unit-cube point of `unit` into the bounding box. */
  private toBbox(unit: Float64Array, i: number, point: Float64Array): void {
    const { dim, bbox } = this;
    for (let a = 0; a < dim; a++) point[a] = bbox.min[a]! + unit[i * dim + a]! * (bbox.max[a]! - bbox.min[a]!);
  }

  private countInside(unit: Float64Array): number {
    const { dim } = this;
    const point = new Float64Array(dim);
    let count = 0;
    for (let i = 0; i < unit.length / dim; i++) {
      this.toBbox(unit, i, point);
      if (nodeInside(this.root, point, 0)) count++;
    }
    return count;
  }

  private checkDrawLimit(drawn: number, accepted: number, n: number, label: string): void {
    if (accepted === 0 && drawn >= DRAWS_BEFORE_EMPTY) throw new Error(`${label} has no points`);
    if (drawn >= DRAWS_BEFORE_EMPTY + DRAWS_PER_POINT * n)
      throw new Error(`${label} is too small to sample ${n} points`);
  }

  partCurvature(select: BoundarySelector): number | undefined {
    if (select.kind === 'predicate') return undefined;
    const values = new Set(
      this.selectCandidates(select).map((c) =>
        c.piece.curvature === undefined ? NaN : c.flip ? -c.piece.curvature : c.piece.curvature,
      ),
    );
    const [only] = values;
    return values.size === 1 && Number.isFinite(only) ? only! + 0 : undefined;
  }

  private selectCandidates(select: BoundarySelector): Candidate[] {
    if (select.kind !== 'name') return this.candidates;
    const named = this.candidates.filter((c) => c.names.has(select.name));
    if (named.length === 0) {
      throw new Error(
        `boundary part '${select.name}' has no points: no side or shape has that name` +
          ` (known: ${this.partNames.join(', ') || 'none'})`,
      );
    }
    return named;
  }

  /** Places a candidate's point for local parameters u, with the normal oriented for the composite. */
  private place(c: Candidate, u: ArrayLike<number>): Placed {
    const placed = c.piece.place(u);
    return c.flip ? { point: placed.point, normal: placed.normal.map((v) => -v) } : placed;
  }

  private accepts(c: Candidate, { point, normal }: Placed, test?: (p: ArrayLike<number>) => boolean): boolean {
    if (this.composite && !(this.onCompositeBoundary(point, normal) && !this.claimedEarlier(c.leaf, point, normal)))
      return false;
    return test === undefined || test(point);
  }

  private onCompositeBoundary(point: number[], normal: number[]): boolean {
    const inward = point.map((v, a) => v - this.probe * normal[a]!);
    const outward = point.map((v, a) => v + this.probe * normal[a]!);
    return nodeInside(this.root, inward, 0) && !nodeInside(this.root, outward, 0);
  }

  /** Whether an earlier leaf has the same boundary here, facing the same way. */
  private claimedEarlier(leaf: number, point: number[], normal: number[]): boolean {
    for (let j = 0; j < leaf; j++) {
      const other = this.leaves[j]!;
      const m = other.shape.boundaryNormal(point, this.tolerance);
      if (m && (other.flip ? -1 : 1) * dot(m, normal) > 0.5) return true;
    }
    return false;
  }

  /** For intervals: the selected end points (each a candidate of measure 1). */
  private selectedEnds(
    candidates: Candidate[],
    test?: (p: ArrayLike<number>) => boolean,
  ): { index: number; placed: Placed }[] {
    return candidates
      .map((c, index) => ({ index, placed: this.place(c, []) }))
      .filter(({ index, placed }) => this.accepts(candidates[index]!, placed, test));
  }

  private drawBoundary(
    n: number,
    sampler: UnitSampler,
    candidates: Candidate[],
    test: ((p: ArrayLike<number>) => boolean) | undefined,
    label: string,
  ): DrawnBoundary {
    const { dim } = this;
    const points = new Float64Array(n * dim);
    const normals = new Float64Array(n * dim);
    const chosen = new Int32Array(n);
    const store = (k: number, index: number, { point, normal }: Placed): void => {
      points.set(point, k * dim);
      normals.set(normal, k * dim);
      chosen[k] = index;
    };

    if (dim === 1) {
      const ends = this.selectedEnds(candidates, test);
      if (ends.length === 0) throw new Error(`${label} has no points`);
      // End points in turn, so every selected end gets an equal share.
      for (let k = 0; k < n; k++) store(k, ends[k % ends.length]!.index, ends[k % ends.length]!.placed);
      return { points, normals, candidates: chosen, accepted: n, drawn: n };
    }

    const cumulative = cumulativeMeasure(candidates);
    const filtered = this.composite || test !== undefined;
    let rate = filtered ? 0.5 : 1;
    let accepted = 0;
    let drawn = 0;
    while (accepted < n) {
      this.checkDrawLimit(drawn, accepted, n, label);
      const batch = filtered ? rejectionBatch(n - accepted, rate) : n - accepted;
      const unit = sampler(batch, dim - 1);
      for (let i = 0; i < batch && accepted < n; i++) {
        drawn++;
        const { index, u } = pickPiece(candidates, cumulative, unit.subarray(i * (dim - 1), (i + 1) * (dim - 1)));
        const c = candidates[index]!;
        const placed = this.place(c, u);
        if (filtered && !this.accepts(c, placed, test)) continue;
        store(accepted, index, placed);
        accepted++;
      }
      if (accepted > 0) rate = accepted / drawn;
    }
    return { points, normals, candidates: chosen, accepted, drawn };
  }

  private selectedMeasure(
    select: BoundarySelector,
    candidates: Candidate[],
    test?: (p: ArrayLike<number>) => boolean,
  ): number {
    if (this.dim === 1) return this.selectedEnds(candidates, test).length;
    if (!this.composite && test === undefined) return totalMeasure(candidates);
    const cached = test
      ? this.predicateMeasureCache.get(test)
      : this.measureCache.get(select.kind === 'name' ? `name:${select.name}` : 'all');
    if (cached !== undefined) return cached;
    const measure = this.estimateMeasure(candidates, test);
    if (test) this.predicateMeasureCache.set(test, measure);
    else this.measureCache.set(select.kind === 'name' ? `name:${select.name}` : 'all', measure);
    return measure;
  }

  private estimateMeasure(candidates: Candidate[], test?: (p: ArrayLike<number>) => boolean): number {
    const cumulative = cumulativeMeasure(candidates);
    const total = cumulative[candidates.length]!;
    const uDim = this.dim - 1;
    const unit = estimateSampler()(MEASURE_SAMPLES, uDim);
    let accepted = 0;
    for (let i = 0; i < MEASURE_SAMPLES; i++) {
      const { index, u } = pickPiece(candidates, cumulative, unit.subarray(i * uDim, (i + 1) * uDim));
      const c = candidates[index]!;
      if (this.accepts(c, this.place(c, u), test)) accepted++;
    }
    return (total * accepted) / MEASURE_SAMPLES;
  }

  /** The oriented distance of the node or (single) box side called `name`, positive in the domain. */
  private namedDistance(name: string): Expr | undefined {
    const nodes: Expr[] = [];
    const sides: Expr[] = [];
    walkNodes(this.root, (node, flip) => {
      const orient = (e: Expr): Expr => (flip ? neg(e) : e);
      if (node.name === name) nodes.push(orient(nodeDistance(node)));
      if (node.kind === 'leaf' && !flip) {
        const side = node.shape.sideDistance(name);
        if (side) sides.push(orient(side));
      }
    });
    const found = [...nodes, ...sides];
    return found.length === 1 ? found[0] : undefined;
  }

  /**
   * Checks on fixed samples that a candidate part distance is positive inside the
   * domain and does not vanish on boundary points outside the part.
   */
  private vanishesOnlyOnPart(candidate: Expr, name: string): boolean {
    const f = compileDistance(candidate);
    const { dim } = this;
    const interior = this.sampleInterior(2048, estimateSampler());
    for (let i = 0; i < interior.length; i += dim) if (!(f(interior.subarray(i, i + dim)) > 0)) return false;
    const boundary = this.drawBoundary(2048, estimateSampler(), this.candidates, undefined, 'the boundary');
    for (let k = 0; k < boundary.candidates.length; k++) {
      if (this.candidates[boundary.candidates[k]!]!.names.has(name)) continue;
      if (!(Math.abs(f(boundary.points.subarray(k * dim, (k + 1) * dim))) > this.tolerance)) return false;
    }
    return true;
  }
}

function cumulativeMeasure(candidates: Candidate[]): Float64Array {
  const cumulative = new Float64Array(candidates.length + 1);
  candidates.forEach((c, i) => {
    cumulative[i + 1] = cumulative[i]! + c.piece.measure;
  });
  return cumulative;
}

function totalMeasure(candidates: Candidate[]): number {
  return candidates.reduce((s, c) => s + c.piece.measure, 0);
}
