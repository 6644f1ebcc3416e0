/**
 * Parameter values for `pinn eval` of a parametric model (spec `parameters:`): `--param name=value`
 * flags, checked against the ranges the model was trained over, and the points with them filled in.
 */
import type { ModelProblem } from '../model/index.js';
import { fieldErrors, fieldsCsv, fieldTable } from '../outputs/index.js';
import { SpecError, type Diagnostic } from '../spec/index.js';
import { didYouMean } from '../util/index.js';
import { disposeLoadedModel, loadRun } from './load-run.js';

type Ranges = NonNullable<ModelProblem['parameters']>;

const rangeText = (p: Ranges[number]): string => `[${p.min}, ${p.max}]${p.scale === 'log' ? ' (log scale)' : ''}`;

/** Why `value` is not a value of parameter `p`, or undefined when it is one. */
export function outsideRange(p: Ranges[number], value: number): string | undefined {
  if (value >= p.min && value <= p.max) return undefined;
  return `${p.name} = ${value} is outside the range the model was trained over, ${rangeText(p)}`;
}

/** `--param eps=3.3` flags by name; each names a parameter of the model and lies in its range. */
export function parseParamFlags(flags: string[], view: ModelProblem): Record<string, number> {
  const params = view.parameters ?? [];
  const names = params.map((p) => p.name);
  const diags: Diagnostic[] = [];
  const fail = (message: string) => diags.push({ loc: { file: '--param', line: 1, col: 1 }, message });
  const out: Record<string, number> = {};
  for (const flag of flags) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(\S+)\s*$/.exec(flag);
    const p = m && params.find((q) => q.name === m[1]);
    const value = m ? Number(m[2]) : NaN;
    if (!m) fail(`'${flag}' is not name=value; expected e.g. ${names[0] ?? 'eps'}=${params[0]?.min ?? 1}`);
    else if (!p)
      fail(
        params.length
          ? `'${m[1]}' is not a parameter of the model${didYouMean(m[1]!, names)}; its parameters are ${params.map((q) => `${q.name} ${rangeText(q)}`).join(', ')}`
          : `the model has no parameters (its spec has no 'parameters:'), so --param ${flag} has nothing to set`,
      );
    else if (!Number.isFinite(value)) fail(`'${m[2]}' in --param ${flag} is not a finite number`);
    else if (m[1]! in out) fail(`--param ${m[1]} is given twice`);
    else {
      const why = outsideRange(p, value);
      if (why) fail(why);
      else out[p.name] = value;
    }
  }
  if (diags.length) throw new SpecError(diags);
  return out;
}

/** Why the parameters neither given by flags nor by `columns` cannot be evaluated; undefined when all are given. */
export function missingParameters(
  view: ModelProblem,
  given: Record<string, number>,
  columns: string[],
): string | undefined {
  const missing = (view.parameters ?? []).filter((p) => !(p.name in given) && !columns.includes(p.name));
  if (!missing.length) return undefined;
  return `the model takes the parameter${missing.length > 1 ? 's' : ''} ${missing.map((p) => `${p.name} ${rangeText(p)}`).join(', ')}; give ${missing.length > 1 ? 'each' : 'it'} with --param ${missing[0]!.name}=value or as a column of the points file`;
}

/** `pinn eval RUN --grid`: the run's output grid (fields, exact and error columns where `exact` is given, magnitude and phase of complex fields) at the parameter values. */
export function evalGridCsv(run: string, flags: string[]): string {
  const loaded = loadRun(run);
  try {
    const values = parseParamFlags(flags, loaded.view);
    const why = missingParameters(loaded.view, values, []);
    if (why) throw new SpecError([{ loc: { file: '--param', line: 1, col: 1 }, message: why }]);
    return fieldsCsv(fieldTable(loaded.problem, loaded.model, values));
  } finally {
    disposeLoadedModel(loaded);
  }
}

/** A parametric run opened once for many evaluations on its output grid (`pinn sweep` over a run). */
export interface ParametricRun {
  parameters: Ranges;
  /** The output grid at `values` (as `pinn eval RUN --grid --param` writes it) and the errors against `exact`. */
  evaluate(values: Record<string, number>): {
    csv: string;
    errors: Record<string, { l2_relative: number; max_abs: number }>;
  };
  dispose(): void;
}

export function openParametricRun(run: string): ParametricRun {
  const loaded = loadRun(run);
  return {
    parameters: loaded.view.parameters ?? [],
    evaluate(values) {
      const table = fieldTable(loaded.problem, loaded.model, values);
      return { csv: fieldsCsv(table), errors: fieldErrors(table) };
    },
    dispose: () => disposeLoadedModel(loaded),
  };
}
