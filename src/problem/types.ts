/** The Problem a spec becomes: variables, fields, geometry and terms (residual IR on point sets). */
import type { ParameterSpec, PmlOuter, SourceLoc, Spec, StrategyName, UnknownBounds } from '../spec/index.js';
import type { Expr } from '../expr/index.js';
import type { BoundarySelector, Geometry } from './geometry/types.js';

/** A named part of the domain (`regions:`). */
export interface Region {
  name: string;
  geometry: Geometry;
  /** Positive inside the region, zero on its boundary, negative outside (R-function distance). */
  distance: Expr;
  loc: SourceLoc;
}

/** Point sets whose batches hold two halves of paired rows (residual = first half minus second). */
export const isPaired = (set: PointSet): boolean => set.kind === 'periodic' || set.kind === 'interface';

/** Where a term's collocation points come from. */
export type PointSet =
  | { kind: 'domain' }
  | { kind: 'boundary'; selector: BoundarySelector; label: string }
  | { kind: 'initial' }
  /**
   * Observations. When the file states its noise, `sigma` (as `values`) is each value's standard
   * deviation and `noiseUnit` the harmonic rms of every stated sigma of the problem: residuals are
   * weighted by (noiseUnit / sigma)^2, a weighted least-squares misfit in the fields' own units.
   */
  | {
      kind: 'data';
      points: Float64Array;
      values: Float64Array;
      columns: string[];
      sigma?: Float64Array;
      noiseUnit?: number;
    }
  /**
   * Point pairs on the sides axis = min and axis = max (see periodic.ts): the
   * batch holds n low-side rows then n high-side rows, and each residual
   * expression is a quantity whose low-side value minus high-side value must vanish.
   */
  | { kind: 'periodic'; axis: number; label: string }
  /**
   * Points of a region's interface, paired like periodic ones: n rows on the region's
   * side, then the same n points on the other side (model/model.ts regionSides); each
   * residual is a quantity whose inside value minus outside value must vanish. The
   * normals point out of the region.
   */
  | { kind: 'interface'; region: string; label: string };

export type TermKind = 'equation' | 'condition' | 'inequality' | 'data';

/**
 * The form of a term's residuals, finer than its kind: which condition made it
 * (a conductor is a dirichlet condition on the potential), for messages and
 * for what a strategy can impose exactly.
 */
export type TermForm =
  | 'equation'
  | 'dirichlet'
  | 'neumann'
  | 'robin'
  | 'initial-value'
  | 'initial-rate'
  | 'pec'
  | 'periodic'
  | 'interface'
  | 'data'
  | 'inequality';

/** One loss term: residuals that vanish (or, for inequalities, are <= 0) when satisfied. */
export interface Term {
  name: string;
  kind: TermKind;
  form: TermForm;
  set: PointSet;
  residuals: Expr[];
  /** Value conditions a `hard` strategy can impose exactly: field = value on this set. */
  hardValues?: { field: string; value: Expr }[];
  strategy?: StrategyName;
  weight?: number;
  loc: SourceLoc;
}

export interface Problem {
  spec: Spec;
  name: string;
  /** Independent variables in network input order: spatial, then t, then the parameters. */
  variables: string[];
  /** Parameter ranges (the last variables): network inputs no derivative is taken by. */
  parameters: ParameterSpec[];
  spatialIndex: number[];
  dim: 1 | 2 | 3;
  time?: { min: number; max: number };
  fields: string[];
  /** The fields among `fields` that are unknown coefficients (spec `unknown_fields`), not solutions. */
  unknownFields: string[];
  constants: Map<string, number>;
  /** Trainable constants: start value, and bounds the value stays strictly inside. */
  unknowns: { name: string; initial: number; bounds?: UnknownBounds }[];
  geometry: Geometry;
  /** Named parts of the domain, in priority order. */
  regions: Region[];
  terms: Term[];
  exact: Map<string, Expr>;
  /** Equations after template expansion, for display. */
  equationText: string[];
  /** A time-domain Maxwell template's electric and magnetic fields and material expressions (for the field energy). */
  electromagnetic?: { E: string[]; H: string[]; permittivity: Expr; permeability: Expr };
  /**
   * Inside a PML (maxwell-harmonic's `pml`): the box within its layers, where the fields are the
   * physical ones; errors against `exact` are measured there only.
   */
  pmlInterior?: PmlOuter;
}
