/**
 * `npm run bench`: training-step speed per backend and engine, measured in one
 * run so the numbers are comparable as ratios. Not a test: it asserts nothing
 * and prints a table plus JSON (bench-results.json, or --out FILE).
 *
 * For each problem (poisson-2d, a 3D Poisson, the 1D heat equation, and
 * poisson-2d at 20,000 + 4,000 points with the step rows only):
 * ms per Adam iteration (median after warm-up) for the forward jet engine, for
 * the same pass by our wasm SIMD kernels and for nested reverse mode on the
 * same network, each also on two threads (not nested reverse), matmul FLOPs per iteration and
 * the achieved GFLOP/s, peak bytes of one step, tensors before/after (leaks),
 * L-BFGS cost (evaluations per iteration), and (not on cpu) Adam through the
 * training loop reading the loss every iteration against every 16 (webgpu's).
 * --backends a,b / --problems a,b keep only those; --small takes a tenth of the
 * points (a software GPU in CI). --accuracy adds poisson-2d's time to L2 1e-3. Where the DeepXDE
 * kit of ../shared/peers is set up, a DeepXDE row for poisson-2d is measured in the same run,
 * before and after pinn's rows (bench/deepxde.ts; --no-deepxde skips it).
 * --family runs only the held-out family instead (bench/family.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend } from '../src/backend/backends.js';
import { loadSpec } from '../src/spec/load.js';
import type { Spec } from '../src/spec/index.js';
import { buildProblem, type Problem } from '../src/problem/index.js';
import { createRng } from '../src/util/random.js';
import { makeSampler } from '../src/problem/sampling/samplers.js';
import { createModel, trainableVariables, batchEnv, type Model } from '../src/model/model.js';
import { groupTerms, samplePoints } from '../src/problem/sampling/collocation.js';
import { computeResiduals, prepareBatches, disposeBatches, type TrainingBatch } from '../src/residuals/residuals.js';
import { createStrategy } from '../src/strategies/create.js';
import type { Strategy, TermResiduals } from '../src/strategies/strategy.js';
import { evaluateValue } from '../src/derivatives/evaluate.js';
import * as J from '../src/derivatives/jet.js';
import { adamUpdate, createAdamState, disposeAdamState, ADAM_DEFAULTS } from '../src/trainer/adam.js';
import { lbfgs } from '../src/trainer/lbfgs.js';
import { flat64, setFlat } from '../src/trainer/flat.js';
import { train, trainSteps } from '../src/trainer/train.js';
import { ShardWorker, splitGroups } from '../src/trainer/parallel.js';
import { GROUPS } from '../src/strategies/strategy.js';
import { fieldErrors, fieldTable } from '../src/outputs/grid.js';
import { estimateCost } from '../src/problem/describe.js';
import {
  channelCount,
  kernelChunksTaken,
  mlpBackward,
  mlpForward,
  setKernelThreads,
  simdPeakGflops,
  type MlpPlan,
} from '../src/kernels/index.js';
import { runFamily } from './family.js';
import { deepxdeRow, type DeepxdeRow } from './deepxde.js';

const POISSON_3D = `
name: poisson-3d
geometry: {box: {min: [0, 0, 0], max: [1, 1, 1]}}
fields: [u]
equations: ["-lap(u) = 3*pi^2*sin(pi*x)*sin(pi*y)*sin(pi*z)"]
conditions: [{on: boundary, dirichlet: {u: 0}}]
exact: {u: "sin(pi*x)*sin(pi*y)*sin(pi*z)"}
network: {hidden: [50, 50, 50], activation: tanh}
training: {points: {domain: 2000, boundary: 600}}
`;

/**
 * forward: the tfjs jet engine (PINN_KERNELS=off); kernels: the same pass by our wasm SIMD kernels
 * (model/fused.ts); nested-reverse: tf.grad of tf.grad; -2threads: through the training loop on two
 * threads as a solve runs them (the jet engine: the shard worker taking half the points; the
 * kernels: their helper thread sharing each network pass); kernels-shards: the kernels with the
 * shard worker instead, for comparison.
 */
type Engine = 'forward' | 'kernels' | 'nested-reverse' | 'forward-2threads' | 'kernels-2threads' | 'kernels-shards';

/** How two threads split a step: each evaluating half the points, or sharing the network passes. */
type Split = 'shards' | 'passes';

/** Runs `f` with the network passes on our kernels or on the tfjs jet engine (a worker started meanwhile inherits it). */
function withKernels<T>(on: boolean, f: () => T): T {
  const before = process.env['PINN_KERNELS'];
  process.env['PINN_KERNELS'] = on ? 'on' : 'off';
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env['PINN_KERNELS'];
    else process.env['PINN_KERNELS'] = before;
  }
}

interface Row {
  problem: string;
  backend: string;
  engine: Engine;
  ms_per_iteration: number;
  mflop_per_iteration: number;
  gflops: number;
  peak_bytes: number;
  tensors_before: number;
  tensors_after: number;
  kernels_per_iteration: number;
}

interface LbfgsRow {
  problem: string;
  backend: string;
  iterations: number;
  evaluations: number;
  evaluations_per_iteration: number;
  ms_per_iteration: number;
}

/** Adam through the real training loop, reading the loss every iteration against every `every`. */
interface LossReadRow {
  problem: string;
  backend: string;
  every: number;
  ms_per_iteration_each: number;
  ms_per_iteration_deferred: number;
  /** Time per iteration reading each loss over time reading every `every`: the deferred loop's speed-up. */
  speedup: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Residuals with derivatives from nested reverse mode (tf.grad of tf.grad) instead of jets. */
function nestedReverseResiduals(problem: Problem, model: Model, batches: TrainingBatch[]): TermResiduals[] {
  const out: TermResiduals[] = [];
  for (const { group, batch, ch } of batches) {
    const u = (x: tf.Tensor) => modelValues(problem, model, x as tf.Tensor2D);
    const fields = new Map<string, J.Jet>();
    problem.fields.forEach((f, k) => {
      const scalarOut = (x: tf.Tensor) => tf.sum(tf.slice(u(x), [0, k], [-1, 1]));
      const needFirst = ch.first.some(Boolean);
      const g = needFirst ? tf.grad(scalarOut)(batch.x) : undefined;
      const d = ch.first.map((want, i) => (want && g ? tf.slice(g, [0, i], [-1, 1]) : undefined));
      const dd = new Map<string, tf.Tensor>();
      const secondOf = (i: number) =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.slice(tf.grad(scalarOut)(x), [0, i], [-1, 1])))(batch.x);
      const needed = new Set<number>([...ch.second.map((key) => J.parsePair(key)[0]), ...(ch.lap ?? [])]);
      const hess = new Map([...needed].map((i) => [i, secondOf(i)]));
      for (const key of ch.second) {
        const [i, j] = J.parsePair(key);
        dd.set(key, tf.slice(hess.get(i)!, [0, j], [-1, 1]));
      }
      const lap = ch.lap
        ? ch.lap.map((i) => tf.slice(hess.get(i)!, [0, i], [-1, 1])).reduce((a, b) => tf.add(a, b))
        : undefined;
      fields.set(f, { v: tf.slice(u(batch.x), [0, k], [-1, 1]), d, dd, lap });
    });
    const env = batchEnv(problem, model, batch, ch, fields);
    for (const term of group.terms) out.push({ term, values: term.residuals.map((r) => evaluateValue(r, env)) });
  }
  return out;
}

/** Plain MLP forward (tf.tanh etc.) on raw inputs, for the reverse-mode reference. */
function modelValues(problem: Problem, model: Model, x: tf.Tensor2D): tf.Tensor {
  let h: tf.Tensor = tf.mul(tf.sub(x, tf.tensor2d([model.shift])), tf.tensor2d([model.scale]));
  const act = problem.spec.network.activation;
  const L = model.net.weights.length;
  for (let l = 0; l < L; l++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, model.net.weights[l] as tf.Tensor2D), model.net.biases[l]!);
    if (l < L - 1) h = act === 'sin' ? tf.sin(h) : act === 'sigmoid' ? tf.sigmoid(h) : tf.tanh(h);
  }
  return h;
}

/** The batches of a two-thread run and what ends it: all points with the passes shared, or this thread's half and the worker. */
function twoThreadSetup(problem: Problem, model: Model, backend: string, split: Split) {
  const spec = problem.spec;
  const sampler = makeSampler('sobol', createRng(0));
  const groups = samplePoints(problem, groupTerms(problem.terms), spec.training.points, sampler, sampler);
  if (split === 'passes') {
    const refused = setKernelThreads(2);
    if (refused) throw new Error(`two threads sharing the passes: ${refused}`);
    return { batches: prepareBatches(problem, groups), worker: undefined, close: () => setKernelThreads(1) };
  }
  const [mine, theirs] = splitGroups(groups, problem.variables.length, problem.dim);
  const worker = new ShardWorker(
    {
      specFile: spec.file,
      sets: [],
      backend,
      parameters: trainableVariables(model).reduce((n, v) => n + v.size, 0),
      parts: [...new Set(problem.terms.map((t) => GROUPS[t.kind]))],
    },
    theirs,
  );
  const batches = prepareBatches(
    problem,
    mine.map((m) => m.group),
  ).map((b, k) => ({ ...b, scale: mine[k]!.scale }));
  return { batches, worker, close: () => worker.close() };
}

/** Adam through the real training loop on two threads: `kernels-2threads` shares the passes, the others split the points. */
function twoThreadRow(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  backend: string,
  iterations: number,
  warmup: number,
  flops: number,
  engine: Extract<Engine, 'forward-2threads' | 'kernels-2threads' | 'kernels-shards'>,
): Row {
  const split: Split = engine === 'kernels-2threads' ? 'passes' : 'shards';
  return withKernels(engine !== 'forward-2threads', () => {
    const spec = problem.spec;
    const { batches, worker, close } = twoThreadSetup(problem, model, backend, split);
    const run = (n: number) => {
      const t0 = performance.now();
      train(problem, model, strategy, batches, {
        stages: [{ optimizer: 'adam', iterations: n, lr: 1e-4, loc: spec.geometry.loc }],
        recordEvery: n,
        resampleEvery: 0,
        parallel: worker,
      });
      return (performance.now() - t0) / n;
    };
    run(warmup);
    const before = tf.memory().numTensors;
    const ms = Math.min(run(iterations), run(iterations));
    const after = tf.memory().numTensors;
    close();
    disposeBatches(batches);
    return {
      problem: problem.name,
      backend,
      engine,
      ms_per_iteration: ms,
      mflop_per_iteration: flops / 1e6,
      gflops: flops / (ms * 1e6),
      peak_bytes: NaN,
      tensors_before: before,
      tensors_after: after,
      kernels_per_iteration: NaN,
    };
  });
}

/** Adam through train() with lossReadEvery 1 against `every`, alternated after a warm-up run, best of `rounds` each. */
function lossReadRow(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  batches: TrainingBatch[],
  backend: string,
  iterations: number,
  every: number,
  rounds: number,
): LossReadRow {
  const run = (lossReadEvery: number) => {
    const t0 = performance.now();
    train(problem, model, strategy, batches, {
      stages: [{ optimizer: 'adam', iterations, lr: 1e-4, loc: problem.spec.geometry.loc }],
      recordEvery: 1000,
      resampleEvery: 0,
      keepBest: false,
      lossReadEvery,
    });
    return (performance.now() - t0) / iterations;
  };
  run(every);
  let each = Infinity;
  let deferred = Infinity;
  for (let round = 0; round < rounds; round++) {
    each = Math.min(each, run(1));
    deferred = Math.min(deferred, run(every));
  }
  return {
    problem: problem.name,
    backend,
    every,
    ms_per_iteration_each: each,
    ms_per_iteration_deferred: deferred,
    speedup: each / deferred,
  };
}

/** One Adam step of `engine` on the batches, with its own Adam state. */
function engineStep(
  problem: Problem,
  model: Model,
  strategy: Strategy,
  batches: TrainingBatch[],
  engine: Engine,
): { step: () => void; dispose: () => void } {
  const vars = trainableVariables(model);
  const residuals = () =>
    engine === 'nested-reverse'
      ? nestedReverseResiduals(problem, model, batches)
      : withKernels(engine === 'kernels', () => computeResiduals(problem, model, batches));
  const adam = createAdamState(vars);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => strategy.loss(residuals()).total, vars);
      value.dataSync();
      adamUpdate(
        adam,
        vars,
        vars.map((v) => grads[v.name]!),
        { lr: 1e-4, ...ADAM_DEFAULTS },
      );
    });
  return { step, dispose: () => disposeAdamState(adam) };
}

/** ms per Adam iteration of each engine (median), their steps interleaved so a changing load hits all alike. */
async function stepRows(
  problem: Problem,
  backend: string,
  model: Model,
  strategy: Strategy,
  batches: TrainingBatch[],
  engines: Engine[],
  iterations: number,
  warmup: number,
): Promise<Row[]> {
  const cost = estimateCost(problem);
  const steps = engines.map((engine) => engineStep(problem, model, strategy, batches, engine));
  for (let i = 0; i < warmup; i++) steps.forEach((s) => s.step());
  const before = tf.memory().numTensors;
  const times = engines.map(() => [] as number[]);
  for (let i = 0; i < iterations; i++)
    steps.forEach((s, k) => {
      const t0 = performance.now();
      s.step();
      times[k]!.push(performance.now() - t0);
    });
  const after = tf.memory().numTensors;
  const rows: Row[] = [];
  for (const [k, engine] of engines.entries()) {
    const profile = await tf.profile(() => steps[k]!.step());
    const ms = median(times[k]!);
    // The jet engine's FLOPs are the estimate's; nested reverse does more work, so its GFLOP/s is the same count over its time (an effective rate).
    rows.push({
      problem: problem.name,
      backend,
      engine,
      ms_per_iteration: ms,
      mflop_per_iteration: cost.flopsPerIteration / 1e6,
      gflops: cost.flopsPerIteration / (ms * 1e6),
      peak_bytes: profile.peakBytes,
      tensors_before: before,
      tensors_after: after,
      kernels_per_iteration: profile.kernels.length,
    });
  }
  steps.forEach((s) => s.dispose());
  return rows;
}

/** Our kernels alone on the domain batch of poisson-2d's shapes (3 x 50 tanh; value, u_x, u_y, Laplacian). */
interface KernelAloneRow {
  points: number;
  ms_forward: number;
  ms_forward_backward: number;
  mflop: number;
  gflops: number;
  /** The machine's wasm SIMD multiply-add rate (simdPeakGflops). */
  ceiling_gflops: number;
  /** Forward + reverse on two threads sharing the passes, wall milliseconds (CPU time counts both threads). */
  ms_forward_backward_2threads_wall: number;
  /** The same on one thread, wall milliseconds, measured alternately with it. */
  ms_forward_backward_1thread_wall: number;
  /** Chunks the helper thread took, of all chunks of the two-thread passes. */
  helper_share: number;
}

/** CPU milliseconds of `f`, the best of 3 rounds of `reps` (less sensitive than wall time to other processes). */
function cpuMs(f: () => void, reps: number): number {
  f();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / reps);
  }
  return best;
}

function kernelAloneRow(points: number, ceiling: number, quick: boolean): KernelAloneRow {
  const widths = [2, 50, 50, 50, 1];
  const plan: MlpPlan = { widths, activation: 'tanh', n: points, first: 2, pairs: [], lap: [0, 1] };
  const rng = createRng(1);
  const rand = (k: number) => Float32Array.from({ length: k }, () => rng.next() - 0.5);
  const params = {
    weights: widths.slice(0, -1).map((w, l) => rand(w * widths[l + 1]!)),
    biases: widths.slice(1).map((w) => rand(w)),
  };
  const input = { x: rand(points * 2), rows: rand(4) };
  const dy = rand(channelCount(plan) * points);
  // Matmul FLOPs: every channel through every layer forward, twice that backward (weights and inputs).
  const forwardFlops = widths
    .slice(0, -1)
    .reduce((s, w, l) => s + 2 * channelCount(plan) * points * w * widths[l + 1]!, 0);
  const reps = Math.max(2, Math.round((quick ? 4e5 : 2e6) / points));
  const msForward = cpuMs(() => mlpForward(plan, params, input), reps);
  const both = () => mlpBackward(plan, params, input, dy, mlpForward(plan, params, input, true).saved);
  const msBoth = cpuMs(both, reps);
  const wall = { one: Infinity, two: Infinity };
  const chunks = { main: 0, helper: 0 };
  for (let round = 0; round < 3; round++) {
    wall.one = Math.min(wall.one, wallMs(both, reps));
    setKernelThreads(2);
    const before = kernelChunksTaken();
    wall.two = Math.min(wall.two, wallMs(both, reps));
    const after = kernelChunksTaken();
    chunks.main += after.main - before.main;
    chunks.helper += after.helper - before.helper;
    setKernelThreads(1);
  }
  return {
    points,
    ms_forward: msForward,
    ms_forward_backward: msBoth,
    mflop: (3 * forwardFlops) / 1e6,
    gflops: (3 * forwardFlops) / (msBoth * 1e6),
    ceiling_gflops: ceiling,
    ms_forward_backward_2threads_wall: wall.two,
    ms_forward_backward_1thread_wall: wall.one,
    helper_share: chunks.helper / (chunks.main + chunks.helper),
  };
}

/** Wall milliseconds per call of `f` over `reps` calls (after one call). */
function wallMs(f: () => void, reps: number): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

// One row per engine and the L-BFGS row, measured the same way one after the other; long but linear.
async function benchProblem(
  problem: Problem,
  backend: string,
  iterations: number,
  warmup: number,
  stepsOnly: boolean,
): Promise<{ rows: Row[]; lbfgsRow?: LbfgsRow; lossRead?: LossReadRow }> {
  const spec = problem.spec;
  const rng = createRng(0);
  const sampler = makeSampler('sobol', rng);
  const strategy = createStrategy('penalty', problem);
  const model = createModel(problem, rng, new Map());
  const vars = trainableVariables(model);
  const batches = prepareBatches(
    problem,
    samplePoints(problem, groupTerms(problem.terms), spec.training.points, sampler, sampler),
  );
  const cost = estimateCost(problem);
  const engines = stepsOnly ? (['forward', 'kernels'] as const) : (['forward', 'kernels', 'nested-reverse'] as const);
  const rows = await stepRows(problem, backend, model, strategy, batches, [...engines], iterations, warmup);
  if (backend === 'wasm' || backend === 'cpu')
    for (const engine of ['forward-2threads', 'kernels-2threads', 'kernels-shards'] as const)
      rows.push(twoThreadRow(problem, model, strategy, backend, iterations, warmup, cost.flopsPerIteration, engine));
  if (stepsOnly) {
    disposeBatches(batches);
    vars.forEach((v) => v.dispose());
    return { rows };
  }
  // 16: what a solve on webgpu uses (run/solve.ts); at least 2 x 16 iterations. Not on cpu (slow, and no queue).
  const lossRead =
    backend === 'cpu'
      ? undefined
      : lossReadRow(problem, model, strategy, batches, backend, Math.max(32, iterations), 16, iterations < 40 ? 1 : 2);
  const objective = (theta: Float64Array) => {
    setFlat(vars, theta);
    let f = NaN;
    let g: Float64Array = new Float64Array(0);
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => strategy.loss(computeResiduals(problem, model, batches)).total,
        vars,
      );
      f = value.dataSync()[0]!;
      g = flat64(vars.map((v) => grads[v.name]!));
    });
    return { f, g };
  };
  const t0 = performance.now();
  const r = lbfgs(objective, flat64(vars), { iterations, history: 50, lr: 1 });
  const lbfgsRow: LbfgsRow = {
    problem: problem.name,
    backend,
    iterations: r.iterations,
    evaluations: r.evaluations,
    evaluations_per_iteration: r.evaluations / Math.max(1, r.iterations),
    ms_per_iteration: (performance.now() - t0) / Math.max(1, r.iterations),
  };
  disposeBatches(batches);
  vars.forEach((v) => v.dispose());
  return { rows, lbfgsRow, lossRead };
}

/**
 * The shipped examples' step rows keep the shapes every earlier run of this bench measured
 * (poisson-2d: 3 x 50 tanh, 2000 + 400 points; heat-1d: 3 x 32, 2000 + 200 + 200), whatever
 * recipe the files are written with (docs/performance.md).
 */
function stepShapes(spec: Spec): Spec {
  if (spec.name === 'heat-1d') {
    spec.network.hidden = [32, 32, 32];
    Object.assign(spec.training.points, { domain: 2000, boundary: 200, initial: 200 });
  } else {
    spec.network.hidden = [50, 50, 50];
    if (spec.name === 'poisson-2d') Object.assign(spec.training.points, { domain: 2000, boundary: 400 });
  }
  return spec;
}

/**
 * Wall-clock training time until poisson-2d's L2 relative error first reaches
 * `target`, with the spec's own stages; the error is checked every `every`
 * iterations on a 51 x 51 grid, and the checks are not counted as time.
 */
function timeToAccuracy(
  target: number,
  every: number,
): { reached: boolean; iterations: number; seconds: number; error: number } {
  const problem = buildProblem(loadSpec('problems/poisson-2d.yaml'));
  const spec = problem.spec;
  spec.output.grid = [51, 51];
  const rng = createRng(spec.training.seed);
  const sampler = makeSampler(spec.training.sampling, rng);
  const model = createModel(problem, rng, new Map());
  const batches = prepareBatches(
    problem,
    samplePoints(problem, groupTerms(problem.terms), spec.training.points, sampler, sampler),
  );
  const steps = trainSteps(problem, model, createStrategy('penalty', problem), batches, {
    stages: spec.training.stages,
    recordEvery: 1000,
    resampleEvery: 0,
  });
  let seconds = 0;
  let last = performance.now();
  let error: number;
  for (;;) {
    const r = steps.next();
    seconds += (performance.now() - last) / 1000;
    if (r.done) break;
    if (r.value.done % every === 0 && r.value.done > 0) {
      error = fieldErrors(fieldTable(problem, model))['u']!.l2_relative;
      if (error <= target) {
        steps.return(undefined as never);
        return { reached: true, iterations: r.value.done, seconds, error };
      }
    }
    last = performance.now();
  }
  error = fieldErrors(fieldTable(problem, model))['u']!.l2_relative;
  return {
    reached: error <= target,
    iterations: spec.training.stages.reduce((a, b) => a + b.iterations, 0),
    seconds,
    error,
  };
}

/** Whether the run measures DeepXDE: not with --no-deepxde, --small, or without poisson-2d. */
function wantsDeepxde(args: string[], problemsWanted: string[] | undefined, small: boolean): boolean {
  return !args.includes('--no-deepxde') && !small && (problemsWanted?.includes('poisson-2d') ?? true);
}

/**
 * DeepXDE's ms per Adam iteration on poisson-2d's shapes (bench/deepxde.ts), measured before and
 * after pinn's rows (its step has varied from 21 to 37 ms between runs on one machine: one
 * measurement alone can make a ratio), and pinn's wasm rows as ratios to the mean of the two.
 */
function deepxdeComparison(
  rows: Row[],
  before: DeepxdeRow | string,
): (DeepxdeRow & { runs_ms: number[]; ratios: Record<string, number> }) | undefined {
  const after = typeof before === 'string' ? before : deepxdeRow(before.iterations);
  if (typeof before === 'string' || typeof after === 'string') {
    process.stdout.write(`deepxde: no row (${typeof before === 'string' ? before : after})\n`);
    return undefined;
  }
  const runs = [before.ms_per_iteration, after.ms_per_iteration];
  const ms = (runs[0]! + runs[1]!) / 2;
  const ours = rows.filter((r) => r.problem === 'poisson-2d' && r.backend === 'wasm');
  const ratios = Object.fromEntries(ours.map((r) => [r.engine, r.ms_per_iteration / ms]));
  process.stdout.write(
    `poisson-2d   deepxde (torch ${after.torch}, 2 threads) ${ms.toFixed(2).padStart(8)} ms/it (before pinn's rows ${runs[0]!.toFixed(2)}, after ${runs[1]!.toFixed(2)}); pinn wasm / DeepXDE: ${Object.entries(
      ratios,
    )
      .map(([engine, r]) => `${engine} ${r.toFixed(2)}x`)
      .join(', ')}\n`,
  );
  return { ...after, ms_per_iteration: ms, runs_ms: runs, ratios };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--family')) {
    runFamily(args);
    return;
  }
  const outIndex = args.indexOf('--out');
  const outFile = outIndex >= 0 ? args[outIndex + 1]! : 'bench-results.json';
  const quick = args.includes('--quick');
  const iterations = quick ? 10 : 40;
  const warmup = quick ? 3 : 10;
  // --backends a,b and --problems a,b: only those; --small: a tenth of the points (software GPUs in CI).
  const only = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1]!.split(',') : undefined);
  const backendsWanted = only('--backends');
  const problemsWanted = only('--problems');
  const small = args.includes('--small');
  const available = (await listBackends()).filter((b) => b.available && (backendsWanted?.includes(b.name) ?? true));
  // Written to a file so a worker thread can load it like any spec.
  const benchDir = mkdtempSync(join(tmpdir(), 'pinn-bench-'));
  const poisson3dFile = join(benchDir, 'poisson-3d.yaml');
  writeFileSync(poisson3dFile, POISSON_3D);
  // poisson-2d at 20,000 + 4,000 points: only the step rows (tfjs and kernels, one and two threads).
  const LARGE = 'poisson-2d-20k';
  const problems = () =>
    ['problems/poisson-2d.yaml', poisson3dFile, 'problems/heat-1d.yaml', LARGE]
      .map((file) => {
        if (file === poisson3dFile) return loadSpec(file);
        const spec = loadSpec(file === LARGE ? 'problems/poisson-2d.yaml' : file);
        if (file === LARGE) {
          spec.name = LARGE;
          Object.assign(spec.training.points, { domain: 20000, boundary: 4000 });
        }
        return stepShapes(spec);
      })
      .filter((spec) => problemsWanted?.includes(spec.name) ?? true)
      .map((spec) => {
        const pts = spec.training.points;
        if (small) for (const k of ['domain', 'boundary', 'initial'] as const) pts[k] = Math.ceil(pts[k] / 10);
        return buildProblem(spec);
      });
  const deepxdeBefore = wantsDeepxde(args, problemsWanted, small)
    ? deepxdeRow(Math.max(100, 10 * iterations))
    : undefined;
  const rows: Row[] = [];
  const lbfgsRows: LbfgsRow[] = [];
  const lossReads: LossReadRow[] = [];
  for (const b of available) {
    await selectBackend(b.name);
    // The cpu backend is 15-25x slower; fewer iterations keep the run short.
    const n = b.name === 'cpu' ? Math.max(3, Math.round(iterations / 8)) : iterations;
    for (const p of problems()) {
      const large = p.name === LARGE;
      const r = await benchProblem(
        p,
        b.name,
        large ? Math.max(3, Math.round(n / 4)) : n,
        b.name === 'cpu' ? 2 : warmup,
        large,
      );
      rows.push(...r.rows);
      for (const row of r.rows) {
        process.stdout.write(
          `${row.problem.padEnd(12)} ${row.backend.padEnd(6)} ${row.engine.padEnd(16)} ${row.ms_per_iteration.toFixed(2).padStart(8)} ms/it  ${row.mflop_per_iteration.toFixed(0).padStart(5)} MFLOP  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s  peak ${(row.peak_bytes / 2 ** 20).toFixed(1)} MiB  tensors ${row.tensors_before}->${row.tensors_after}  ${row.kernels_per_iteration} kernels\n`,
        );
      }
      const l = r.lbfgsRow;
      if (l) {
        lbfgsRows.push(l);
        process.stdout.write(
          `${l.problem.padEnd(12)} ${l.backend.padEnd(6)} lbfgs           ${l.ms_per_iteration.toFixed(2).padStart(8)} ms/it  ${l.evaluations_per_iteration.toFixed(2)} evaluations/it over ${l.iterations} iterations\n`,
        );
      }
      if (r.lossRead) {
        lossReads.push(r.lossRead);
        const q = r.lossRead;
        process.stdout.write(
          `${q.problem.padEnd(12)} ${q.backend.padEnd(6)} loss reads      ${q.ms_per_iteration_each.toFixed(2).padStart(8)} ms/it reading each loss, ${q.ms_per_iteration_deferred.toFixed(2)} ms/it reading every ${q.every}: ${q.speedup.toFixed(2)}x\n`,
        );
      }
    }
  }
  const ms = (f: Row, engine: Engine) =>
    rows.find((r) => r.engine === engine && r.problem === f.problem && r.backend === f.backend)?.ms_per_iteration ??
    NaN;
  const ratios = rows
    .filter((r) => r.engine === 'forward')
    .map((f) => ({
      problem: f.problem,
      backend: f.backend,
      reverse_over_forward: ms(f, 'nested-reverse') / f.ms_per_iteration,
      forward_over_kernels: f.ms_per_iteration / ms(f, 'kernels'),
      forward_over_kernels_2threads: ms(f, 'forward-2threads') / ms(f, 'kernels-2threads'),
    }));
  const deepxde = deepxdeBefore === undefined ? undefined : deepxdeComparison(rows, deepxdeBefore);
  for (const r of ratios)
    process.stdout.write(
      `ratio ${r.problem.padEnd(14)} ${r.backend.padEnd(6)} nested-reverse / forward ${r.reverse_over_forward.toFixed(2)}x, forward / kernels ${r.forward_over_kernels.toFixed(2)}x, 2 threads ${r.forward_over_kernels_2threads.toFixed(2)}x\n`,
    );
  const ceiling = simdPeakGflops();
  const kernelAlone = [2000, 20000].map((n) => kernelAloneRow(n, ceiling, quick));
  for (const k of kernelAlone)
    process.stdout.write(
      `kernels alone, ${String(k.points).padStart(5)} points (3 x 50 tanh, 4 channels): forward ${k.ms_forward.toFixed(2)} ms, forward + reverse ${k.ms_forward_backward.toFixed(2)} ms CPU, ${k.gflops.toFixed(1)} GFLOP/s of the wasm SIMD ceiling ${k.ceiling_gflops.toFixed(1)} (${((100 * k.gflops) / k.ceiling_gflops).toFixed(0)}%); wall ${k.ms_forward_backward_1thread_wall.toFixed(2)} ms on one thread, ${k.ms_forward_backward_2threads_wall.toFixed(2)} ms on two (${(k.ms_forward_backward_1thread_wall / k.ms_forward_backward_2threads_wall).toFixed(2)}x, the helper took ${(100 * k.helper_share).toFixed(0)}% of the chunks)\n`,
    );
  let accuracy: ReturnType<typeof timeToAccuracy> | undefined;
  if (args.includes('--accuracy')) {
    await selectBackend(available[0]!.name);
    accuracy = timeToAccuracy(1e-3, 50);
    process.stdout.write(
      `poisson-2d on ${available[0]!.name}: L2 relative error ${accuracy.error.toExponential(2)} ${accuracy.reached ? 'reached' : 'NOT reached'} after ${accuracy.iterations} iterations, ${accuracy.seconds.toFixed(1)} s of training\n`,
    );
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    backends: available,
    steps: rows,
    lbfgs: lbfgsRows,
    loss_reads: lossReads,
    ratios,
    kernels_alone: kernelAlone,
    time_to_1e3: accuracy,
    deepxde,
  };
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  rmSync(benchDir, { recursive: true, force: true });
  process.stdout.write(`results written to ${outFile}\n`);
}

await main();
