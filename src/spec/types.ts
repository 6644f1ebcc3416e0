/**
 * The validated problem spec: what `spec/load` produces from the YAML a user
 * writes. Expression strings keep their source location so later stages
 * (expression compiling, problem building) can report errors at the right
 * file:line:column.
 */

/** A position in a spec file, 1-based. */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
}

/** An expression string (or number) as written, with where it was written. */
export interface SourceExpr {
  text: string;
  loc: SourceLoc;
  /** Where the key naming it was written (e.g. the field in {u: 0}). */
  keyLoc?: SourceLoc;
  /**
   * Line and column of each character of `text`, when it does not sit on one
   * line as written (block scalars, folded lines, escapes); else `loc` + offset.
   */
  at?: Array<[line: number, col: number]>;
}

export type ShapeSpec = { name?: string; loc: SourceLoc } & (
  | { kind: 'interval'; min: number; max: number }
  | { kind: 'rectangle'; min: number[]; max: number[] }
  | { kind: 'box'; min: number[]; max: number[] }
  | { kind: 'disk'; center: number[]; radius: number }
  | { kind: 'sphere'; center: number[]; radius: number }
  | { kind: 'polygon'; vertices: number[][] }
  | { kind: 'union' | 'intersection' | 'difference'; children: ShapeSpec[] }
);

export type TemplateName =
  | 'poisson'
  | 'helmholtz'
  | 'heat'
  | 'wave'
  | 'burgers'
  | 'electrostatic'
  | 'magnetostatic'
  | 'maxwell-tm'
  | 'maxwell-te'
  | 'maxwell-3d'
  | 'maxwell-harmonic';

export interface TemplateSpec {
  name: TemplateName;
  /** Parameters as written (numbers, expressions or booleans). */
  params: Record<string, SourceExpr | boolean>;
  /** Optional renaming of the template's default field names. */
  fields?: string[];
  loc: SourceLoc;
}

/** Where a condition applies. */
export type ConditionTarget =
  | { kind: 'boundary' }
  | { kind: 'part'; name: string; loc?: SourceLoc }
  | { kind: 'selector'; expr: SourceExpr }
  | { kind: 'initial' }
  | { kind: 'data' };

export const STRATEGIES = ['penalty', 'adaptive', 'augmented-lagrangian', 'hard', 'barrier', 'reparam'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export type ConditionSpec = {
  on: ConditionTarget;
  /** Per-condition strategy override. */
  strategy?: StrategyName;
  /** Per-condition weight override. */
  weight?: number;
  loc: SourceLoc;
} & (
  | { kind: 'dirichlet'; values: Record<string, SourceExpr> }
  | { kind: 'neumann'; values: Record<string, SourceExpr> }
  | { kind: 'robin'; values: Record<string, { a: SourceExpr; b: SourceExpr; value: SourceExpr }> }
  | { kind: 'periodic'; axis: string; axisLoc?: SourceLoc }
  | { kind: 'pec' }
  | { kind: 'conductor'; potential: SourceExpr }
  | { kind: 'absorbing'; k: SourceExpr; fields: [string, string]; order: AbsorbingOrder; fieldsLoc: SourceLoc }
  | { kind: 'equation'; equations: SourceExpr[] }
  | { kind: 'initial'; value: Record<string, SourceExpr>; rate: Record<string, SourceExpr> }
  | { kind: 'data'; file: string; fileLoc: SourceLoc; noise?: NoiseSpec }
);

/** The order of an absorbing condition: 1 (Bayliss-Turkel B1, Sommerfeld), 2 (B2, Engquist-Majda). */
export type AbsorbingOrder = 1 | 2;

/** The measurement noise of a data file: one standard deviation, relative to each value or absolute. */
export interface NoiseSpec {
  kind: NoiseKind;
  value: number;
  loc: SourceLoc;
}
export const NOISE_KINDS = ['relative', 'absolute'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

export interface InequalitySpec {
  constraint: SourceExpr;
  on: ConditionTarget | { kind: 'domain' };
  strategy?: StrategyName;
  weight?: number;
  loc: SourceLoc;
}

export const SAMPLINGS = ['uniform', 'lhs', 'halton', 'hammersley', 'sobol', 'grid'] as const;
/** Arithmetic of the Levenberg-Marquardt stages' residuals, loss and weights (trainer/float64.ts). */
export const PRECISIONS = ['float32', 'float64'] as const;
export type PrecisionName = (typeof PRECISIONS)[number];
export type SamplingName = (typeof SAMPLINGS)[number];
export const ACTIVATIONS = ['tanh', 'sin', 'silu', 'sigmoid', 'gelu', 'relu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
export const OPTIMIZERS = ['adam', 'lbfgs', 'levenberg-marquardt'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** Output transforms of `reparam` for sign constraints. */
export const POSITIVITIES = ['square', 'softplus', 'exp', 'abs'] as const;
type PositivityName = (typeof POSITIVITIES)[number];
/** First-layer initial scales (model/network.ts initStd). */
export const FIRST_LAYERS = ['glorot', 'unit'] as const;
type FirstLayerName = (typeof FIRST_LAYERS)[number];
/** Files a run can write (docs/outputs.md). */
export const OUTPUT_FORMATS = ['csv', 'vtk', 'npy', 'png', 'json', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface StageSpec {
  optimizer: OptimizerName;
  iterations: number;
  lr: number;
  /** Adam: the learning rate at the stage's last iteration, reached geometrically from lr (absent: constant). */
  lrFinal?: number;
  loc: SourceLoc;
}

export interface ConstantSpec {
  name: string;
  /** A known value (expression of earlier constants) or a trainable unknown with its start. */
  value: SourceExpr;
  unknown: boolean;
  /** An unknown's bounds (`{unknown: 0.5, min: 0}`): its value stays strictly inside them. */
  bounds?: UnknownBounds;
  loc: SourceLoc;
  /** A constant piecewise by region, `{core: 5, else: 1}` (then `value` is the first piece's). */
  pieces?: PieceSpec[];
}

export interface UnknownBounds {
  min?: number;
  max?: number;
}

/** One value of a piecewise constant: a region's (or `else`, the rest of the domain). */
export interface PieceSpec {
  region: string;
  value: SourceExpr;
  unknown: boolean;
  loc: SourceLoc;
}

/** A named part of the domain (`regions:`), a shape in the geometry's syntax. */
export interface RegionSpec {
  name: string;
  shape: ShapeSpec;
  loc: SourceLoc;
}

/** How the network represents the kink of a field at a material interface (docs/electromagnetics.md). */
export const INTERFACE_NETWORKS = ['distance', 'split'] as const;
export type InterfaceNetworkName = (typeof INTERFACE_NETWORKS)[number];

/**
 * Extra network inputs for the domain's holes (model/model.ts holeInputs): `log`, log(1 + d / rho) per hole, with d its
 * distance and rho half its size (2 log(r / a) around a disk of radius a); `none`, the coordinates only.
 */
export const HOLE_INPUTS = ['log', 'none'] as const;
export type HoleInputName = (typeof HOLE_INPUTS)[number];

/** How a parameter's range maps to the network input: linearly, or its logarithm linearly. */
export const PARAMETER_SCALES = ['linear', 'log'] as const;
export type ParameterScale = (typeof PARAMETER_SCALES)[number];

/** A named range (`parameters:`) that becomes an extra network input: one training answers every value in it. */
export interface ParameterSpec {
  name: string;
  min: number;
  max: number;
  scale: ParameterScale;
  loc: SourceLoc;
}

export interface Spec {
  file: string;
  /** Where some values were written, by dotted key path (for errors found after loading). */
  locs?: Record<string, SourceLoc>;
  name: string;
  description?: string;
  geometry: ShapeSpec;
  time?: { min: number; max: number; loc: SourceLoc };
  /** Parameter ranges, network inputs after the variables (absent from the spec: none). */
  parameters: ParameterSpec[];
  fields: string[];
  /** Coefficient fields to identify: extra network outputs used in the equations (inverse problems). */
  unknownFields: string[];
  constants: ConstantSpec[];
  /** Named parts of the domain, in priority order (where they overlap the first listed wins). */
  regions: RegionSpec[];
  equations: SourceExpr[];
  templates: TemplateSpec[];
  conditions: ConditionSpec[];
  inequalities: InequalitySpec[];
  exact: Record<string, SourceExpr>;
  constraints: {
    strategy: StrategyName;
    weights: { equations: number; conditions: number; inequalities: number; data: number };
    positivity: PositivityName;
    /** Strategy tuning knobs (documented per strategy in docs/strategies.md). */
    options: Record<string, number>;
    /** Largest acceptable max violation (and L2 relative error, where `exact` is given); a run over it exits 1. */
    tolerance?: number;
  };
  network: {
    hidden: number[];
    activation: ActivationName;
    fourierFeatures?: { count: number; scale: number };
    /** First-layer initial scale (model/network.ts initStd): Glorot, or unit-scale pre-activations over the input box. */
    firstLayer?: FirstLayerName;
    /** Kink representation at material interfaces; absent: DEFAULTS.network.interface. */
    interface?: InterfaceNetworkName;
    /** Inputs for the domain's holes; absent: DEFAULTS.network.holeInputs. */
    holeInputs?: HoleInputName;
  };
  training: {
    points: { domain: number; boundary: number; initial: number };
    sampling: SamplingName;
    resampleEvery: number;
    seed: number;
    causal: boolean;
    /** Causal weighting settings when `causal` was given as a mapping (defaults: DEFAULTS.causal). */
    causalOptions?: CausalOptions;
    logEvery: number;
    /** Save RUN/checkpoint every this many iterations (0: only when interrupted). */
    checkpointEvery: number;
    /** Threads that share each loss evaluation: 1, 2, or 'auto' (2 where it pays). */
    workers: number | 'auto';
    /** float64: Levenberg-Marquardt stages measure residuals, loss and weights in float64; absent: float32. */
    precision?: PrecisionName;
    stages: StageSpec[];
  };
  output: {
    grid: number[];
    times: number[];
    formats: OutputFormat[];
    /** Parameter values the outputs are written for (the first) and measured at (every one); empty without parameters. */
    parameters: Record<string, number>[];
  };
}

/** A spec as far as it could be read: its geometry is absent when that had errors. */
export type PartialSpec = Omit<Spec, 'geometry'> & { geometry?: ShapeSpec };

/** Causal weighting settings (strategies/causal.ts). */
export interface CausalOptions {
  epsilon: number;
  bins: number;
}

export function shapeDim(s: ShapeSpec): 1 | 2 | 3 {
  switch (s.kind) {
    case 'interval':
      return 1;
    case 'rectangle':
    case 'disk':
    case 'polygon':
      return 2;
    case 'box':
    case 'sphere':
      return 3;
    default:
      return shapeDim(s.children[0]!);
  }
}
