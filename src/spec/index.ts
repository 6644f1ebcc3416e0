/** The YAML problem spec: reading with source positions, checks with located diagnostics, --set overrides, the typed Spec. */
export { CAUSAL_DEFAULTS, DEFAULTS } from './defaults.js';
export { Diagnostics, exprLoc, formatDiagnostic, sortDiagnostics, SpecError, type Diagnostic } from './diagnostics.js';
export { loadSpec, loadSpecText, loadSpecWithFlags } from './load.js';
export { overridesFromFlags, parseOverride, type Override } from './overrides.js';
export { defaultParameterValues, parameterMiddle } from './read-parameters.js';
export { resolvedSpecObject, resolvedSpecYaml } from './resolved.js';
export {
  STRATEGY_OPTION_NAMES,
  STRATEGY_OPTIONS,
  strategyOptions,
  type StrategyOptions,
  type TunedStrategy,
} from './strategy-options.js';
export { defaultFields, interfaceQuantities, TEMPLATE_PARAMS, templateFields } from './templates.js';
export type { PmlOuter } from './pml.js';
export {
  shapeDim,
  STRATEGIES,
  type ActivationName,
  type CausalOptions,
  type ConditionTarget,
  type NoiseSpec,
  type ConstantSpec,
  type InterfaceNetworkName,
  type OutputFormat,
  type ParameterSpec,
  type PrecisionName,
  type SamplingName,
  type ShapeSpec,
  type SourceExpr,
  type SourceLoc,
  type OptimizerName,
  type Spec,
  type StageSpec,
  type StrategyName,
  type UnknownBounds,
} from './types.js';
export type { ConditionSpec, TemplateName, TemplateSpec } from './types.js';
export { YamlReader, type YNode } from './yaml-reader.js';
