/**
 * Running a sweep on this machine: each case is its own `pinn solve` process
 * (one crash cannot take the rest down), `parallel` at a time, in its own
 * folder. A case that finished with the same spec hash is reused.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/index.js';
import type { SweepCase, SweepPlan } from './file.js';
import {
  CASE_FILE,
  LOG_FILE,
  PLAN_FILE,
  buildResults,
  logTail,
  planFile,
  readCase,
  saveCase,
  startCase,
  writeResults,
  type CaseRecord,
  type Results,
} from './results.js';
import { openParametricRun } from '../run/index.js';
import { evaluateCase } from './evaluate.js';
import { shardCases, type Shard } from './shard.js';

const CLI_PATH = fileURLToPath(new URL('../../bin/pinn.js', import.meta.url));

export type CaseState = 'queued' | 'running' | 'ok' | 'failed' | 'reused';

export interface CaseEvent {
  case: SweepCase;
  state: CaseState;
  record?: CaseRecord;
  /** Position among this run's cases, 1-based, and their number. */
  n: number;
  of: number;
}

interface RunOptions {
  plan: SweepPlan;
  outDir: string;
  shard?: Shard;
  parallel?: number;
  iterations?: number;
  backend?: string;
  /** Rerun cases even when a finished one with the same spec hash is there. */
  force?: boolean;
  /** `node` and the CLI script to run for each case (tests may swap the script). */
  cli?: string;
  onEvent?: (e: CaseEvent) => void;
  /** Stops starting new cases and ends the running ones when aborted. */
  signal?: AbortSignal;
}

interface RunResult {
  /** This run's cases (the shard's), with how each ended. */
  cases: { case: SweepCase; state: CaseState; record?: CaseRecord; folder: string }[];
  results: Results;
}

export function planHash(plan: SweepPlan): string {
  return createHash('sha256')
    .update(plan.cases.map((c) => `${c.id}:${c.specHash}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/** A finished, successful case folder with this spec hash can be reused. */
export function isReusable(folder: string, specHash: string): boolean {
  const { record } = readCase(folder);
  return (
    !!record && record.status === 'ok' && record.spec_hash === specHash && existsSync(join(folder, 'summary.json'))
  );
}

export async function runSweep(opts: RunOptions): Promise<RunResult> {
  const { plan } = opts;
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const pf = planFile(plan, planHash(plan));
  writeFileAtomic(join(outDir, PLAN_FILE), `${JSON.stringify(pf, null, 2)}\n`);

  const mine = shardCases(plan.cases, opts.shard);
  const parallel = Math.max(1, opts.parallel ?? plan.def.parallel);
  const iterations = opts.iterations ?? plan.def.iterations;
  const backend = opts.backend ?? plan.def.backend;
  const out: RunResult['cases'] = mine.map((c) => ({
    case: c,
    state: 'queued' as CaseState,
    folder: join(outDir, c.id),
  }));
  const emit = (k: number) =>
    opts.onEvent?.({ case: out[k]!.case, state: out[k]!.state, record: out[k]!.record, n: k + 1, of: out.length });

  if (!opts.force)
    relocate(
      outDir,
      plan,
      out.filter((o) => !isReusable(o.folder, o.case.specHash)).map((o) => o.case),
    );
  const todo: number[] = [];
  out.forEach((o, k) => {
    if (!opts.force && isReusable(o.folder, o.case.specHash)) {
      o.state = 'reused';
      o.record = readCase(o.folder).record;
    } else {
      todo.push(k);
    }
    emit(k);
  });

  const runOne = async (k: number) => {
    const o = out[k]!;
    o.state = 'running';
    o.record = await runCase(o.case, o.folder, {
      cli: opts.cli ?? CLI_PATH,
      iterations,
      backend,
      timeout: plan.def.timeout,
      signal: opts.signal,
      shard: opts.shard ? `${opts.shard.index}/${opts.shard.count}` : undefined,
      spec: plan.def.spec,
      onStart: () => emit(k),
    });
    o.state = o.record.status === 'ok' ? 'ok' : 'failed';
    emit(k);
  };
  if (plan.def.run) {
    evaluateAll(plan.def.run.dir, todo, out, opts, emit);
    const results = buildResults(outDir, pf);
    writeResults(outDir, results);
    return { cases: out, results };
  }
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !opts.signal?.aborted) await runOne(todo[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));

  const results = buildResults(outDir, pf);
  writeResults(outDir, results);
  return { cases: out, results };
}

/** A sweep over a trained run: its cases evaluated one after another in this process, the model loaded once. */
function evaluateAll(
  run: string,
  todo: number[],
  out: RunResult['cases'],
  opts: RunOptions,
  emit: (k: number) => void,
): void {
  if (todo.length === 0) return;
  const evaluator = openParametricRun(run);
  try {
    for (const k of todo) {
      if (opts.signal?.aborted) break;
      const o = out[k]!;
      o.state = 'running';
      emit(k);
      const shard = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : undefined;
      o.record = evaluateCase(o.case, o.folder, { run, evaluator, ...(shard ? { shard } : {}) });
      o.state = o.record.status === 'ok' ? 'ok' : 'failed';
      emit(k);
    }
  } finally {
    evaluator.dispose();
  }
}

/**
 * Finished runs whose case moved (a value added to the grid renumbers the
 * cases after it) move to their case's new folder, so they are reused rather
 * than rerun. Moves go through temporary names first: a folder may sit where
 * another moved case belongs.
 */
function relocate(outDir: string, plan: SweepPlan, wanted: SweepCase[]): void {
  if (wanted.length === 0) return;
  const planned = new Map(plan.cases.map((c) => [c.id, c.specHash]));
  const byHash = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return;
  }
  for (const name of names) {
    const folder = join(outDir, name);
    if (name.startsWith('.') || !existsSync(join(folder, CASE_FILE))) continue;
    const { record } = readCase(folder);
    if (!record || record.status !== 'ok' || !existsSync(join(folder, 'summary.json'))) continue;
    if (planned.get(name) === record.spec_hash) continue; // in its place
    if (!byHash.has(record.spec_hash)) byHash.set(record.spec_hash, folder);
  }
  const moving: { c: SweepCase; tmp: string }[] = [];
  for (const c of wanted) {
    const from = byHash.get(c.specHash);
    if (!from) continue;
    byHash.delete(c.specHash);
    const tmp = join(outDir, `.moving-${c.id}-${process.pid}`);
    try {
      renameSync(from, tmp);
      moving.push({ c, tmp });
    } catch {
      /* taken by another shard */
    }
  }
  for (const { c, tmp } of moving) {
    const folder = join(outDir, c.id);
    try {
      rmSync(folder, { recursive: true, force: true });
      renameSync(tmp, folder);
      const { record } = readCase(folder);
      if (record) saveCase(folder, { ...record, id: c.id, index: c.index, params: c.params });
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

interface CaseSettings {
  cli: string;
  spec: string;
  iterations?: number;
  backend?: string;
  timeout?: number;
  shard?: string;
  signal?: AbortSignal;
  onStart?: () => void;
}

/** How a case's process ended. */
interface ChildEnd {
  code: number | null;
  signal: string | null;
  spawnError?: string;
  timedOut: boolean;
  interrupted: boolean;
}

/** Runs `pinn solve` as a child process with its output in the case's log, under the timeout and the abort signal. */
async function runChild(args: string[], folder: string, s: CaseSettings, caseId: string): Promise<ChildEnd> {
  const log = createWriteStream(join(folder, LOG_FILE));
  let timedOut = false;
  let interrupted = false;
  const ended = await new Promise<{ code: number | null; signal: string | null; spawnError?: string }>((done) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', PINN_SWEEP_CASE: caseId },
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const timer = s.timeout
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, s.timeout * 1000)
      : undefined;
    const onAbort = () => {
      interrupted = true;
      child.kill('SIGTERM');
    };
    s.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      s.signal?.removeEventListener('abort', onAbort);
      done({ code: null, signal: null, spawnError: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      s.signal?.removeEventListener('abort', onAbort);
      done({ code, signal });
    });
  });
  await new Promise<void>((r) => log.end(r));
  return { ...ended, timedOut, interrupted };
}

/** Why a case failed, for case.json and the results table: the cause, with the log's last error line. */
function failureReason(ended: ChildEnd, folder: string, timeout: number | undefined): string {
  const tail = logTail(join(folder, LOG_FILE), 40);
  const last = [...tail].reverse().find((l) => /error|failed|Error/.test(l)) ?? tail[tail.length - 1];
  if (ended.spawnError) return `could not start: ${ended.spawnError}`;
  if (ended.timedOut) return `timed out after ${timeout}s`;
  if (ended.interrupted) return 'interrupted';
  if (ended.signal) return `killed by ${ended.signal}${last ? `: ${last}` : ''}`;
  if (ended.code === 0) return 'exited 0 but wrote no summary.json';
  return last ?? `exit ${ended.code} with no output`;
}

/** Runs one case in a fresh folder and records how it ended in its case.json. */
async function runCase(c: SweepCase, folder: string, s: CaseSettings): Promise<CaseRecord> {
  const args = [s.cli, 'solve', s.spec, '--out', folder, '--quiet'];
  for (const o of c.overrides) args.push('--set', o.text);
  if (s.iterations !== undefined) args.push('--iterations', String(s.iterations));
  if (s.backend !== undefined) args.push('--backend', s.backend);
  const record = startCase(c, folder, ['pinn', ...args.slice(1)], s.shard);
  const save = () => saveCase(folder, record);
  save();
  s.onStart?.();
  const t0 = performance.now();
  const ended = await runChild(args, folder, s, c.id);
  record.seconds = (performance.now() - t0) / 1000;
  record.finished_at = new Date().toISOString();
  record.exit_code = ended.code;
  record.signal = ended.signal;
  const ok = ended.code === 0 && !ended.timedOut && !ended.interrupted && existsSync(join(folder, 'summary.json'));
  record.status = ok ? 'ok' : 'failed';
  if (!ok) record.error = failureReason(ended, folder, s.timeout);
  save();
  return record;
}
