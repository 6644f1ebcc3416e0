// Residuals of a problem's terms for given field expressions, computed by the jets exactly as in training.
import { tidyData } from './tensors.js';
import { createModel, disposeModel } from '../../dist/model/model.js';
import { createRng } from '../../dist/util/random.js';
import { makeSampler } from '../../dist/problem/sampling/samplers.js';
import { groupTerms, samplePoints } from '../../dist/problem/sampling/collocation.js';
import { computeResiduals, disposeBatches, prepareBatches } from '../../dist/residuals/residuals.js';
import { parseExpr } from '../../dist/expr/parse.js';

/** An expression of the variables (no fields, no derivatives). */
export const expr = (text, variables = ['x', 'y', 'z', 't']) =>
  parseExpr(text, {
    variables,
    fields: [],
    constants: [],
    spatial: variables.filter((v) => v !== 't'),
    derivatives: false,
    boundary: false,
  });

/**
 * Residuals of the problem's terms with the fields replaced by the given IR (output transforms,
 * so derivatives come from the jets exactly as in training), on sampled points; with the points
 * and normals of each term's point set.
 */
export function residualsOf(problem, transforms, counts = { domain: 64, boundary: 64, initial: 16 }) {
  const rng = createRng(3);
  const model = createModel(problem, rng, transforms);
  const groups = samplePoints(
    problem,
    groupTerms(problem.terms),
    counts,
    makeSampler('sobol', rng),
    makeSampler('uniform', createRng(4)),
  );
  const batches = prepareBatches(problem, groups);
  const out = tidyData(() =>
    computeResiduals(problem, model, batches).map((r) => ({
      term: r.term,
      values: r.values.map((v) => Float64Array.from(v.dataSync())),
    })),
  );
  disposeBatches(batches);
  disposeModel(model);
  const groupOf = (term) => groups.find((g) => g.terms.includes(term));
  return out.map((r) => ({ ...r, points: groupOf(r.term).points, normals: groupOf(r.term).normals }));
}

/** residualsOf with the fields given as expression text over the problem's variables. */
export function residualsWith(problem, fieldExprs, counts) {
  const transforms = new Map(Object.entries(fieldExprs).map(([f, text]) => [f, expr(text, problem.variables)]));
  return residualsOf(problem, transforms, counts);
}
