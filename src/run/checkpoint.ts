/**
 * Checkpoints of a run in progress: RUN/checkpoint/checkpoint.json, one file
 * written atomically (temporary name, fsync, rename), so a checkpoint is
 * always whole. It holds the trainer's state (weights, Adam moments and step,
 * L-BFGS history, strategy state, iteration and stage, loss history, the last
 * good snapshot for divergence rollbacks), the random generators' states and
 * how many times points were drawn (samplers are replayed from the seed on
 * resume, and the generators' states are checked against the saved ones),
 * and a hash of the resolved spec, so a changed spec is refused.
 *
 * Typed arrays are stored as base64 of their bytes and non-finite numbers as
 * tagged strings: the round trip is bit-exact.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/index.js';
import type { TrainCheckpoint } from '../trainer/index.js';
import type { Problem } from '../problem/index.js';
import { resolvedSpecYaml, type Spec } from '../spec/index.js';

const CHECKPOINT_DIR = 'checkpoint';
const CHECKPOINT_FILE = 'checkpoint.json';
export const CHECKPOINT_FORMAT = 2;

export interface Checkpoint {
  format: number;
  pinn_version: string;
  spec_hash: string;
  backend: string;
  seed: number;
  /** Iterations done and planned. */
  iteration: number;
  total_iterations: number;
  rng: number[];
  time_rng: number[];
  train: TrainCheckpoint;
}

/** Refusals of --resume (exit status 2): no checkpoint, a changed spec, an unreadable file. */
export class ResumeError extends Error {}

export const checkpointPath = (outDir: string): string => join(outDir, CHECKPOINT_DIR, CHECKPOINT_FILE);

/**
 * What the result depends on: the resolved spec (with --set, --seed,
 * --strategy and --iterations applied), the loss record interval, the
 * data points, and how the strategy imposes each term (its notes: which
 * terms are exact, and how; another pinn version may decide otherwise).
 * Not the checkpoint interval or the output formats' order.
 */
export function specHash(spec: Spec, problem: Problem, strategyNotes: string[] = []): string {
  const h = createHash('sha256');
  h.update(resolvedSpecYaml(spec, problem.fields));
  h.update(`\nlog_every ${spec.training.logEvery}\n`);
  h.update(`${strategyNotes.join('\n')}\n`);
  for (const t of problem.terms) {
    if (t.set.kind !== 'data') continue;
    h.update(t.name);
    // The observations themselves, not only where they are: an edited value or noise is another run.
    for (const a of [t.set.points, t.set.values, t.set.sigma ?? new Float64Array(0)])
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = { f32: Float32Array, f64: Float64Array };

export function encodeCheckpoint(c: Checkpoint): string {
  return JSON.stringify(c, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof Float32Array || raw instanceof Float64Array) {
      return {
        $t: raw instanceof Float32Array ? 'f32' : 'f64',
        b64: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64'),
      };
    }
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { $n: String(raw) };
    return value;
  });
}

export function decodeCheckpoint(text: string): Checkpoint {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object') {
      const v = value as { $t?: string; b64?: string; $n?: string };
      if (v.$t && typeof v.b64 === 'string' && TYPED[v.$t]) {
        const bytes = Buffer.from(v.b64, 'base64');
        const copy = new ArrayBuffer(bytes.length);
        new Uint8Array(copy).set(bytes);
        return new TYPED[v.$t]!(copy);
      }
      if (typeof v.$n === 'string' && Object.keys(v).length === 1) return Number(v.$n);
    }
    return value;
  }) as Checkpoint;
}

export function writeCheckpoint(outDir: string, c: Checkpoint): void {
  writeFileAtomic(checkpointPath(outDir), encodeCheckpoint(c));
}

/** The checkpoint of a run folder, or a ResumeError saying why there is none to use. */
export function readCheckpoint(outDir: string, hash: string, specFile: string): Checkpoint {
  const path = checkpointPath(outDir);
  if (!existsSync(path)) {
    const finished = existsSync(join(outDir, 'summary.json'));
    throw new ResumeError(
      `no checkpoint to resume from: ${path} does not exist` +
        (finished ? ` (the run in ${outDir} finished; its checkpoint was removed)` : '') +
        `; run without --resume to start afresh`,
    );
  }
  let c: Checkpoint;
  try {
    c = decodeCheckpoint(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ResumeError(
      `cannot read the checkpoint ${path}: ${(err as Error).message}; run without --resume to start afresh`,
    );
  }
  if (c.format !== CHECKPOINT_FORMAT || !c.train?.state) {
    throw new ResumeError(`the checkpoint ${path} has an unknown format; run without --resume to start afresh`);
  }
  if (c.spec_hash !== hash) {
    throw new ResumeError(
      `the spec changed since the checkpoint in ${outDir} was taken (spec hash ${hash}, checkpoint ${c.spec_hash}): ` +
        `${specFile} with these options would not continue the same run. Resume with the same spec and the same --set, --seed, --strategy and --iterations, ` +
        'or run without --resume to start afresh',
    );
  }
  return c;
}

/** Removes the checkpoint of a finished run (and its folder when nothing else is in it). */
export function removeCheckpoint(outDir: string): void {
  rmSync(checkpointPath(outDir), { force: true });
  try {
    rmdirSync(join(outDir, CHECKPOINT_DIR));
  } catch {
    /* not empty or absent: leave it */
  }
}
