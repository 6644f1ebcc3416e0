/**
 * A run's training batches and the thread plan behind them: all the points on
 * this thread, with the network passes shared with the kernels' helper thread
 * (kernels/threads.ts) or not, or this thread's half with the other half sent
 * to a worker thread (trainer/parallel.ts). Resampling replaces the batches
 * with ones of freshly drawn points, split the same way.
 */
import { availableParallelism } from 'node:os';
import { estimateCost, type PointGroup } from '../problem/index.js';
import { GROUPS } from '../strategies/index.js';
import { kernelPathRefusal, parameterCount, trainableVariables, type Model } from '../model/index.js';
import { setKernelThreads } from '../kernels/index.js';
import { tensorsOnThisThread } from '../backend/index.js';
import { parallelPlan, ShardWorker, splitGroups } from '../trainer/index.js';
import { disposeBatches, prepareBatches, type TrainingBatch } from '../residuals/index.js';
import type { PreparedRun } from './prepare.js';

export class BatchSource {
  /** One or two threads; drops to one when the worker does not start. */
  private plan: { workers: 1 | 2; reason?: string };
  /** Whether the network passes run on two threads (the kernels' helper thread) while this thread holds all the points. */
  private sharedPasses = false;
  private workerFailed = false;
  /** The second thread, once started. */
  worker: ShardWorker | undefined;
  /** The batches in use (the trainer holds the same ones). */
  batches: TrainingBatch[];

  constructor(
    private readonly run: PreparedRun,
    private readonly backend: string,
    private readonly requestedWorkers: number | 'auto',
    /** Why the run must stay on one thread (its notes say so elsewhere), if it must. */
    oneThread?: string,
  ) {
    if (sharesPasses(requestedWorkers, backend, run.model, hasGramian(run))) {
      const refused = setKernelThreads(2);
      this.plan = refused ? { workers: 1, reason: `training on one thread: ${refused}` } : { workers: 1 };
      this.sharedPasses = !refused;
      this.workerFailed = !!refused;
    } else
      this.plan = oneThread
        ? { workers: 1, reason: `training on one thread: ${oneThread}` }
        : shardPlan(run, backend, requestedWorkers);
    this.batches = this.toBatches(run.drawn);
  }

  /** Disposes the batches in use and makes new ones of freshly drawn points. */
  resample(): TrainingBatch[] {
    disposeBatches(this.batches);
    this.batches = this.toBatches(this.run.draw());
    return this.batches;
  }

  /** The run's note on its threads: two, or why one when two were asked for or the worker failed. */
  threadNotes(): string[] {
    if (this.sharedPasses) return ['training on two threads (they share each network pass: kernels/threads.ts)'];
    if (this.plan.workers === 2) return ['training on two threads (each evaluates half of every point set)'];
    return this.plan.reason && (this.requestedWorkers === 2 || this.workerFailed) ? [this.plan.reason] : [];
  }

  /** Stops the worker thread, if any. */
  close(): void {
    this.worker?.close();
    if (this.sharedPasses) setKernelThreads(1);
  }

  /** Frees the batches in use (a run that did not finish training). */
  dispose(): void {
    disposeBatches(this.batches);
  }

  /** Training batches of freshly drawn points: all of them, or this thread's half with the other half sent to the worker. */
  private toBatches(groups: PointGroup[]): TrainingBatch[] {
    const { problem } = this.run;
    if (this.plan.workers === 1) return prepareBatches(problem, groups);
    const [mine, theirs] = splitGroups(groups, problem.variables.length, problem.dim);
    if (this.worker) this.worker.setPoints(theirs);
    else {
      try {
        this.worker = this.startWorker(theirs);
      } catch (err) {
        // A worker that cannot start (e.g. in a single-file bundle) only costs speed.
        this.plan = {
          workers: 1,
          reason: `training on one thread: the worker thread did not start (${(err as Error).message})`,
        };
        this.workerFailed = true;
        return prepareBatches(problem, groups);
      }
    }
    return prepareBatches(
      problem,
      mine.map((s) => s.group),
    ).map((b, k) => ({ ...b, scale: mine[k]!.scale }));
  }

  /** A worker rebuilding the same problem from the spec and its overrides, holding the other half of the points. */
  private startWorker(theirs: ReturnType<typeof splitGroups>[1]): ShardWorker {
    const { request, model, trained } = this.run;
    return new ShardWorker(
      {
        specFile: request.specFile,
        sets: request.sets,
        strategy: request.strategy,
        seed: request.seed,
        backend: this.backend,
        parameters: trainableVariables(model).reduce((n, v) => n + v.size, 0),
        parts: [...new Set(trained.map((t) => GROUPS[t.kind]))],
      },
      theirs,
    );
  }
}

/**
 * One thread or two each evaluating half the points. Causal weights, barrier weights and
 * multipliers are state of this thread's strategy: a worker would weigh its half differently. Each
 * trained term's mode counts, not only the strategies named (hard holds inequalities with the
 * barrier).
 */
function shardPlan(run: PreparedRun, backend: string, requested: number | 'auto'): { workers: 1 | 2; reason?: string } {
  const { spec, problem, trained } = run;
  return parallelPlan(
    requested,
    [
      spec.constraints.strategy,
      ...trained.map((t) => run.strategy.imposed?.(t) ?? t.strategy ?? spec.constraints.strategy),
      ...(spec.training.causal && problem.time ? ['causal weighting'] : []),
    ],
    backend,
    run.drawn,
    problem.variables.length,
    availableParallelism(),
    estimateCost(problem).flopsPerIteration + gramianFlops(run),
  );
}

/**
 * Whether the network passes share two threads (all points on this thread, our kernels' helper
 * thread taking chunks of each pass) rather than two threads each evaluating half the points: when
 * two threads are asked for or 'auto', the backend's tensors live in this thread, our kernels run
 * the network, and no Levenberg-Marquardt stage builds a Gauss-Newton matrix (that stage runs the
 * jet engine, which the helper does not share, and dominates the run's time). Only the kernels
 * split: tfjs's ~70 small ops of a step, which each half-points thread paid in full, run once,
 * and the helper balances the load chunk by chunk.
 */
function sharesPasses(requested: number | 'auto', backend: string, model: Model, gramian: boolean): boolean {
  return (
    requested !== 1 &&
    availableParallelism() >= 2 &&
    tensorsOnThisThread(backend) &&
    kernelPathRefusal(model) === undefined &&
    !gramian
  );
}

function hasGramian(run: PreparedRun): boolean {
  return run.spec.training.stages.some((s) => s.optimizer === 'levenberg-marquardt');
}

/**
 * Flops of one Levenberg-Marquardt Gauss-Newton matrix (residual rows x weights^2) when a stage
 * builds one: the work two threads split, each summing the rows of its half of the points.
 */
function gramianFlops(run: PreparedRun): number {
  if (!hasGramian(run)) return 0;
  const nVars = run.problem.variables.length;
  const rows = run.drawn.reduce((sum, g) => {
    const components = g.terms.reduce((c, t) => c + t.residuals.length, 0);
    return sum + (g.points.length / nVars) * components;
  }, 0);
  return rows * parameterCount(run.model.net) ** 2;
}
