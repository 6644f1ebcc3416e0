/**
 * Residuals in float64: the same rows as computeResiduals (batches, then terms, then residual
 * expressions; periodic pairs folded; shard scales applied), from float64 parameters, with the
 * network's jets in float64 (model/network64.ts) and each expression by expr/numeric.ts. What
 * `training.precision: float64` measures the loss with in a Levenberg-Marquardt stage.
 */
import { compileNumeric, type Expr } from '../expr/index.js';
import { isPaired, type Problem, type Term } from '../problem/index.js';
import { fieldJets64, modelTheta64, type Jet64, type Model } from '../model/index.js';
import type { TrainingBatch } from './residuals.js';

/** One field-derivative node's value at row i. */
function fieldNode(
  problem: Problem,
  fields: Map<string, Jet64>,
  normals: Float64Array | undefined,
  e: Expr,
  i: number,
): number {
  const jet = (name: string) => fields.get(name)!;
  const first = (a: Jet64, k: number) => a.d[k]?.[i] ?? 0;
  const dim = problem.dim;
  switch (e.kind) {
    case 'field': {
      const a = jet(e.field);
      const idx = [...e.derivs].map((c) => problem.variables.indexOf(c));
      if (idx.length === 0) return a.v[i]!;
      if (idx.length === 1) return first(a, idx[0]!);
      const [p, q] = idx[0]! <= idx[1]! ? idx : [idx[1]!, idx[0]!];
      return a.dd.get(`${p},${q}`)?.[i] ?? 0;
    }
    case 'lap':
      return jet(e.field).lap?.[i] ?? 0;
    case 'dn': {
      const a = jet(e.field);
      return problem.spatialIndex.reduce((s, k, axis) => s + first(a, k) * normals![i * dim + axis]!, 0);
    }
    case 'normal':
      return normals![i * dim + e.axis]!;
    default:
      return NaN;
  }
}

/** A batch's named columns: the variables and a data group's observed values. */
function columnsOf(problem: Problem, tb: TrainingBatch): Map<string, (i: number) => number> {
  const nv = problem.variables.length;
  const { points, values, set } = tb.group;
  const cols = new Map<string, (i: number) => number>(problem.variables.map((v, k) => [v, (i) => points[i * nv + k]!]));
  if (set.kind === 'data' && values) {
    const nc = set.columns.length;
    set.columns.forEach((f, k) => cols.set(`__data_${f}`, (i) => values[i * nc + k]!));
  }
  return cols;
}

/** Residual rows of `term`'s expressions on one batch's field jets. */
function termRows(problem: Problem, tb: TrainingBatch, fields: Map<string, Jet64>, term: Term): Float64Array[] {
  const n = tb.batch.n;
  const cols = columnsOf(problem, tb);
  let row = 0;
  const env = {
    tolerance: 0,
    value: (name: string) => cols.get(name)?.(row) ?? problem.constants.get(name) ?? NaN,
    field: (e: Expr) => fieldNode(problem, fields, tb.group.normals, e, row),
  };
  const scale = tb.scale ?? 1;
  return term.residuals.map((r) => {
    const at = compileNumeric(r);
    const values = new Float64Array(n);
    for (row = 0; row < n; row++) values[row] = at(env) * scale;
    if (!isPaired(tb.group.set)) return values;
    // Periodic batches hold n/2 low-side rows then n/2 high-side rows: residual = low - high.
    const h = n / 2;
    return values.subarray(0, h).map((v, i) => v - values[h + i]!);
  });
}

/** A term's residual rows in float64, one array per residual expression. */
export interface TermResiduals64 {
  term: Term;
  values: Float64Array[];
}

/** Residual rows of the kept terms on `batches` at parameters `theta` (default: the model's own weights). */
export function computeResiduals64(
  problem: Problem,
  model: Model,
  batches: TrainingBatch[],
  include: (t: Term) => boolean = () => true,
  theta: Float64Array = modelTheta64(model),
): TermResiduals64[] {
  const out: TermResiduals64[] = [];
  for (const tb of batches) {
    const terms = tb.group.terms.filter(include);
    if (terms.length === 0) continue;
    const fields = fieldJets64(problem, model, theta, tb.group.points, tb.batch.n, tb.ch);
    for (const term of terms) out.push({ term, values: termRows(problem, tb, fields, term) });
  }
  return out;
}
