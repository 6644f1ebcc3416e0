/**
 * Builds the strategy of a run. Each term is handled by its own `strategy:`
 * or the run's: hard and reparam become output transforms (the terms they
 * satisfy leave the loss); penalty, adaptive, augmented-lagrangian and barrier
 * shape the term's loss. Whatever a strategy cannot do for a term falls back
 * to penalty, and `notes` say so.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import { CAUSAL_DEFAULTS, type StrategyName } from '../spec/index.js';
import type { Expr } from '../expr/index.js';
import { termMeanSquare, termWeight } from './penalty.js';
import { GROUPS, type IterationContext, type LossHandler, type LossParts, type Strategy, type TermResiduals } from './strategy.js';
import { constantValue, hardTransform, planHard, raw } from './hard.js';
import { boundOf, boundTransform, planBounds, withinBounds } from './reparam.js';
import { adaptiveWeights } from './adaptive.js';
import { lagrangian } from './lagrangian.js';
import { barrier } from './barrier.js';
import { causalWeighting } from './causal.js';

/** How a term's loss is formed once transforms are settled. */
export type LossMode = 'penalty' | 'adaptive' | 'augmented-lagrangian' | 'barrier';

export function composeStrategy(name: StrategyName, problem: Problem): Strategy {
  const spec = problem.spec;
  const notes: string[] = [];
  const want = (t: Term): StrategyName => t.strategy ?? name;

  // Sign and bound transforms.
  const reparamCandidates = problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'reparam');
  const { bounds, handled, rest } = planBounds(reparamCandidates);

  // Exact value conditions. Under reparam, a value condition whose data is a constant on the allowed
  // side of a one-sided bound is imposed exactly too (u = g + phi * P(N)): the sign transform alone
  // fights data on its bound, where its gradient vanishes (positive-poisson: 5e-2 against 1e-5).
  const insideBound = (h: { field: string; value: Expr }) => {
    const b = bounds.get(h.field);
    const g = h.value.kind === 'num' ? h.value.value : undefined;
    return !!b && g !== undefined && (b.lower === undefined) !== (b.upper === undefined) && withinBounds(g, b);
  };
  const reparamValues = (t: Term) => want(t) === 'reparam' && (t.hardValues ?? []).length > 0 && t.hardValues!.every(insideBound);
  // Under barrier, a value condition whose constant data sit on a barrier inequality's bound is imposed
  // exactly too: the data make the inequality active on that whole part, and a barrier cannot hold an
  // active constraint against a penalty (positive-poisson: the boundary sagged to -3e-4 between points).
  // Only inequalities that apply where the data are count: domain ones (the closure) and those on an overlapping part.
  const barrierIneqs = problem.terms.filter((t) => t.kind === 'inequality' && want(t) === 'barrier');
  const onBarrierBound = (c: Term) => (h: { field: string; value: Expr }) => {
    const g = h.value.kind === 'num' ? h.value.value : undefined;
    return g !== undefined && barrierIneqs.some((q) => (q.set.kind === 'domain' || covers(q.set, c.set) || covers(c.set, q.set))
      && q.residuals.some((r) => { const b = boundOf(r); return b?.field === h.field && (b.lower === g || b.upper === g); }));
  };
  const barrierValues = (t: Term) => want(t) === 'barrier' && (t.hardValues ?? []).length > 0 && t.hardValues!.every(onBarrierBound(t));
  const hardCandidates = problem.terms.filter((t) => t.kind === 'condition' && (want(t) === 'hard' || reparamValues(t) || barrierValues(t)));
  const hard = planHard(problem, hardCandidates);
  for (const t of hard.exact) {
    const why = barrierValues(t) ? '; its data sit on a barrier bound, which a barrier cannot hold' : '';
    notes.push(`${t.name}: exact (${hard.detail.get(t) ?? 'u = g + phi * N'}${why})`);
  }
  for (const { term, reason } of hard.fallback) notes.push(`${term.name}: penalty, not exact: ${reason}`);
  const exactTerms = new Set<Term>(hard.exact);
  // Bounds on a part where an exact condition already fixes the field to a constant that satisfies them.
  for (const t of problem.terms) {
    if (t.kind !== 'inequality' || want(t) === 'reparam' || t.residuals.length === 0) continue;
    const fixed = t.residuals.map(boundOf).every((b) => {
      const data = b && [...hard.exact].flatMap((c) => (covers(c.set, t.set) ? c.hardValues ?? [] : [])).find((h) => h.field === b.field);
      return !!b && data?.value.kind === 'num' && withinBounds(data.value.value, b);
    });
    if (fixed) { exactTerms.add(t); notes.push(`${t.name}: exact (the field is fixed there by an exact condition)`); }
  }
  const transforms = new Map<string, Expr>();
  const positivity = spec.constraints.positivity;
  const { min, max } = problem.geometry.bbox;
  const domainSize = Math.hypot(...min.map((lo, a) => max[a]! - lo));
  for (const f of problem.fields) {
    const parts = hard.parts.get(f);
    const b = bounds.get(f);
    const boundTerms = handled.filter((t) => t.residuals.some((r) => boundOf(r)?.field === f));
    if (!parts) {
      if (b) {
        transforms.set(f, boundTransform(b, positivity, raw(f)));
        for (const t of boundTerms) { exactTerms.add(t); notes.push(`${t.name}: exact (${describeBound(b, positivity)})`); }
      }
      continue;
    }
    // u = G + phi * P(N) keeps u >= G (or <= G): exact when G is a constant inside the bounds.
    const g = constantValue(parts);
    const oneSided = b && (b.lower === undefined) !== (b.upper === undefined);
    if (b && oneSided && g !== undefined && withinBounds(g, b)) {
      const inner = b.lower !== undefined ? boundTransform({ lower: 0 }, positivity, raw(f)) : boundTransform({ upper: 0 }, positivity, raw(f));
      transforms.set(f, hardTransform(parts, inner, domainSize));
      for (const t of boundTerms) { exactTerms.add(t); notes.push(`${t.name}: exact (u = g + phi * ${positivity}(N))`); }
    } else {
      transforms.set(f, hardTransform(parts, raw(f), domainSize));
      for (const t of boundTerms) notes.push(`${t.name}: penalty, not exact: ${f} also has exact boundary data that is not a constant on the bound's side`);
    }
  }
  for (const t of rest) notes.push(`${t.name}: penalty, not exact: reparam handles only bounds like "u >= 0" or "a <= u <= b" on a plain field`);

  // Loss handlers for the remaining terms.
  const opts = spec.constraints.options;
  const handlers = new Map<LossMode, LossHandler>();
  const handlerFor = (mode: LossMode): LossHandler => {
    let h = handlers.get(mode);
    if (!h) {
      switch (mode) {
        case 'penalty': h = { loss: (r) => tf.mul(termMeanSquare(r), termWeight(r.term, spec)) }; break;
        case 'adaptive': h = adaptiveWeights(problem, opts); break;
        case 'augmented-lagrangian': h = lagrangian(spec.constraints.weights.conditions > 0 ? spec.constraints.weights.conditions : 1, opts); break;
        case 'barrier': h = barrier(opts); break;
      }
      handlers.set(mode, h);
    }
    return h;
  };
  const modeOf = new Map<Term, LossMode>();
  for (const t of problem.terms) {
    if (exactTerms.has(t)) continue;
    const s = want(t);
    let mode: LossMode = 'penalty';
    if (t.kind === 'equation') mode = 'penalty';
    else if (s === 'adaptive' || s === 'augmented-lagrangian') mode = s;
    else if (s === 'barrier') {
      if (t.kind === 'inequality') mode = 'barrier';
      else if (t.strategy === 'barrier') notes.push(`${t.name}: penalty (a barrier applies only to inequalities)`);
    }
    modeOf.set(t, mode);
  }
  const inLoss = [...modeOf.keys()];
  for (const mode of new Set(modeOf.values())) handlerFor(mode);
  const explained = new Set<Term>([...hard.fallback.map((f) => f.term), ...rest]);
  const plain = [...modeOf].filter(([t, m]) => t.kind !== 'equation' && m === 'penalty' && !t.strategy && !explained.has(t)).map(([t]) => t.name);
  if (name !== 'penalty' && plain.length > 0) notes.push(`${plain.join('; ')}: penalty (${name} does not apply to ${plain.length === 1 ? 'it' : 'them'})`);
  // Time-causal weighting of the equations' residuals (training.causal).
  const causal = spec.training.causal && problem.time ? causalWeighting(spec.training.causalOptions ?? CAUSAL_DEFAULTS) : undefined;
  if (causal) notes.push(`equations: causal time weighting (${causal.options.bins} time bins, epsilon ${causal.options.epsilon}; weights fixed during L-BFGS stages)`);
  else if (spec.training.causal) notes.push('training.causal has no effect: the problem has no time');
  if (spec.training.resampleEvery > 0 && handlers.has('augmented-lagrangian')) {
    notes.push('augmented-lagrangian: multipliers are pointwise on the training points; resampling keeps them by point index');
  }

  /** L-BFGS iterations since each round-keeping handler's last outer round (see outerRound). */
  const sinceRound = new Map<LossMode, number>();

  return {
    name,
    transforms,
    exactTerms,
    notes,
    loss(residuals: TermResiduals[]): LossParts {
      const parts = new Map<string, tf.Scalar>();
      const totals: tf.Scalar[] = [];
      causal?.begin();
      for (const r of residuals) {
        const group = GROUPS[r.term.kind];
        const ms = termMeanSquare(r);
        parts.set(group, parts.has(group) ? tf.add(parts.get(group)!, ms) : ms);
        const mode = modeOf.get(r.term) ?? 'penalty';
        if (causal && r.bins && r.term.kind === 'equation') { totals.push(causal.loss({ ...r, bins: r.bins }, termWeight(r.term, spec))); continue; }
        totals.push(mode === 'penalty' ? tf.mul(ms, termWeight(r.term, spec)) : handlerFor(mode).loss(r));
      }
      const total = (totals.length === 0 ? tf.scalar(0) : totals.length === 1 ? totals[0]! : tf.addN(totals)) as tf.Scalar;
      return { total, parts };
    },
    imposed: (t: Term) => (exactTerms.has(t) ? 'exact' : modeOf.get(t) ?? 'penalty'),
    logValues(): Record<string, number> {
      return Object.assign({}, ...[...handlers.values()].map((h) => h.logValues?.() ?? {}), causal?.logValues() ?? {});
    },
    getState(): unknown {
      const state: Record<string, unknown> = Object.fromEntries([...handlers].filter(([, h]) => h.getState).map(([mode, h]) => [mode, h.getState!()]));
      if (causal) state['causal'] = causal.getState();
      if (sinceRound.size > 0) state['since_round'] = Object.fromEntries(sinceRound);
      return state;
    },
    setState(state: unknown): void {
      const s = state as Record<string, unknown>;
      for (const [mode, h] of handlers) if (h.setState && s[mode] !== undefined) h.setState(s[mode]);
      if (causal && s['causal'] !== undefined) causal.setState(s['causal']);
      sinceRound.clear();
      for (const [mode, n] of Object.entries((s['since_round'] ?? {}) as Record<string, number>)) sinceRound.set(mode as LossMode, n);
    },
    dispose(): void {
      for (const h of handlers.values()) h.dispose?.();
    },
    afterIteration(ctx: IterationContext): void {
      causal?.update();
      for (const [mode, h] of handlers) {
        if (h.afterIteration) h.afterIteration(ctx, inLoss.filter((t) => modeOf.get(t) === mode));
      }
    },
    roundEvery(): number | undefined {
      const due = [...handlers].filter(([, h]) => h.round).map(([mode, h]) => h.roundEvery! - (sinceRound.get(mode) ?? 0));
      return due.length > 0 ? Math.max(1, Math.min(...due)) : undefined;
    },
    outerRound(ctx: IterationContext, iterations: number, converged: boolean): void {
      for (const [mode, h] of handlers) {
        if (!h.round) continue;
        const since = (sinceRound.get(mode) ?? 0) + iterations;
        if (converged || since >= h.roundEvery!) {
          h.round(ctx, inLoss.filter((t) => modeOf.get(t) === mode));
          sinceRound.set(mode, 0);
        } else sinceRound.set(mode, since);
      }
    },
  };
}

/** Whether point set `outer` contains `inner`: the whole boundary contains every part, a named part itself; the initial slice itself. */
function covers(outer: Term['set'], inner: Term['set']): boolean {
  if (outer.kind === 'initial' || inner.kind === 'initial') return outer.kind === inner.kind;
  if (outer.kind !== 'boundary' || inner.kind !== 'boundary') return false;
  const [x, y] = [outer.selector, inner.selector];
  return x.kind === 'all' || (x.kind === 'name' && y.kind === 'name' && x.name === y.name);
}

function describeBound(b: { lower?: number; upper?: number }, positivity: string): string {
  if (b.lower !== undefined && b.upper !== undefined) return `u = ${b.lower} + ${b.upper - b.lower} * sigmoid(N)`;
  if (b.lower !== undefined) return `u = ${b.lower === 0 ? '' : `${b.lower} + `}${positivity}(N)`;
  return `u = ${b.upper} - ${positivity}(N)`;
}
