/**
 * The training loop: stages of Adam and L-BFGS over one loss function, with
 * loss history, progress reports and optional resampling of collocation points.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/index.js';
import { trainableVariables, type Model } from '../model/index.js';
import { GROUPS, type Strategy } from '../strategies/index.js';
import type { StageSpec } from '../spec/index.js';
import type { LossHistory } from './history.js';
import { computeResiduals, type TrainingBatch } from '../residuals/index.js';
import { evaluateLoss, evaluateWithWorker } from './evaluate.js';
import { flat64, setFlat } from './flat.js';
import { ADAM_DEFAULTS, adamUpdate, createAdamState, disposeAdamState, type AdamState } from './adam.js';
import type { ShardWorker } from './parallel.js';
import { lbfgsSteps, stopReasonText, type LbfgsResult, type LbfgsState } from './lbfgs.js';

export interface Progress {
  stage: number;
  stages: number;
  optimizer: 'adam' | 'lbfgs';
  iteration: number;
  totalIterations: number;
  loss: number;
  parts: Record<string, number>;
  iterationsPerSecond: number;
  etaSeconds: number;
}

export interface TrainOptions {
  stages: StageSpec[];
  /** Record loss parts every this many iterations (and at each stage end). */
  recordEvery: number;
  /** Draw new collocation points every this many iterations (0: never). */
  resampleEvery: number;
  resample?: () => TrainingBatch[];
  /** Second-core worker evaluating the other half of every point set (trainer/parallel.ts). */
  parallel?: ShardWorker;
  onProgress?: (p: Progress) => void;
  /** Continue from a checkpoint (batches must be the ones in use when it was taken). */
  resume?: TrainCheckpoint;
  /** Divergence guard settings (see GUARD_DEFAULTS). */
  guard?: Partial<typeof GUARD_DEFAULTS>;
  /** Told of each rollback after a divergence. */
  onRollback?: (info: { reason: string; toIteration: number; lr: number; rollbacks: number }) => void;
  /**
   * End each Adam stage with its lowest-loss parameters when the objective is fixed (no
   * resampling, no strategy state); default true. Adam at a fixed learning rate keeps
   * jumping around the minimum, so the last iterate is one random draw of those jumps.
   */
  keepBest?: boolean;
}

export interface StageReport {
  optimizer: 'adam' | 'lbfgs';
  iterations: number;
  seconds: number;
  msPerIteration: number;
  /** L-BFGS: loss+gradient evaluations (1 per iteration plus the line search's extra). */
  evaluations?: number;
  stopReason?: string;
  /** Adam: the stage ended with the parameters of this iteration, of the lowest loss (see TrainOptions.keepBest). */
  best?: { iteration: number; loss: number; lastLoss: number };
}

export interface TrainResult {
  iterations: number;
  seconds: number;
  history: LossHistory;
  stages: StageReport[];
  finalLoss: { total: number; parts: Record<string, number> };
  /** Strategy values (weights, mu, rounds) at each record, as extra loss.csv columns. */
  extra: { names: string[]; values: number[][] };
}

/**
 * Everything the training loop carries at an iteration boundary besides the
 * loss history (which only grows; a state records how much of it was there).
 * Plain data, so it serializes into a checkpoint and restores exactly.
 */
export interface TrainState {
  /** Iterations completed over all stages. */
  done: number;
  /** Current stage, and iterations completed within it. */
  stage: number;
  k: number;
  /** Trainable variables' current values, in trainableVariables order. */
  weights: Float32Array[];
  /** Adam moments of the current stage (absent between stages and in L-BFGS stages). */
  adam?: { step: number; m: Float32Array[]; v: Float32Array[] };
  /** L-BFGS state inside an L-BFGS stage. */
  lbfgs?: LbfgsState;
  /** Inside an L-BFGS stage with outer rounds: stage iterations and evaluations before the current inner solve. */
  lbfgsSegment?: { start: number; evaluations: number };
  /** Lowest-loss parameters of the current Adam stage so far (keepBest). */
  best?: { loss: number; done: number; weights: Float32Array[] };
  strategy?: unknown;
  lastTotal: number;
  lastParts: Record<string, number>;
  /** Recent accepted losses (blow-up detection). */
  recent: number[];
  historyLength: number;
  loggedLength: number;
  stagesLength: number;
  /** Training seconds before this stage and within it (reporting only). */
  seconds: number;
  stageSeconds: number;
}

/** What a checkpoint holds of the trainer: the state, the rollback target and the loss history. */
export interface TrainCheckpoint {
  state: TrainState;
  /** Last known-good snapshot (the rollback target), if any. */
  good?: TrainState;
  history: LossHistory;
  logged: Record<string, number>[];
  stages: StageReport[];
  /** Calls to opts.resample so far (a resumed run replays the sampler this many times). */
  resamples: number;
  lrScale: number;
  rollbacks: number;
  firstLoss: number;
}

/** An iteration boundary: where a driver may checkpoint, pause or stop. */
export interface Boundary {
  done: number;
  totalIterations: number;
  capture(): TrainCheckpoint;
}

/** Training diverged beyond what rolling back could fix, or the result is not finite. */
export class DivergenceError extends Error {}

export const GUARD_DEFAULTS = { snapshotEvery: 100, maxRollbacks: 5, blowUp: 1e3, window: 100 };

export type TrainOutput = TrainResult & { batches: TrainingBatch[]; resamples: number };

/** Trains `model` in place; `batches` may be replaced on resampling (returned in result order of use). */
export function train(problem: Problem, model: Model, strategy: Strategy, initial: TrainingBatch[], opts: TrainOptions): TrainOutput {
  const steps = trainSteps(problem, model, strategy, initial, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The training loop as a generator: yields a Boundary before each iteration
 * (Adam) and after each accepted iteration (L-BFGS), so a driver can save a
 * checkpoint or stop there; nothing it does at a boundary changes the result.
 *
 * Divergence guard (Adam): a loss that is not finite, or that exceeds
 * `blowUp` times the smallest of the recent losses (and the first loss), rolls
 * the state back to the last snapshot (taken every `snapshotEvery` iterations
 * and at stage starts, kept once the next loss is fine), halves the learning
 * rate for the rest of the run, at most `maxRollbacks` times; then it throws.
 */
export function* trainSteps(problem: Problem, model: Model, strategy: Strategy, initial: TrainingBatch[], opts: TrainOptions): Generator<Boundary, TrainOutput, void> {
  let batches = initial;
  const vars = trainableVariables(model);
  const include = (t: Term) => !strategy.exactTerms.has(t);
  const partNames = [...new Set(problem.terms.filter(include).map((t) => GROUPS[t.kind]))];
  const totalIterations = opts.stages.reduce((s, st) => s + st.iterations, 0);
  const guard = { ...GUARD_DEFAULTS, ...opts.guard };
  const r = opts.resume;
  const history: LossHistory = r ? r.history : { parts: partNames, iterations: [], total: [], values: partNames.map(() => []) };
  const logged: Record<string, number>[] = r ? r.logged : [];
  const stages: StageReport[] = r ? r.stages : [];
  let resamples = r?.resamples ?? 0;
  let lrScale = r?.lrScale ?? 1;
  let rollbacks = r?.rollbacks ?? 0;
  let firstLoss = r?.firstLoss ?? NaN;
  let good: TrainState | undefined = r?.good;
  let candidate: TrainState | undefined;
  // keepBest: only for a fixed objective (losses at different iterations are comparable).
  const state0 = strategy.getState?.();
  const fixedObjective = !(opts.resampleEvery > 0 && opts.resample)
    && (state0 === undefined || (typeof state0 === 'object' && state0 !== null && Object.keys(state0).length === 0));
  const keepBest = (opts.keepBest ?? true) && fixedObjective;
  let best: { loss: number; done: number; weights: tf.Tensor[] } | undefined;
  const dropBest = () => { if (best) tf.dispose(best.weights); best = undefined; };

  let done = 0;
  let stage = 0;
  let k = 0;
  let adam: AdamState | undefined;
  let lbState: LbfgsState | undefined;
  let lbRun: Generator<LbfgsState, LbfgsResult, void> | undefined;
  /** L-BFGS stages with outer rounds run as inner solves; the current one started after `start` stage iterations. */
  let segment = { start: 0, evaluations: 0 };
  let lastParts: Record<string, number> = {};
  let lastTotal = NaN;
  let recent: number[] = [];
  let secondsBefore = 0;
  let stageSecondsBefore = 0;
  let started = performance.now();
  let stageStarted = started;
  let doneAtStart = 0;

  /** Loss and gradients; parts read back only when `readParts`. With a shard worker, the average of both halves. */
  const lossAndGrads = (readParts: boolean) => {
    const local = () => evaluateLoss(problem, model, strategy, batches, vars, readParts, include);
    return opts.parallel ? evaluateWithWorker(opts.parallel, vars, readParts, local) : local();
  };

  const record = (iteration: number, total: number, parts: Record<string, number>) => {
    history.iterations.push(iteration);
    history.total.push(total);
    partNames.forEach((p, i) => history.values[i]!.push(parts[p] ?? NaN));
    logged.push(strategy.logValues());
  };

  const report = (si: number, optimizer: 'adam' | 'lbfgs') => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = (done - doneAtStart) / Math.max(elapsed, 1e-9);
    opts.onProgress?.({
      stage: si, stages: opts.stages.length, optimizer, iteration: done, totalIterations,
      loss: lastTotal, parts: lastParts, iterationsPerSecond: rate, etaSeconds: (totalIterations - done) / Math.max(rate, 1e-9),
    });
  };

  const snapshot = (withLbfgs: boolean): TrainState => ({
    done, stage, k,
    weights: vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    adam: adam ? { step: adam.step, m: adam.m.map((t) => Float32Array.from(t.dataSync() as Float32Array)), v: adam.v.map((t) => Float32Array.from(t.dataSync() as Float32Array)) } : undefined,
    lbfgs: withLbfgs && lbState ? copyLbfgs(lbState) : undefined,
    lbfgsSegment: { ...segment },
    best: best ? { loss: best.loss, done: best.done, weights: best.weights.map((t) => Float32Array.from(t.dataSync() as Float32Array)) } : undefined,
    strategy: strategy.getState?.(),
    lastTotal, lastParts: { ...lastParts }, recent: [...recent],
    historyLength: history.total.length, loggedLength: logged.length, stagesLength: stages.length,
    seconds: secondsBefore + (performance.now() - started) / 1000,
    stageSeconds: stageSecondsBefore + (performance.now() - stageStarted) / 1000,
  });

  const restore = (s: TrainState) => {
    done = s.done; stage = s.stage; k = s.k;
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(s.weights[i]!, v.shape))));
    if (adam) { disposeAdamState(adam); adam = undefined; }
    if (s.adam) {
      adam = createAdamState(vars);
      adam.step = s.adam.step;
      adam.m.forEach((t, i) => tf.tidy(() => t.assign(tf.tensor(s.adam!.m[i]!, t.shape))));
      adam.v.forEach((t, i) => tf.tidy(() => t.assign(tf.tensor(s.adam!.v[i]!, t.shape))));
    }
    lbState = s.lbfgs ? copyLbfgs(s.lbfgs) : undefined;
    lbRun = undefined;
    segment = s.lbfgsSegment ? { ...s.lbfgsSegment } : { start: 0, evaluations: 0 };
    dropBest();
    if (s.best) best = { loss: s.best.loss, done: s.best.done, weights: s.best.weights.map((w, i) => tf.keep(tf.tensor(w, vars[i]!.shape))) };
    if (s.strategy !== undefined) strategy.setState?.(s.strategy);
    lastTotal = s.lastTotal; lastParts = { ...s.lastParts }; recent = [...s.recent];
    history.iterations.length = s.historyLength;
    history.total.length = s.historyLength;
    history.values.forEach((v) => { v.length = s.historyLength; });
    logged.length = s.loggedLength;
    stages.length = s.stagesLength;
  };

  if (r) {
    restore(r.state);
    secondsBefore = r.state.seconds - r.state.stageSeconds;
    stageSecondsBefore = r.state.stageSeconds;
    doneAtStart = done;
  }

  const boundary = (): Boundary => ({
    done, totalIterations,
    capture: () => ({
      state: snapshot(true), good, history: copyHistory(history), logged: logged.map((x) => ({ ...x })), stages: stages.map((x) => ({ ...x })),
      resamples, lrScale, rollbacks, firstLoss,
    }),
  });

  const maybeResample = () => {
    if (opts.resampleEvery > 0 && opts.resample && done > 0 && done % opts.resampleEvery === 0) { batches = opts.resample(); resamples++; }
  };

  const endStage = (rep: StageReport) => {
    stages.push({ ...rep, seconds: stageSecondsBefore + rep.seconds, msPerIteration: rep.iterations > 0 ? ((stageSecondsBefore + rep.seconds) * 1000) / rep.iterations : 0 });
    stageSecondsBefore = 0;
    stageStarted = performance.now();
    stage++;
    k = 0;
  };

  /** A loss that calls for a rollback: why, or undefined when fine. */
  const badLoss = (f: number): string | undefined => {
    if (!Number.isFinite(f)) return `the loss became ${f}`;
    if (recent.length === 0) return undefined;
    const best = Math.min(...recent);
    if (f > guard.blowUp * best && !(f <= firstLoss)) return `the loss blew up to ${f.toExponential(3)} (best recent ${best.toExponential(3)})`;
    return undefined;
  };

  try {
    while (stage < opts.stages.length) {
      const st = opts.stages[stage]!;
      if (st.optimizer === 'adam') {
        if (k >= st.iterations) {
          if (adam) { disposeAdamState(adam); adam = undefined; }
          const rep = stageReport('adam', k, stageStarted);
          if (best) {
            // The last update's parameters were never evaluated: compare them with the best.
            const last = tf.tidy(() => lossAndGrads(true));
            const lastLoss = last.value.dataSync()[0]!;
            last.value.dispose();
            tf.dispose(last.grads);
            if (best.loss < lastLoss || !Number.isFinite(lastLoss)) {
              const b = best;
              vars.forEach((v, i) => v.assign(b.weights[i]!));
              lastTotal = b.loss;
              tf.tidy(() => { const { parts } = lossAndGrads(true); lastParts = parts!; });
              rep.best = { iteration: b.done, loss: b.loss, lastLoss };
            } else {
              lastTotal = lastLoss;
              lastParts = last.parts!;
            }
            record(done, lastTotal, lastParts);
            dropBest();
          }
          endStage(rep);
          continue;
        }
        yield boundary();
        if (k === 0 && !adam) adam = createAdamState(vars);
        if (k === 0 || done % guard.snapshotEvery === 0) candidate = snapshot(false);
        maybeResample();
        const recordNow = done % opts.recordEvery === 0 || k === st.iterations - 1;
        const lr = stageLearningRate(st, k) * lrScale;
        const bad = tf.tidy(() => {
          const { value, grads, parts } = lossAndGrads(recordNow);
          const f = value.dataSync()[0]!;
          const why = badLoss(f);
          if (why) return why;
          lastTotal = f;
          if (!(firstLoss === firstLoss)) firstLoss = f;
          if (keepBest && (!best || f < best.loss)) {
            dropBest();
            best = { loss: f, done, weights: vars.map((v) => tf.keep(tf.clone(v))) };
          }
          adamUpdate(adam!, vars, grads, { lr, ...ADAM_DEFAULTS });
          if (parts) { lastParts = parts; record(done, lastTotal, parts); }
          return undefined;
        });
        if (bad) {
          const at = `at iteration ${done + 1} (stage ${stage + 1}, adam, lr ${lr.toPrecision(3)})`;
          candidate = undefined;
          if (!good) {
            throw new DivergenceError(`training diverged: ${bad} ${at}, before any good state to roll back to. ` +
              'Try a smaller learning rate (training.stages[].lr, e.g. 1.0e-3), smaller condition weights, or check that the equations and their coefficients are well scaled.');
          }
          if (rollbacks >= guard.maxRollbacks) {
            throw new DivergenceError(`training diverged: ${bad} ${at}; rolled back ${rollbacks} times, halving the learning rate each time ` +
              `(from ${(st.lr).toPrecision(3)} to ${lr.toPrecision(3)}), and it still diverges. No fields were written. ` +
              'Try a smaller learning rate (training.stages[].lr, e.g. 1.0e-3), smaller condition weights or fewer Fourier features, or check that the equations and their coefficients are well scaled.');
          }
          rollbacks++;
          lrScale *= 0.5;
          opts.onRollback?.({ reason: `${bad} ${at}`, toIteration: good.done, lr: stageLearningRate(st, k) * lrScale, rollbacks });
          restore(good);
          continue;
        }
        if (candidate) { good = candidate; candidate = undefined; }
        recent.push(lastTotal);
        if (recent.length > guard.window) recent.shift();
        done++;
        k++;
        strategy.afterIteration?.({ iteration: done, vars, residuals: () => computeResiduals(problem, model, batches, include) });
        if (recordNow) report(stage, 'adam');
      } else {
        if (adam) { disposeAdamState(adam); adam = undefined; }
        const si = stage;
        if (!lbRun) {
          const objective = (theta: Float64Array) => {
            setFlat(vars, theta);
            let f = NaN;
            let g: Float64Array<ArrayBufferLike> = new Float64Array(0);
            tf.tidy(() => {
              const { value, grads } = lossAndGrads(false);
              f = value.dataSync()[0]!;
              g = flat64(grads);
            });
            return { f, g };
          };
          // With outer rounds (augmented Lagrangian, barrier) the stage is a series of inner solves.
          const left = st.iterations - segment.start;
          const untilRound = strategy.roundEvery?.();
          lbRun = lbfgsSteps(objective, flat64(vars), {
            iterations: untilRound ? Math.min(untilRound, left) : left,
            history: 50,
            lr: st.lr,
            onIteration: ({ f }) => {
              lastTotal = f;
              done++;
              if (done % opts.recordEvery === 0) {
                tf.tidy(() => { const { parts } = lossAndGrads(true); lastParts = parts!; });
                record(done, f, lastParts);
                report(si, 'lbfgs');
              }
            },
          }, lbState);
        }
        const step = lbRun.next();
        if (!step.done) {
          lbState = step.value;
          k = segment.start + step.value.iteration;
          yield boundary();
          continue;
        }
        const result = step.value;
        lbRun = undefined;
        lbState = undefined;
        if (result.iterations === 0 && !Number.isFinite(result.f)) {
          throw new DivergenceError(`training diverged: the loss is ${result.f} at the start of stage ${si + 1} (lbfgs). No fields were written. ` +
            'Try a smaller learning rate in the stages before it, or check that the equations and their coefficients are well scaled.');
        }
        setFlat(vars, result.theta);
        lastTotal = result.f;
        segment = { start: segment.start + result.iterations, evaluations: segment.evaluations + result.evaluations };
        // An outer round changes the objective, so the next inner solve starts with an empty memory;
        // an inner solve that cannot move at all ends the stage.
        if (strategy.outerRound && strategy.roundEvery?.() !== undefined && result.iterations > 0 && segment.start < st.iterations) {
          strategy.outerRound({ iteration: done, vars, residuals: () => computeResiduals(problem, model, batches, include) }, result.iterations, result.stopReason !== 'iteration-limit');
          k = segment.start;
          // A boundary between inner solves (checkpoints, stops): a resume starts the next solve afresh, as here.
          yield boundary();
          continue;
        }
        // L-BFGS may stop early; the remaining budget is not spent elsewhere.
        const rep = stageReport('lbfgs', segment.start, stageStarted);
        tf.tidy(() => { const { parts } = lossAndGrads(true); lastParts = parts!; });
        record(done, lastTotal, lastParts);
        report(si, 'lbfgs');
        endStage({ ...rep, evaluations: segment.evaluations, stopReason: stopReasonText(result.stopReason) });
        segment = { start: 0, evaluations: 0 };
      }
    }
  } finally {
    if (adam) disposeAdamState(adam);
    dropBest();
  }
  return {
    iterations: done,
    seconds: secondsBefore + (performance.now() - started) / 1000,
    history,
    stages,
    finalLoss: { total: lastTotal, parts: lastParts },
    extra: extraColumns(logged),
    batches,
    resamples,
  };
}

function copyLbfgs(s: LbfgsState): LbfgsState {
  return {
    theta: Float64Array.from(s.theta), f: s.f, g: Float64Array.from(s.g),
    S: s.S.map((x) => Float64Array.from(x)), Y: s.Y.map((x) => Float64Array.from(x)), RHO: [...s.RHO],
    iteration: s.iteration, evaluations: s.evaluations,
  };
}

function copyHistory(h: LossHistory): LossHistory {
  return { parts: [...h.parts], iterations: [...h.iterations], total: [...h.total], values: h.values.map((v) => [...v]) };
}

function extraColumns(logged: Record<string, number>[]): TrainResult['extra'] {
  const names = [...new Set(logged.flatMap((r) => Object.keys(r)))];
  return { names, values: names.map((n) => logged.map((r) => r[n] ?? NaN)) };
}

function stageReport(optimizer: 'adam' | 'lbfgs', iterations: number, t0: number): StageReport {
  const seconds = (performance.now() - t0) / 1000;
  return { optimizer, iterations, seconds, msPerIteration: iterations > 0 ? (seconds * 1000) / iterations : 0 };
}

/** Adam's learning rate at iteration k of a stage: lr, decaying geometrically to lr_final at the last iteration. */
export function stageLearningRate(st: StageSpec, k: number): number {
  if (st.lrFinal === undefined || st.iterations <= 1) return st.lr;
  return st.lr * (st.lrFinal / st.lr) ** (Math.min(k, st.iterations - 1) / (st.iterations - 1));
}
