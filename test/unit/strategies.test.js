// Constraint strategies in process: barrier, augmented-Lagrangian and adaptive maths, option tables,
// strategy losses, which terms each strategy imposes exactly, and the hard blend's jets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POSITIVE_POISSON, specDir } from '../support/fixtures.js';
import { tidyData } from '../support/tensors.js';
import * as tf from '@tensorflow/tfjs';
import { loadSpecWithFlags as loadWithOverrides } from '../../dist/spec/load.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { createStrategy } from '../../dist/strategies/index.js';
import { extendedLogBarrier, barrier, BARRIER_START_FRACTION } from '../../dist/strategies/barrier.js';
import { alTermLoss, alUpdate, lagrangian } from '../../dist/strategies/lagrangian.js';
import { annealedWeight, gradientStats } from '../../dist/strategies/adaptive.js';
import { STRATEGY_OPTION_NAMES, strategyOptions } from '../../dist/spec/strategy-options.js';

const { specFile } = specDir('pinn-strategies-');

const POSITIVE = specFile('positive', POSITIVE_POISSON);

test('barrier: finite loss and gradients on infeasible points; continuous at the threshold', () => {
  const d = 1e-3;
  const s = tf.tensor1d([-10, -1, -1e-3, 0, 1e-4, d, 2 * d, 1]);
  const f = /** @type {tf.Tensor1D} */ (extendedLogBarrier(s, d)).arraySync();
  const g = /** @type {tf.Tensor1D} */ (tf.grad((x) => tf.sum(extendedLogBarrier(x, d)))(s)).arraySync();
  for (const v of [...f, ...g]) assert.ok(Number.isFinite(v), `non-finite ${v}`);
  // Decreasing in the slack: infeasible points are pushed toward feasibility.
  for (const v of g) assert.ok(v < 0);
  const left = extendedLogBarrier(tf.tensor1d([d * (1 - 1e-4)]), d).arraySync()[0];
  assert.ok(Math.abs(left - -Math.log(d)) < 1e-3);
  // The weight shrinks on schedule down to its floor.
  const b = barrier(
    strategyOptions('barrier', { barrier_start: 1, barrier_decay: 0.1, barrier_min: 1e-3, update_every: 2 }),
  );
  assert.equal(b.roundsLeft(), true);
  for (let i = 1; i <= 10; i++) b.afterIteration({ iteration: i, vars: [], residuals: () => [] }, []);
  assert.equal(b.weight(), 1e-3);
  // At its floor a round changes nothing: a stalled second-order stage may stop.
  assert.equal(b.roundsLeft(), false);
});

test('barrier: without a given start, the weight starts at a fraction of the loss at the initial weights', () => {
  const calibrated = barrier(strategyOptions('barrier', {}));
  assert.equal(typeof calibrated.calibrate, 'function');
  calibrated.calibrate(391);
  assert.equal(calibrated.weight(), BARRIER_START_FRACTION * 391);
  // Checkpoints carry the calibrated weight; it decays on schedule.
  assert.deepEqual(calibrated.getState(), { beta: BARRIER_START_FRACTION * 391 });
  calibrated.afterIteration({ iteration: 100, vars: [], residuals: () => [] }, []);
  assert.equal(calibrated.weight(), 0.5 * BARRIER_START_FRACTION * 391);
  calibrated.calibrate(0);
  assert.equal(calibrated.weight(), 1e-3);
  calibrated.calibrate(Number.NaN);
  assert.equal(calibrated.weight(), 1e-3);
  // Never below the floor the schedule ends at.
  calibrated.calibrate(1e-9);
  assert.equal(calibrated.weight(), 1e-7);
  // A given start is the user's: nothing to calibrate.
  const given = barrier(strategyOptions('barrier', { barrier_start: 0.02 }));
  assert.equal(given.calibrate, undefined);
  assert.equal(given.weight(), 0.02);
});

test('strategy options: one table of names and defaults, read per strategy', () => {
  assert.deepEqual(STRATEGY_OPTION_NAMES, [
    'mu',
    'mu_growth',
    'mu_max',
    'round_every',
    'smoothing',
    'update_every',
    'weight_max',
    'barrier_start',
    'barrier_decay',
    'barrier_min',
    'barrier_threshold',
  ]);
  // A given value overrides the default; options of other strategies are ignored; problem-dependent defaults stay undefined.
  assert.deepEqual(strategyOptions('augmented-lagrangian', { mu_max: 10, smoothing: 0.5 }), {
    mu: undefined,
    mu_growth: 2,
    mu_max: 10,
    round_every: 500,
  });
  assert.deepEqual(strategyOptions('barrier', { update_every: 7 }), {
    barrier_start: undefined,
    barrier_decay: 0.5,
    barrier_min: 1e-7,
    barrier_threshold: 1,
    update_every: 7,
  });
  assert.deepEqual(strategyOptions('adaptive', {}), { smoothing: 0.1, update_every: 10, weight_max: undefined });
});

test('augmented Lagrangian: multiplier update rule and PHR loss', () => {
  const c = tf.tensor2d([[0.5], [-0.25]]);
  assert.deepEqual(alUpdate(c, undefined, 2, false).arraySync(), [[1], [-0.5]]);
  const lam = tf.tensor2d([[1], [1]]);
  assert.deepEqual(alUpdate(c, lam, 2, false).arraySync(), [[2], [0.5]]);
  // Inequalities: lambda = max(0, lambda + mu g).
  assert.deepEqual(alUpdate(tf.tensor2d([[0.5], [-1]]), lam, 2, true).arraySync(), [[2], [0]]);
  // Equality loss: mean(lambda c) + mu/2 mean(c^2).
  const eq = alTermLoss(c, lam, 2, false).arraySync();
  assert.ok(Math.abs(eq - ((0.5 - 0.25) / 2 + (0.25 + 0.0625) / 2)) < 1e-6);
  // Inequality with zero multipliers and satisfied constraint: zero.
  assert.equal(alTermLoss(tf.tensor2d([[-1], [-2]]), tf.zeros([2, 1]), 3, true).arraySync(), 0);
  // Rounds grow mu geometrically up to the cap.
  const h = lagrangian(
    1,
    strategyOptions('augmented-lagrangian', { mu: 1, mu_growth: 10, mu_max: 50, round_every: 1 }),
  );
  h.afterIteration({ iteration: 1, vars: [], residuals: () => [] }, []);
  // A stand-in term: the multiplier rounds read only its residual values.
  const term = /** @type {import('../../dist/problem/index.js').Term} */ ({ kind: 'condition', name: 'c' });
  const ctx = { iteration: 1, vars: [], residuals: () => [{ term, values: [tf.tensor2d([[1], [2]])] }] };
  h.afterIteration(ctx, [term]);
  h.afterIteration({ ...ctx, iteration: 2 }, [term]);
  const st = h.state();
  assert.equal(st.rounds, 2);
  assert.equal(st.mu, 50);
  assert.deepEqual(st.multipliers.get(term)[0].arraySync(), [[11], [22]]);
});

test('adaptive: annealing rule and gradient statistics', () => {
  assert.equal(annealedWeight(1, 10, 2, 0.9), 0.1 + 0.9 * 5);
  assert.equal(annealedWeight(3, 10, 0, 0.9), 3);
  const v = tf.variable(tf.tensor1d([1, -2, 3]));
  const st = gradientStats(() => tf.sum(tf.mul(v, tf.tensor1d([1, -4, 1]))), [v]);
  assert.equal(st.max, 4);
  assert.equal(st.mean, 2);
  v.dispose();
});

test('strategy loss: penalty weights; AL and barrier terms; hard leaves exact terms out', () => {
  const p = buildProblem(loadWithOverrides(POSITIVE, [], {}));
  const eq = p.terms.find((t) => t.kind === 'equation');
  const bc = p.terms.find((t) => t.kind === 'condition');
  const iq = p.terms.find((t) => t.kind === 'inequality');
  const r = [
    { term: eq, values: [tf.tensor2d([[1], [3]])] },
    { term: bc, values: [tf.tensor2d([[2], [0]])] },
    { term: iq, values: [tf.tensor2d([[-1], [0.5]])] },
  ];
  const pen = createStrategy('penalty', p).loss(r);
  assert.ok(Math.abs(pen.total.arraySync() - (5 + 10 * 2 + 10 * 0.125)) < 1e-5);
  assert.ok(Math.abs(pen.parts.get('inequalities').arraySync() - 0.125) < 1e-6);
  const al = createStrategy('augmented-lagrangian', p);
  // No multipliers yet: equations + mu/2 mean(c^2) + mu/2 mean(relu(g)^2), mu = the conditions weight, 10.
  assert.ok(Math.abs(al.loss(r).total.arraySync() - (5 + 5 * 2 + 5 * 0.125)) < 1e-4);
  const bar = createStrategy('barrier', p);
  assert.ok(Number.isFinite(bar.loss(r).total.arraySync()));
  assert.ok('barrier_weight' in bar.logValues());
  const hard = createStrategy('hard', p);
  assert.ok(hard.exactTerms.has(bc) && !hard.exactTerms.has(iq));
  assert.ok(hard.transforms.has('u'));
});

test('reparam imposes value conditions whose constant data lies on the allowed side of the bound exactly', () => {
  const problem = buildProblem(loadWithOverrides(POSITIVE, [], { strategy: 'reparam' }));
  const s = createStrategy('reparam', problem);
  const names = [...s.exactTerms].map((t) => t.name).sort();
  assert.deepEqual(names, ['dirichlet u on boundary', 'u >= 0']);
  // Data outside the bound (u = -1 on the boundary with u >= 0) stays a penalty term.
  const bad = buildProblem(loadWithOverrides(POSITIVE, ['conditions.0.dirichlet.u=-1'], { strategy: 'reparam' }));
  const sb = createStrategy('reparam', bad);
  assert.ok(![...sb.exactTerms].some((t) => t.name.startsWith('dirichlet')));
});

test('barrier imposes value conditions whose constant data sit on its bound exactly; bounds on such a part are exact', () => {
  const onBound = buildProblem(
    loadWithOverrides(POSITIVE, ['inequalities.1={constraint: "u >= 0", on: boundary}'], { strategy: 'barrier' }),
  );
  const s = createStrategy('barrier', onBound);
  assert.deepEqual([...s.exactTerms].map((t) => t.name).sort(), ['dirichlet u on boundary', 'u >= 0 on boundary']);
  assert.equal(s.imposed(onBound.terms.find((t) => t.name === 'u >= 0')), 'barrier');
  assert.ok(
    s.notes.some((n) => n.includes('barrier bound')),
    s.notes.join('\n'),
  );
  // Data strictly inside the bound leave the barrier nothing to fight: the condition stays a penalty.
  const inside = buildProblem(loadWithOverrides(POSITIVE, ['conditions.0.dirichlet.u=1'], { strategy: 'barrier' }));
  assert.equal(createStrategy('barrier', inside).exactTerms.size, 0);
  // Each condition is compared with the bounds that apply where its data are (u >= 1 on the right does not move u >= 0).
  const sides = buildProblem(
    loadWithOverrides(
      POSITIVE,
      ['conditions.0={on: left, dirichlet: {u: 0}}', 'inequalities.1={constraint: "u >= 1", on: right}'],
      { strategy: 'barrier' },
    ),
  );
  assert.deepEqual(
    [...createStrategy('barrier', sides).exactTerms].map((t) => t.name),
    ['dirichlet u on left'],
  );
  // Under hard, a bound on the Dirichlet part is exact once its data satisfy it, and not when they break it.
  const hard = buildProblem(
    loadWithOverrides(POSITIVE, ['inequalities.1={constraint: "u >= 0", on: boundary}'], { strategy: 'hard' }),
  );
  assert.ok([...createStrategy('hard', hard).exactTerms].some((t) => t.name === 'u >= 0 on boundary'));
  const broken = buildProblem(
    loadWithOverrides(
      POSITIVE,
      ['inequalities.1={constraint: "u >= 0", on: boundary}', 'conditions.0.dirichlet.u=-1'],
      { strategy: 'hard' },
    ),
  );
  assert.ok(![...createStrategy('hard', broken).exactTerms].some((t) => t.kind === 'inequality'));
  // What hard cannot build into the output it holds with the barrier, and says so; a term's own strategy wins.
  const hardStrategy = createStrategy('hard', broken);
  const inequalities = broken.terms.filter((t) => t.kind === 'inequality');
  assert.deepEqual(
    inequalities.map((t) => hardStrategy.imposed?.(t)),
    inequalities.map(() => 'barrier'),
  );
  assert.ok(hardStrategy.notes.some((n) => /: log barrier \(hard holds inequalities with the barrier\)$/.test(n)));
  const ownPenalty = buildProblem(
    loadWithOverrides(POSITIVE, ['inequalities.0={constraint: "u >= 0", strategy: penalty}'], { strategy: 'hard' }),
  );
  const own = ownPenalty.terms.find((t) => t.kind === 'inequality');
  assert.equal(createStrategy('hard', ownPenalty).imposed?.(own), 'penalty');
});

test('outer rounds in L-BFGS stages: each handler keeps its own cadence (AL every 500, barrier every 100)', () => {
  const problem = buildProblem(
    loadWithOverrides(
      POSITIVE,
      [
        'constraints.options={round_every: 500, update_every: 100}',
        'inequalities.0={constraint: "u >= 0", strategy: barrier}',
      ],
      { strategy: 'augmented-lagrangian' },
    ),
  );
  const s = createStrategy('augmented-lagrangian', problem);
  const ctx = { iteration: 0, vars: [], residuals: () => [] };
  const beta0 = s.logValues().barrier_weight;
  assert.equal(s.roundEvery(), 100);
  for (let i = 0; i < 4; i++) s.outerRound(ctx, 100, false);
  assert.equal(s.logValues().al_round, 0, 'no multiplier round before 500 iterations');
  assert.equal(s.logValues().barrier_weight, beta0 / 16);
  s.outerRound(ctx, 60, false);
  assert.equal(s.roundEvery(), 40, 'the next solve stops at the next due round');
  s.outerRound(ctx, 40, false);
  assert.equal(s.logValues().al_round, 1);
  // A solve that converged early is followed by every round; the counters are part of the state.
  s.outerRound(ctx, 3, true);
  assert.equal(s.logValues().al_round, 2);
  const state = JSON.parse(JSON.stringify(s.getState()));
  s.outerRound(ctx, 50, false);
  s.setState(state);
  assert.equal(s.roundEvery(), 100);
  s.dispose();
});

test('hard: the blend of six different face values keeps float32 jets finite and accurate at any domain size', async () => {
  const { planHard, extension } = await import('../../dist/strategies/hard.js');
  const { createModel } = await import('../../dist/model/model.js');
  const { createRng } = await import('../../dist/util/random.js');
  const { makeSampler } = await import('../../dist/problem/sampling/samplers.js');
  const { groupTerms, samplePoints } = await import('../../dist/problem/sampling/collocation.js');
  const { computeResiduals, disposeBatches, prepareBatches } = await import('../../dist/residuals/residuals.js');
  const { diff } = await import('../../dist/expr/diff.js');
  const { compileNumeric } = await import('../../dist/expr/numeric.js');
  const sides = ['left', 'right', 'front', 'back', 'bottom', 'top'];
  for (const L of [1e-2, 1, 1e3]) {
    const text =
      `name: blend\ngeometry: {box: {min: [0, 0, 0], max: [${L}, ${L}, ${L}]}}\nfields: [u]\nequations: [-lap(u) = 0]\nconditions:\n` +
      sides.map((s, i) => `  - {on: ${s}, dirichlet: {u: ${i + 1}}}`).join('\n') +
      '\n';
    const problem = buildProblem(loadWithOverrides(specFile(`blend-${L}`, text), [], {}));
    const conditions = problem.terms.filter((t) => t.kind === 'condition');
    const g = extension(planHard(problem, conditions).parts.get('u'), Math.sqrt(3) * L);
    // u = G alone (no network part): the equation's residual is -lap(G), the conditions' G - g_i.
    const model = createModel(problem, createRng(1), new Map([['u', g]]));
    const groups = samplePoints(
      problem,
      groupTerms(problem.terms),
      { domain: 64, boundary: 96, initial: 0 },
      makeSampler('sobol', createRng(2)),
      makeSampler('uniform', createRng(3)),
    );
    const batches = prepareBatches(problem, groups);
    const res = tidyData(() =>
      computeResiduals(problem, model, batches).map((r) => ({
        term: r.term,
        v: Float64Array.from(r.values[0].dataSync()),
      })),
    );
    disposeBatches(batches);
    model.net.weights.forEach((w) => w.dispose());
    model.net.biases.forEach((b) => b.dispose());
    const lap = compileNumeric(
      ['x', 'y', 'z']
        .map((a) => diff(diff(g, a), a))
        .reduce((p, q) => ({ kind: 'binary', op: '+', left: p, right: q })),
    );
    const eq = res.find((r) => r.term.kind === 'equation');
    const pts = groups.find((gr) => gr.terms.includes(eq.term)).points;
    for (let i = 0; i < eq.v.length; i++) {
      const p = { x: pts[3 * i], y: pts[3 * i + 1], z: pts[3 * i + 2] };
      const ref = -lap({ tolerance: 0, value: (n) => p[n] ?? NaN });
      assert.ok(Number.isFinite(eq.v[i]), `L ${L}: -lap(G) = ${eq.v[i]} at point ${i}`);
      assert.ok(
        Math.abs(eq.v[i] - ref) <= 1e-3 * (Math.abs(ref) + 1 / (L * L)),
        `L ${L}: -lap(G) ${eq.v[i]} against ${ref} at point ${i}`,
      );
    }
    for (const r of res.filter((x) => x.term.kind === 'condition')) {
      assert.ok(
        r.v.every((v) => Math.abs(v) <= 1e-5),
        `L ${L}, ${r.term.name}: G misses the data by ${Math.max(...r.v.map(Math.abs))}`,
      );
    }
  }
});

/** An annulus r0 < r < 1 (parts inner, outer) with -lap(u) = 0 and Dirichlet data on each circle, then `extra` lines. */
const annulus = (name, r0, inner, outer, extra = '') => `name: ${name}
geometry:
  difference:
    - {disk: {center: [0, 0], radius: 1}, name: outer}
    - {disk: {center: [0, 0], radius: ${r0}}, name: inner}
fields: [u]
equations: [-lap(u) = 0]
conditions:
  - {on: inner, dirichlet: {u: ${inner}}}
  - {on: outer, dirichlet: {u: ${outer}}}
${extra}`;

/** A float64 evaluator of an expression of x and y; any other name (a raw network output) reads `other`. */
async function pointEvaluator(e) {
  const { compileNumeric } = await import('../../dist/expr/numeric.js');
  const f = compileNumeric(e);
  return (x, y, other = NaN) => f({ tolerance: 0, value: (n) => ({ x, y })[n] ?? other });
}

test('hard: two concentric circles blend to the hand-written transform, linear in r^2 (exponent 1, scaled distances)', async () => {
  const { planHard, extension } = await import('../../dist/strategies/hard.js');
  const { diff } = await import('../../dist/expr/diff.js');
  const problem = buildProblem(loadWithOverrides(specFile('annulus-blend', annulus('annulus', 0.5, 2, 0.5)), [], {}));
  const parts = planHard(
    problem,
    problem.terms.filter((t) => t.kind === 'condition'),
  ).parts.get('u');
  const g = extension(parts, Math.sqrt(8));
  const value = await pointEvaluator(g);
  const lap = await pointEvaluator({
    kind: 'binary',
    op: '+',
    left: diff(diff(g, 'x'), 'x'),
    right: diff(diff(g, 'y'), 'y'),
  });
  // Each part's distance as a fraction of its largest value: (r^2 - 1/4) / (3/4) and (1 - r^2) / (3/4),
  // whose sum is 1, so G is the interpolation 2.5 - 2 r^2 a DeepXDE user writes for this annulus
  // (with the distances at unit slope G was a ratio of two linear functions of r^2, and the default
  // recipe reached L2 3.0e-6 against the hand-written transform's 1.6e-6). Squared distances gave
  // |lap G| up to 52 here (G flat at both circles, steep between them) and stalled a one-layer network.
  const scales = parts.map((p) => p.scale);
  assert.ok(Math.abs(scales[0] - 0.75) < 1e-12 && Math.abs(scales[1] - 0.375) < 1e-12, `scales ${scales}`);
  for (let r = 0.5; r <= 1; r += 0.01) {
    for (const [c, s] of [
      [0.6, 0.8],
      [-1, 0],
      [0.28, -0.96],
    ]) {
      const [x, y] = [r * c, r * s];
      assert.ok(Math.abs(value(x, y) - (2.5 - 2 * r * r)) < 1e-9, `G = ${value(x, y)} at r = ${r}`);
      assert.ok(Math.abs(lap(x, y) + 8) < 1e-6, `lap G = ${lap(x, y)} at r = ${r}`);
    }
  }
});

test('hard: affine distances (a square with other data on each side, a rod with its start) keep the common scale', async () => {
  const { planHard } = await import('../../dist/strategies/hard.js');
  const square = `name: square-sides
geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
fields: [u]
equations: [-lap(u) = 0]
conditions:
  - {on: left, dirichlet: {u: "sin(y)"}}
  - {on: right, dirichlet: {u: "exp(1)*sin(y)"}}
  - {on: bottom, dirichlet: {u: "0"}}
  - {on: top, dirichlet: {u: "exp(x)*sin(1)"}}
`;
  const rod = `name: rod
geometry: {interval: [0, 1]}
time: [0, 0.5]
fields: [u]
equations: [u_t = u_xx]
conditions:
  - {on: left, dirichlet: {u: 0}}
  - {on: right, dirichlet: {u: 1}}
  - {on: initial, value: {u: "sin(pi*x) + x"}}
`;
  for (const [name, text] of [
    ['square-sides', square],
    ['rod', rod],
  ]) {
    const problem = buildProblem(loadWithOverrides(specFile(name, text), [], {}));
    const parts = planHard(
      problem,
      problem.terms.filter((t) => t.kind === 'condition'),
    ).parts.get('u');
    assert.ok(parts.length >= 3, name);
    assert.ok(
      parts.every((p) => p.scale === undefined),
      `${name}: ${parts.map((p) => p.scale)}`,
    );
  }
});

test('reparam: a two-sided bound carries constant data on both bounds exactly (sine map, per-part preimages)', async () => {
  const text = annulus('annulus-bounds', 0.3, 1, -0.5, 'inequalities: [-0.5 <= u <= 1]\n');
  const problem = buildProblem(loadWithOverrides(specFile('annulus-bounds', text), [], { strategy: 'reparam' }));
  const s = createStrategy('reparam', problem);
  assert.deepEqual([...s.exactTerms].map((t) => t.name).sort(), [
    '-0.5 <= u <= 1',
    'dirichlet u on inner',
    'dirichlet u on outer',
  ]);
  const u = await pointEvaluator(s.transforms.get('u'));
  for (const n of [-30, -1, 0, 0.7, 30]) {
    assert.ok(Math.abs(u(0.3, 0, n) - 1) < 1e-9 && Math.abs(u(0, -1, n) + 0.5) < 1e-9, `data held for N = ${n}`);
    const inside = u(0.4, 0.5, n);
    assert.ok(inside >= -0.5 && inside <= 1, `u = ${inside} within the bounds for N = ${n}`);
  }
});

test('barrier imposes data that touch its bound exactly, formulas included; data strictly inside stay a penalty', () => {
  const spec = (data) => `name: touch
geometry: {rectangle: {min: [0, 0], max: [1, 1]}}
fields: [u]
equations: ["-lap(u) = 1"]
conditions:
  - {on: boundary, dirichlet: {u: "${data}"}}
inequalities: [u >= 0]
`;
  const exactNames = (data, name) => {
    const problem = buildProblem(loadWithOverrides(specFile(name, spec(data)), [], { strategy: 'barrier' }));
    return [...createStrategy('barrier', problem).exactTerms].map((t) => t.name);
  };
  // sin(pi x) y (2 - y) is 0 on three sides and positive on the fourth: active on the part.
  assert.deepEqual(exactNames('sin(pi*x)*y*(2 - y)', 'touch-formula'), ['dirichlet u on boundary']);
  assert.deepEqual(exactNames('1 + x*y', 'touch-inside'), []);
});
