/**
 * Case folders and result tables. Each case folder holds the run's own files
 * plus `case.json` (what the sweep ran and how it ended) and `case.log`
 * (the run's output). `sweep.json` at the top lists every planned case, so a
 * table can be built from any mix of folders - one machine's or many shards'.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { csvCell, writeFileAtomic } from '../util/index.js';
import { showValue, type SweepCase, type SweepPlan } from './file.js';
import { resultsPage, type PageInput } from './results-page.js';

export const PLAN_FILE = 'sweep.json';
export const CASE_FILE = 'case.json';
export const LOG_FILE = 'case.log';

type CaseStatus = 'running' | 'ok' | 'failed';

/** case.json */
export interface CaseRecord {
  id: string;
  index: number;
  params: Record<string, unknown>;
  overrides: string[];
  spec_hash: string;
  status: CaseStatus;
  exit_code: number | null;
  signal: string | null;
  /** Why it failed, in a line (the last error line of the run, or the timeout). */
  error?: string;
  seconds: number;
  started_at: string;
  finished_at?: string;
  shard?: string;
  command: string[];
  /** The case was an evaluation of a trained run (a sweep with `run:`), not a training. */
  evaluated?: boolean;
}

/**
 * A fresh, empty folder for case `c` and its record as it starts: trained (`pinn solve`) and
 * evaluated (`pinn eval`) cases begin alike and differ in the command and what runs it.
 */
export function startCase(c: SweepCase, folder: string, command: string[], shard: string | undefined): CaseRecord {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  return {
    id: c.id,
    index: c.index,
    params: c.params,
    overrides: c.overrides.map((o) => o.text),
    spec_hash: c.specHash,
    status: 'running',
    exit_code: null,
    signal: null,
    seconds: 0,
    started_at: new Date().toISOString(),
    ...(shard ? { shard } : {}),
    command,
  };
}

/** Writes a case's case.json. */
export function saveCase(folder: string, record: CaseRecord): void {
  writeFileAtomic(join(folder, CASE_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** sweep.json: the plan every shard shares. */
export interface PlanFile {
  version: 1;
  name: string;
  sweep: string;
  spec: string;
  /** The trained run a sweep over a run evaluates (absent when its cases are trained). */
  run?: string;
  /** Hash of the case ids and spec hashes; shards of one sweep agree on it. */
  plan_hash: string;
  keys: string[];
  cases: { id: string; index: number; params: Record<string, unknown>; spec_hash: string }[];
}

export function planFile(plan: SweepPlan, planHash: string): PlanFile {
  return {
    version: 1,
    name: plan.def.name,
    sweep: plan.def.file,
    spec: plan.def.spec,
    ...(plan.def.run ? { run: plan.def.run.dir } : {}),
    plan_hash: planHash,
    keys: plan.keys,
    cases: plan.cases.map((c) => ({ id: c.id, index: c.index, params: c.params, spec_hash: c.specHash })),
  };
}

interface Summaryish {
  iterations?: number;
  wall_seconds?: number;
  loss?: { total?: number };
  errors?: Record<string, { l2_relative?: number; max_abs?: number }>;
  violations?: { max?: number }[];
}

type RowStatus = 'ok' | 'failed' | 'running' | 'stale' | 'missing';

interface ResultRow {
  id: string;
  params: Record<string, unknown>;
  status: RowStatus;
  /** Folder relative to the results folder, when found. */
  folder?: string;
  record?: CaseRecord;
  summary?: Summaryish;
}

export interface Results {
  name: string;
  keys: string[];
  fields: string[];
  rows: ResultRow[];
  /** The cases are evaluations of a trained run: the table gains a `mode` column saying so. */
  evaluated: boolean;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readCase(folder: string): { record?: CaseRecord; summary?: Summaryish } {
  const record = readJson<CaseRecord>(join(folder, CASE_FILE));
  const summary = record?.status === 'ok' ? readJson<Summaryish>(join(folder, 'summary.json')) : undefined;
  return { record, summary };
}

/** Folders holding `file` under `root`, at most `depth` levels down (not following links). */
export function findFiles(root: string, file: string, depth = 4): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    if (names.includes(file)) out.push(dir);
    if (d === 0) return;
    for (const n of names) {
      if (n.startsWith('.') || n === 'node_modules') continue;
      const p = join(dir, n);
      try {
        if (statSync(p).isDirectory()) walk(p, d - 1);
      } catch {
        /* vanished */
      }
    }
  };
  walk(root, depth);
  return out;
}

export function readPlan(dir: string): PlanFile | undefined {
  return readJson<PlanFile>(join(dir, PLAN_FILE));
}

const rank = (r: CaseRecord, hash: string) =>
  r.spec_hash !== hash ? 0 : r.status === 'ok' ? 3 : r.status === 'failed' ? 2 : 1;

/**
 * One row per planned case from the case folders found under `root`: the
 * best record per case (finished with the planned hash, ok before failed,
 * newest first); a folder from an older spec counts as stale.
 */
export function buildResults(root: string, plan: PlanFile, folders?: string[]): Results {
  const byId = new Map<string, { folder: string; record: CaseRecord }[]>();
  for (const folder of folders ?? findFiles(root, CASE_FILE)) {
    const record = readJson<CaseRecord>(join(folder, CASE_FILE));
    if (!record || typeof record.id !== 'string') continue;
    const list = byId.get(record.id) ?? [];
    list.push({ folder, record });
    byId.set(record.id, list);
  }
  const fields: string[] = [];
  const rows: ResultRow[] = plan.cases.map((c) => {
    const found = (byId.get(c.id) ?? []).sort(
      (a, b) =>
        rank(b.record, c.spec_hash) - rank(a.record, c.spec_hash) ||
        String(b.record.finished_at ?? '').localeCompare(String(a.record.finished_at ?? '')),
    );
    const best = found[0];
    if (!best) return { id: c.id, params: c.params, status: 'missing' };
    const { record } = best;
    const status: RowStatus = record.spec_hash !== c.spec_hash ? 'stale' : record.status;
    const summary = status === 'ok' ? readJson<Summaryish>(join(best.folder, 'summary.json')) : undefined;
    for (const f of Object.keys(summary?.errors ?? {})) if (!fields.includes(f)) fields.push(f);
    return { id: c.id, params: c.params, status, folder: relative(root, best.folder) || '.', record, summary };
  });
  return { name: plan.name, keys: plan.keys, fields, rows, evaluated: plan.run !== undefined };
}

export function maxViolation(s: Summaryish | undefined): number | undefined {
  const v = (s?.violations ?? []).map((x) => x.max).filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : undefined;
}

interface Column {
  name: string;
  csv: (r: ResultRow) => string;
  md: (r: ResultRow) => string;
}

const num = (v: number | undefined) => (v === undefined || v === null ? '' : String(v));
const sci = (v: number | undefined) =>
  v === undefined || v === null ? '' : Number.isFinite(v) ? v.toExponential(2) : String(v);
/** The case's whole time (process start to end), or the run's own when there is no record. */
const secs = (r: ResultRow) => r.record?.seconds ?? r.summary?.wall_seconds;

function columns(res: Results): Column[] {
  const cols: Column[] = [{ name: 'case', csv: (r) => r.id, md: (r) => r.id }];
  for (const k of res.keys) {
    const show = (r: ResultRow) => (k in r.params ? showValue(r.params[k]) : '');
    cols.push({ name: k, csv: show, md: show });
  }
  cols.push({ name: 'status', csv: (r) => r.status, md: (r) => (r.status === 'ok' ? 'ok' : `**${r.status}**`) });
  if (res.evaluated) cols.push({ name: 'mode', csv: () => 'evaluated', md: () => 'evaluated' });
  for (const f of res.fields) {
    cols.push({
      name: `l2_relative(${f})`,
      csv: (r) => num(r.summary?.errors?.[f]?.l2_relative),
      md: (r) => sci(r.summary?.errors?.[f]?.l2_relative),
    });
    cols.push({
      name: `max_abs(${f})`,
      csv: (r) => num(r.summary?.errors?.[f]?.max_abs),
      md: (r) => sci(r.summary?.errors?.[f]?.max_abs),
    });
  }
  cols.push({
    name: 'max_violation',
    csv: (r) => num(maxViolation(r.summary)),
    md: (r) => sci(maxViolation(r.summary)),
  });
  cols.push({ name: 'loss', csv: (r) => num(r.summary?.loss?.total), md: (r) => sci(r.summary?.loss?.total) });
  cols.push({ name: 'iterations', csv: (r) => num(r.summary?.iterations), md: (r) => num(r.summary?.iterations) });
  cols.push({
    name: 'seconds',
    csv: (r) => num(secs(r)),
    md: (r) => {
      const s = secs(r);
      return s === undefined ? '' : s.toFixed(1);
    },
  });
  cols.push({ name: 'folder', csv: (r) => r.folder ?? '', md: (r) => r.folder ?? '' });
  return cols;
}

const mdCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function resultsCsv(res: Results): string {
  const cols = columns(res);
  const lines = [cols.map((c) => csvCell(c.name)).join(',')];
  for (const r of res.rows) lines.push(cols.map((c) => csvCell(c.csv(r))).join(','));
  return `${lines.join('\n')}\n`;
}

export function counts(res: Results): Record<RowStatus, number> {
  const n: Record<RowStatus, number> = { ok: 0, failed: 0, running: 0, stale: 0, missing: 0 };
  for (const r of res.rows) n[r.status]++;
  return n;
}

export function countsLine(res: Results): string {
  const n = counts(res);
  return (
    `${res.rows.length} case${res.rows.length === 1 ? '' : 's'}: ` +
    (Object.entries(n) as [RowStatus, number][])
      .filter(([k, v]) => v > 0 || k === 'ok')
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')
  );
}

export function markdownTable(res: Results): string {
  const cols = columns(res);
  const lines = [`| ${cols.map((c) => mdCell(c.name)).join(' | ')} |`, `|${cols.map(() => ' --- ').join('|')}|`];
  for (const r of res.rows) lines.push(`| ${cols.map((c) => mdCell(c.md(r))).join(' | ')} |`);
  return lines.join('\n');
}

function resultsMarkdown(res: Results): string {
  const out = [`# Sweep ${res.name}`, '', countsLine(res), '', markdownTable(res), ''];
  const failed = res.rows.filter((r) => r.status === 'failed');
  if (failed.length) {
    out.push('## Failed', '');
    for (const r of failed) {
      const how = r.record?.signal ? `signal ${r.record.signal}` : `exit ${r.record?.exit_code ?? '?'}`;
      out.push(`- ${r.id} (${how}): ${mdCell(r.record?.error ?? 'no error text')} - log in ${r.folder}/${LOG_FILE}`);
    }
    out.push('');
  }
  const missing = res.rows.filter((r) => r.status === 'missing' || r.status === 'stale' || r.status === 'running');
  if (missing.length) {
    out.push('## Not finished', '');
    for (const r of missing)
      out.push(
        `- ${r.id} (${r.status}): ${
          Object.entries(r.params)
            .map(([k, v]) => `${k}=${showValue(v)}`)
            .join(' ') || 'no swept values'
        }`,
      );
    out.push('');
  }
  return out.join('\n');
}

export function writeResults(dir: string, res: Results): void {
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(res));
  writeFileAtomic(join(dir, 'results.md'), resultsMarkdown(res));
  writeFileAtomic(join(dir, 'results.html'), resultsPage(pageInput(dir, res)));
}

/** What results.html shows: the results.md table, and per case its largest error, time and report. */
function pageInput(dir: string, res: Results): PageInput {
  const cols = columns(res);
  const byError = res.fields.length > 0;
  const errorOf = (s: Summaryish | undefined) =>
    byError
      ? Math.max(...res.fields.map((f) => s?.errors?.[f]?.l2_relative ?? Number.NaN).filter(Number.isFinite))
      : maxViolation(s);
  const cases = res.rows.map((r) => {
    const ok = r.status === 'ok';
    const error = ok ? errorOf(r.summary) : undefined;
    const report =
      ok && r.folder && existsSync(join(dir, r.folder, 'report.html')) ? `${r.folder}/report.html` : undefined;
    return {
      params: r.params,
      ...(error !== undefined && Number.isFinite(error) ? { error } : {}),
      ...(ok && secs(r) !== undefined ? { seconds: secs(r) } : {}),
      ...(report ? { report } : {}),
    };
  });
  return {
    name: res.name,
    counts: countsLine(res),
    keys: res.keys,
    errorLabel: byError ? 'largest L2 relative error' : 'largest violation',
    header: cols.map((c) => c.name),
    cells: res.rows.map((r) => cols.map((c) => c.md(r))),
    cases,
  };
}

/** The tail of a log: its last `lines` lines, each shortened to `width` characters. */
export function logTail(path: string, lines = 15, width = 300): string[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-lines)
    .map((l) => (l.length > width ? `${l.slice(0, width)}...` : l));
}
