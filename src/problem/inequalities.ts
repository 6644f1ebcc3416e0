/** Inequalities to terms: "a <= b" (or a chain of comparisons) as residuals g <= 0 on the domain or a target. */
import type { ConditionTarget } from '../spec/index.js';
import { sub, type Expr } from '../expr/index.js';
import { compile, finish, nameScope, type BuildContext } from './context.js';
import { pointSetFor } from './conditions.js';
import type { Term } from './types.js';

/** The terms of every inequality of the spec, in order; inequalities with errors are reported and left out. */
export function inequalityTerms(ctx: BuildContext): Term[] {
  const terms: Term[] = [];
  for (const q of ctx.spec.inequalities) {
    const set =
      q.on.kind === 'domain'
        ? { kind: 'domain' as const }
        : ctx.geometry
          ? pointSetFor(q.on as ConditionTarget, ctx.geometry, ctx, q.loc)
          : undefined;
    if (!set) continue;
    const e = compile(q.constraint, nameScope(ctx, set.kind === 'boundary'), ctx.diags, false);
    if (!e) continue;
    const gs = inequalityParts(e);
    if (!gs) {
      ctx.diags.error(
        q.constraint.loc,
        `inequality '${q.constraint.text}' must compare two sides, e.g. "u >= 0" or "abs(Ez) <= 1"`,
      );
      continue;
    }
    terms.push({
      name: set.kind === 'boundary' ? `${q.constraint.text.trim()} on ${set.label}` : q.constraint.text.trim(),
      kind: 'inequality',
      form: 'inequality',
      set,
      residuals: gs.map((g) => finish(ctx, g)),
      strategy: q.strategy,
      weight: q.weight,
      loc: q.loc,
    });
  }
  return terms;
}

/** "a <= b" -> [a - b]; "a >= b" -> [b - a]; chained comparisons give several. */
function inequalityParts(e: Expr): Expr[] | undefined {
  if (e.kind === 'logic' && e.op === 'and') {
    const l = inequalityParts(e.left);
    const r = inequalityParts(e.right);
    return l && r ? [...l, ...r] : undefined;
  }
  if (e.kind !== 'compare') return undefined;
  if (e.op === '<' || e.op === '<=') return [sub(e.left, e.right)];
  if (e.op === '>' || e.op === '>=') return [sub(e.right, e.left)];
  return undefined;
}
