/**
 * Everything a solve needs before training: the resolved spec, the problem,
 * the run folder, the strategy, the checkpoint to resume from, the model and
 * the point samplers with their first draw.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecWithFlags, SpecError, type Spec } from '../spec/index.js';
import {
  buildProblem,
  groupTerms,
  makeSampler,
  samplePoints,
  shuffledRows,
  type PointGroup,
  type Problem,
  type Term,
} from '../problem/index.js';
import { createRng, type Rng } from '../util/index.js';
import { createStrategy, type Strategy } from '../strategies/index.js';
import { createModel, disposeModel, type Model } from '../model/index.js';
import { ResumeError, readCheckpoint, specHash, type Checkpoint } from './checkpoint.js';

/** What a run is made of: the spec file with its overrides, and where it goes. */
export interface RunRequest {
  specFile: string;
  outDir?: string;
  sets: string[];
  strategy?: string;
  iterations?: number;
  seed?: number;
  /** Continue from RUN/checkpoint (refused when the spec changed or there is none). */
  resume?: boolean;
}

export interface PreparedRun {
  request: RunRequest;
  spec: Spec;
  problem: Problem;
  outDir: string;
  strategy: Strategy;
  /** specHash of the run, stored in its checkpoints. */
  hash: string;
  resumed?: Checkpoint;
  seed: number;
  /** The generators of the point draws, whose states a checkpoint saves. */
  rng: Rng;
  timeRng: Rng;
  model: Model;
  /** The terms the loss trains (those the strategy does not impose exactly). */
  trained: Term[];
  /** The points of the first draw (or, resumed, of the draw in use when the checkpoint was taken). */
  drawn: PointGroup[];
  /** Points per point-set kind in a draw. */
  points: Record<string, number>;
  /** Draws fresh points for the trained terms. */
  draw(): PointGroup[];
}

/** Caps the total iterations at `cap`, taking stages in order. */
function capStages(spec: Spec, cap: number): void {
  let left = cap;
  spec.training.stages = spec.training.stages
    .map((s) => {
      const n = Math.min(s.iterations, left);
      left -= n;
      return { ...s, iterations: n };
    })
    .filter((s) => s.iterations > 0);
}

/** What a run is, checked before any backend starts: a bad spec is reported before a backend is probed. */
export interface RunPlan {
  spec: Spec;
  problem: Problem;
  outDir: string;
  strategy: Strategy;
  /** specHash of the run, stored in its checkpoints. */
  hash: string;
  resumed?: Checkpoint;
}

/** Loads and checks the spec, the strategy and the checkpoint to resume from; throws SpecError or ResumeError. Allocates no tensor. */
export function planRun(request: RunRequest): RunPlan {
  const spec = loadSpecWithFlags(request.specFile, request.sets, { strategy: request.strategy, seed: request.seed });
  if (request.iterations !== undefined) capStages(spec, request.iterations);
  const problem = buildProblem(spec);
  const outDir = request.outDir ?? join('runs', spec.name);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SpecError([
      {
        loc: { file: outDir, line: 1, col: 1 },
        message: 'the output path exists and is not a folder; expected a folder for the run',
      },
    ]);
  }
  const strategy = createStrategy(spec.constraints.strategy, problem);
  const hash = specHash(spec, problem, strategy.notes);
  const resumed = request.resume ? readCheckpoint(outDir, hash, request.specFile) : undefined;
  return { spec, problem, outDir, strategy, hash, resumed };
}

/** Loads and checks everything of a run (`plan`, when given, is planRun(request)); throws SpecError or ResumeError before anything is written. */
export function prepareRun(request: RunRequest, plan: RunPlan = planRun(request)): PreparedRun {
  const { spec, problem, outDir, strategy, hash, resumed } = plan;
  const seed = spec.training.seed;
  const rng = createRng(seed);
  const sampler = makeSampler(spec.training.sampling, rng);
  const timeRng = createRng(seed + 0x9e3779b9);
  const timeSampler = shuffledRows(makeSampler(spec.training.sampling, timeRng), timeRng);
  const model = createModel(problem, rng, strategy.transforms);
  const trained = problem.terms.filter((t) => !strategy.exactTerms.has(t));
  const draw = () => samplePoints(problem, groupTerms(trained), spec.training.points, sampler, timeSampler);
  // A resumed run replays the point draws from the seed (the samplers' positions follow), then checks the generators.
  let drawn = draw();
  for (let i = 0; i < (resumed?.train.resamples ?? 0); i++) drawn = draw();
  if (
    resumed &&
    (String(rng.getState()) !== String(resumed.rng) || String(timeRng.getState()) !== String(resumed.time_rng))
  ) {
    disposeModel(model);
    throw new ResumeError(
      `the checkpoint in ${outDir} does not match this run's random streams after replaying its ${resumed.train.resamples} point draws ` +
        '(was it written by another pinn version?); run without --resume to start afresh',
    );
  }
  const points: Record<string, number> = {};
  for (const g of drawn) points[g.set.kind] = (points[g.set.kind] ?? 0) + g.points.length / problem.variables.length;
  return {
    request,
    spec,
    problem,
    outDir,
    strategy,
    hash,
    resumed,
    seed,
    rng,
    timeRng,
    model,
    trained,
    drawn,
    points,
    draw,
  };
}
