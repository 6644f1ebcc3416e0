/**
 * Data-parallel loss evaluation on a second core. The wasm backend runs on
 * one thread in Node, so a worker thread holding a replica of the problem and
 * model evaluates half of every point set while the main thread does the
 * other half; the two losses and gradients are averaged.
 *
 * The main thread waits on shared memory (Atomics.wait), so the training loop
 * and L-BFGS stay synchronous; the worker waits on it too, for the next command,
 * and takes the command's message off its port itself (receiveMessageOnPort):
 * waking it through its event loop took 0.35-0.7 ms per evaluation. Each shard
 * scales its residuals by sqrt(2 n_shard / n_total), which makes the average of
 * the two shard losses equal the full-batch loss exactly for strategies whose
 * loss is a weighted sum of mean squares (penalty, hard, reparam).
 */
import { receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { tensorsOnThisThread } from '../backend/index.js';
import { isPaired, type PointGroup } from '../problem/index.js';
import { readSharedText, writeSharedText } from '../util/index.js';
import type { GaussNewtonSystem } from './jacobian.js';

/** How a worker rebuilds the same problem: the spec, its overrides and the backend. */
export interface ReplicaSetup {
  specFile: string;
  sets: string[];
  strategy?: string;
  seed?: number;
  backend: string;
  parameters: number;
  parts: string[];
}

/** A point group's rows for one shard plus the residual scale that keeps means exact. */
export interface Shard {
  group: PointGroup;
  scale: number;
}

const STATUS = 0;
/** Counts the commands posted: the worker sleeps on it between commands. */
const SIGNAL = 1;
const ERROR_BYTES = 4096;
const DONE = 1;
const FAILED = 2;
const WAIT_MS = 600_000;

/**
 * Splits every group into two halves of its rows, with their residual scales.
 * Periodic groups hold n low-side rows then n high-side rows: each half keeps
 * matching rows of both sides.
 */
export function splitGroups(groups: PointGroup[], nVars: number, dim: number): [Shard[], Shard[]] {
  const a: Shard[] = [];
  const b: Shard[] = [];
  for (const g of groups) {
    const rows = g.points.length / nVars;
    const paired = isPaired(g.set);
    const n = paired ? rows / 2 : rows;
    const half = Math.ceil(n / 2);
    const take = (src: Float64Array | undefined, width: number, from: number, to: number) => {
      if (!src) return undefined;
      const lo = src.slice(from * width, to * width);
      if (!paired) return lo;
      const out = new Float64Array(2 * lo.length);
      out.set(lo);
      out.set(src.slice((n + from) * width, (n + to) * width), lo.length);
      return out;
    };
    const part = (from: number, to: number): Shard => ({
      group: {
        ...g,
        points: take(g.points, nVars, from, to)!,
        normals: take(g.normals, dim, from, to),
        values: g.set.kind === 'data' ? take(g.values, g.set.columns.length, from, to) : undefined,
        sigma: g.set.kind === 'data' ? take(g.sigma, g.set.columns.length, from, to) : undefined,
      },
      scale: Math.sqrt((2 * (to - from)) / n),
    });
    a.push(part(0, half));
    b.push(part(half, n));
  }
  return [a, b];
}

interface ShardResult {
  f: number;
  grads: Float32Array;
  parts: Record<string, number>;
}

/**
 * The worker side as seen from the main thread: start an evaluation, do other
 * work, then wait for its loss and gradient.
 */
export class ShardWorker {
  private readonly worker: Worker;
  private readonly status: Int32Array;
  private readonly values: Float32Array;
  private readonly errorText: Uint8Array;
  private readonly parameters: number;
  private readonly parts: string[];
  /** Where the worker writes its Gauss-Newton system (allocated on first use). */
  private system: SharedArrayBuffer | undefined;

  constructor(setup: ReplicaSetup, shards: Shard[]) {
    this.parameters = setup.parameters;
    this.parts = setup.parts;
    const valuesBytes = 4 * (1 + setup.parameters + setup.parts.length);
    const shared = new SharedArrayBuffer(8 + ERROR_BYTES + valuesBytes);
    this.status = new Int32Array(shared, 0, 2);
    this.errorText = new Uint8Array(shared, 8, ERROR_BYTES);
    this.values = new Float32Array(shared, 8 + ERROR_BYTES, 1 + setup.parameters + setup.parts.length);
    this.worker = new Worker(new URL('./shard-worker.js', import.meta.url), {
      workerData: { setup, shared, shards: shards.map(serializeShard) },
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.await('starting the worker');
  }

  /** Replaces the worker's points (after resampling). */
  setPoints(shards: Shard[]): void {
    this.post({ kind: 'points', shards: shards.map(serializeShard) });
    this.await('sending points');
  }

  /** Starts building the Gauss-Newton system of the worker's half at parameters `theta` (jacobian.ts). */
  startSystem(theta: Float32Array): void {
    const size = this.parameters;
    this.system ??= new SharedArrayBuffer(8 * (1 + size + size * size));
    this.post({ kind: 'system', theta, buffer: this.system });
  }

  /** Waits for the system started last: its loss, gradient and matrix (copies). */
  waitSystem(): GaussNewtonSystem {
    this.await('building the Gauss-Newton system');
    const size = this.parameters;
    const view = new Float64Array(this.system!);
    return {
      f: view[0]!,
      g: view.slice(1, 1 + size),
      gram: view.slice(1 + size, 1 + size + size * size),
      size,
    };
  }

  /** Starts evaluating loss and gradient at parameters `theta`. */
  start(theta: Float32Array, readParts: boolean): void {
    this.post({ kind: 'evaluate', theta, readParts });
  }

  /** Waits for the evaluation started last. */
  wait(): ShardResult {
    this.await('evaluating');
    const f = this.values[0]!;
    const grads = this.values.slice(1, 1 + this.parameters);
    const parts = Object.fromEntries(this.parts.map((p, k) => [p, this.values[1 + this.parameters + k]!]));
    return { f, grads, parts };
  }

  close(): void {
    void this.worker.terminate();
  }

  /** Sends a command: its message first, then the signal that wakes the worker to take it. */
  private post(command: WorkerCommand): void {
    Atomics.store(this.status, STATUS, 0);
    this.worker.postMessage(command);
    Atomics.add(this.status, SIGNAL, 1);
    Atomics.notify(this.status, SIGNAL);
  }

  private await(what: string): void {
    const r = Atomics.wait(this.status, STATUS, 0, WAIT_MS);
    if (r === 'timed-out') throw new Error(`parallel worker did not answer while ${what}`);
    if (Atomics.load(this.status, STATUS) === FAILED) {
      throw new Error(`parallel worker failed while ${what}: ${readSharedText(this.errorText)}`);
    }
  }
}

/** What the worker is asked to do (shard-worker.ts). */
export type WorkerCommand =
  | { kind: 'points'; shards: SerializedShard[] }
  | { kind: 'evaluate'; theta: Float32Array; readParts: boolean }
  | { kind: 'system'; theta: Float32Array; buffer: SharedArrayBuffer };

/** A shard as it travels to the worker. */
export type SerializedShard = ReturnType<typeof serializeShard>;

function serializeShard(s: Shard) {
  return {
    points: s.group.points,
    normals: s.group.normals,
    values: s.group.values,
    sigma: s.group.sigma,
    scale: s.scale,
  };
}

/** Worker-side helpers to report through the shared buffer. */
export function sharedViews(shared: SharedArrayBuffer, parameters: number, parts: number, port: MessagePort) {
  const status = new Int32Array(shared, 0, 2);
  const errorText = new Uint8Array(shared, 8, ERROR_BYTES);
  const values = new Float32Array(shared, 8 + ERROR_BYTES, 1 + parameters + parts);
  return {
    values,
    /** The next command, sleeping until one is posted. */
    next: (): WorkerCommand => {
      for (;;) {
        const seen = Atomics.load(status, SIGNAL);
        const received = receiveMessageOnPort(port);
        if (received) return received.message as WorkerCommand;
        Atomics.wait(status, SIGNAL, seen);
      }
    },
    done: () => {
      Atomics.store(status, STATUS, DONE);
      Atomics.notify(status, STATUS);
    },
    fail: (message: string) => {
      writeSharedText(errorText, message);
      Atomics.store(status, STATUS, FAILED);
      Atomics.notify(status, STATUS);
    },
  };
}

/** Strategies whose loss is a weighted sum of mean squares, which sharding keeps exact. */
const SHARDABLE = new Set(['penalty', 'hard', 'reparam']);
const MIN_ROWS_PER_SHARD = 32;
/**
 * Below this many matmul FLOPs per iteration, 'auto' stays on one thread: each
 * thread pays the full per-kernel overhead (~600 kernels a step), so only the
 * arithmetic halves. Measured on 2 cores (npm run bench): poisson-2d, 260 MFLOP,
 * 18.3 -> 15.0 ms; poisson-3d, 331 MFLOP, 23.6 -> 16.6 ms; heat-1d, 108 MFLOP,
 * 10.6 -> 12.6 ms (slower).
 */
const AUTO_MIN_FLOPS = 2e8;

/**
 * Whether to train on two threads: asked for (or 'auto' and the step is large
 * enough to pay), a second core, a CPU backend (one thread each), a strategy
 * sharding keeps exact, and enough points in every group. Returns the count
 * and, when 1, why.
 */
export function parallelPlan(
  requested: number | 'auto',
  strategies: string[],
  backend: string,
  groups: PointGroup[],
  nVars: number,
  cores: number,
  flopsPerIteration: number,
): { workers: 1 | 2; reason?: string } {
  if (requested === 1) return { workers: 1 };
  const why = (reason: string) => ({ workers: 1 as const, reason: `training on one thread: ${reason}` });
  if (requested === 'auto' && flopsPerIteration < AUTO_MIN_FLOPS) {
    return why(
      `the step is small (${(flopsPerIteration / 1e6).toFixed(0)} MFLOP; two threads pay from ${AUTO_MIN_FLOPS / 1e6})`,
    );
  }
  if (cores < 2) return why('this machine has one core');
  if (!tensorsOnThisThread(backend)) return why(`backend ${backend} runs its own parallel kernels`);
  const odd = strategies.find((s) => !SHARDABLE.has(s));
  if (odd) return why(`strategy ${odd} keeps state a worker would not share (weights, multipliers)`);
  const small = groups.find((g) => g.points.length / nVars / (isPaired(g.set) ? 2 : 1) < 2 * MIN_ROWS_PER_SHARD);
  if (small) return why(`a point set (${small.set.kind}) has fewer than ${2 * MIN_ROWS_PER_SHARD} points`);
  return { workers: 2 };
}
