/**
 * The training loop: stages of Adam and L-BFGS over one loss function, with
 * loss history, progress reports and optional resampling of collocation points.
 */
import * as tf from '@tensorflow/tfjs';
import type { Problem, Term } from '../problem/problem.js';
import { trainableVariables, type Model } from '../model/model.js';
import { GROUPS, type Strategy } from '../strategies/strategy.js';
import type { StageSpec } from '../spec/types.js';
import type { LossHistory } from '../outputs/table.js';
import { computeResiduals, type TrainingBatch } from './residuals.js';
import { ADAM_DEFAULTS, adamUpdate, createAdamState, disposeAdamState } from './adam.js';
import { lbfgs } from './lbfgs.js';

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
  onProgress?: (p: Progress) => void;
}

export interface StageReport {
  optimizer: 'adam' | 'lbfgs';
  iterations: number;
  seconds: number;
  msPerIteration: number;
  /** L-BFGS: loss+gradient evaluations (1 per iteration plus the line search's extra). */
  evaluations?: number;
  stopReason?: string;
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

/** Trains `model` in place; `batches` may be replaced on resampling (returned in result order of use). */
export function train(problem: Problem, model: Model, strategy: Strategy, initial: TrainingBatch[], opts: TrainOptions): TrainResult & { batches: TrainingBatch[] } {
  let batches = initial;
  const vars = trainableVariables(model);
  const include = (t: Term) => !strategy.exactTerms.has(t);
  const partNames = [...new Set(problem.terms.filter(include).map((t) => GROUPS[t.kind]))];
  const history: LossHistory = { parts: partNames, iterations: [], total: [], values: partNames.map(() => []) };
  const totalIterations = opts.stages.reduce((s, st) => s + st.iterations, 0);
  const started = performance.now();
  let done = 0;
  let lastParts: Record<string, number> = {};
  let lastTotal = NaN;
  const logged: Record<string, number>[] = [];

  /** Loss and gradients; parts read back only when `readParts`. */
  const lossAndGrads = (readParts: boolean) => {
    let parts: Record<string, number> | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const lp = strategy.loss(computeResiduals(problem, model, batches, include));
      if (readParts) parts = Object.fromEntries([...lp.parts].map(([k, v]) => [k, v.dataSync()[0]!]));
      return lp.total;
    }, vars);
    return { value, grads: vars.map((v) => grads[v.name]!), parts };
  };

  const record = (iteration: number, total: number, parts: Record<string, number>) => {
    history.iterations.push(iteration);
    history.total.push(total);
    partNames.forEach((p, k) => history.values[k]!.push(parts[p] ?? NaN));
    logged.push(strategy.logValues());
  };

  const report = (stage: number, optimizer: 'adam' | 'lbfgs') => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    opts.onProgress?.({
      stage, stages: opts.stages.length, optimizer, iteration: done, totalIterations,
      loss: lastTotal, parts: lastParts, iterationsPerSecond: rate, etaSeconds: (totalIterations - done) / Math.max(rate, 1e-9),
    });
  };

  const maybeResample = () => {
    if (opts.resampleEvery > 0 && opts.resample && done > 0 && done % opts.resampleEvery === 0) batches = opts.resample();
  };

  const stages: StageReport[] = [];
  opts.stages.forEach((stage, si) => {
    const t0 = performance.now();
    const startDone = done;
    if (stage.optimizer === 'adam') {
      const state = createAdamState(vars);
      for (let k = 0; k < stage.iterations; k++) {
        maybeResample();
        const recordNow = done % opts.recordEvery === 0 || k === stage.iterations - 1;
        tf.tidy(() => {
          const { value, grads, parts } = lossAndGrads(recordNow);
          lastTotal = value.dataSync()[0]!;
          adamUpdate(state, vars, grads, { lr: stage.lr, ...ADAM_DEFAULTS });
          if (parts) { lastParts = parts; record(done, lastTotal, parts); }
        });
        done++;
        strategy.afterIteration?.({ iteration: done, vars, residuals: () => computeResiduals(problem, model, batches, include) });
        if (recordNow) report(si, 'adam');
      }
      disposeAdamState(state);
      stages.push(stageReport('adam', done - startDone, t0));
    } else {
      const sizes = vars.map((v) => v.size);
      const objective = (theta: Float64Array) => {
        setFlat(vars, theta, sizes);
        let f = NaN;
        let g: Float64Array<ArrayBufferLike> = new Float64Array(0);
        tf.tidy(() => {
          const { value, grads } = lossAndGrads(false);
          f = value.dataSync()[0]!;
          g = flatten(grads);
        });
        return { f, g };
      };
      const result = lbfgs(objective, getFlat(vars), {
        iterations: stage.iterations,
        history: 50,
        lr: stage.lr,
        onIteration: ({ f }) => {
          lastTotal = f;
          done++;
          if (done % opts.recordEvery === 0) {
            tf.tidy(() => { const { parts } = lossAndGrads(true); lastParts = parts!; });
            record(done, f, lastParts);
            report(si, 'lbfgs');
          }
        },
      });
      setFlat(vars, result.theta, sizes);
      lastTotal = result.f;
      // L-BFGS may stop early; the remaining budget is not spent elsewhere.
      const rep = stageReport('lbfgs', result.iterations, t0);
      stages.push({ ...rep, evaluations: result.evaluations, stopReason: result.stopReason });
      tf.tidy(() => { const { parts } = lossAndGrads(true); lastParts = parts!; });
      record(done, lastTotal, lastParts);
      report(si, 'lbfgs');
    }
  });
  return {
    iterations: done,
    seconds: (performance.now() - started) / 1000,
    history,
    stages,
    finalLoss: { total: lastTotal, parts: lastParts },
    extra: extraColumns(logged),
    batches,
  };
}

function extraColumns(logged: Record<string, number>[]): TrainResult['extra'] {
  const names = [...new Set(logged.flatMap((r) => Object.keys(r)))];
  return { names, values: names.map((n) => logged.map((r) => r[n] ?? NaN)) };
}

function stageReport(optimizer: 'adam' | 'lbfgs', iterations: number, t0: number): StageReport {
  const seconds = (performance.now() - t0) / 1000;
  return { optimizer, iterations, seconds, msPerIteration: iterations > 0 ? (seconds * 1000) / iterations : 0 };
}

export function getFlat(vars: tf.Variable[]): Float64Array {
  const total = vars.reduce((s, v) => s + v.size, 0);
  const out = new Float64Array(total);
  let o = 0;
  for (const v of vars) { out.set(v.dataSync() as Float32Array, o); o += v.size; }
  return out;
}

export function setFlat(vars: tf.Variable[], theta: Float64Array, sizes: number[]): void {
  let o = 0;
  vars.forEach((v, i) => {
    const n = sizes[i]!;
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(theta.subarray(o, o + n)), v.shape)));
    o += n;
  });
}

function flatten(grads: tf.Tensor[]): Float64Array {
  const total = grads.reduce((s, g) => s + g.size, 0);
  const out = new Float64Array(total);
  let o = 0;
  for (const g of grads) { out.set(g.dataSync() as Float32Array, o); o += g.size; }
  return out;
}
