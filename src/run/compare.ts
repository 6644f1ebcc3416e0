/**
 * `pinn compare SPEC --strategies a,b,c`: the same problem (same spec, seed
 * and sampling) under each constraint strategy, one run folder each, then a
 * side-by-side table (compare.md, compare.csv) and one picture overlaying
 * their loss curves (compare-loss.png). With `--seeds a,b,c` every strategy
 * runs once per seed (other weights and points), and the table gains a summary
 * over the seeds (median and range of each error, worst violation), since one
 * seed's ranking of two strategies can be chance.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecWithFlags, type StrategyName } from '../spec/index.js';
import { csvCell, formatSeconds, parseCsv, writeFileAtomic } from '../util/index.js';
import { renderLinePlot } from '../outputs/index.js';
import type { Progress } from '../trainer/index.js';
import type { Summary } from './finish.js';
import { solve } from './solve.js';

interface CompareRow {
  strategy: string;
  /** The seed of this run, with --seeds. */
  seed?: number;
  summary?: Summary;
  error?: string;
}

interface CompareOptions {
  specFile: string;
  strategies: StrategyName[];
  outDir?: string;
  iterations?: number;
  seed?: number;
  /** Several seeds: every strategy runs once per seed (excludes `seed`). */
  seeds?: number[];
  sets: string[];
  backend: { name: string; detail: string };
  /** A fresh progress display for each run, finished when the run ends (default: none). */
  progress?: () => CompareProgress;
  log?: (line: string) => void;
}

/** Where one run's training progress goes (the CLI's progress line). */
interface CompareProgress {
  update(p: Progress): void;
  finish(): void;
}

const NO_PROGRESS: CompareProgress = { update: () => {}, finish: () => {} };

/** Runs every strategy in turn and writes the comparison files; returns the rows. */
export function compareStrategies(opts: CompareOptions): { rows: CompareRow[]; outDir: string; files: string[] } {
  const spec = loadSpecWithFlags(opts.specFile, opts.sets, { seed: opts.seed });
  const outDir = opts.outDir ?? join('runs', `${spec.name}-compare`);
  mkdirSync(outDir, { recursive: true });
  const log = opts.log ?? (() => {});
  const rows: CompareRow[] = [];
  const seeds: (number | undefined)[] = opts.seeds ?? [opts.seed];
  for (const strategy of opts.strategies) {
    for (const seed of seeds) {
      const many = opts.seeds !== undefined;
      log(many ? `${strategy}, seed ${seed}:` : `${strategy}:`);
      const sink = opts.progress?.() ?? NO_PROGRESS;
      try {
        const summary = solve({
          specFile: opts.specFile,
          outDir: runFolder(outDir, strategy, many ? seed : undefined),
          sets: opts.sets,
          strategy,
          iterations: opts.iterations,
          seed,
          backend: opts.backend,
          onProgress: (p) => sink.update(p),
          onStart: (info) => {
            for (const n of info.notes) log(`  ${n}`);
          },
        });
        sink.finish();
        rows.push({ strategy, ...(many ? { seed } : {}), summary });
        const errs = Object.entries(summary.errors)
          .map(([f, e]) => `${f} L2 rel ${e.l2_relative.toExponential(2)}`)
          .join(', ');
        log(`  ${summary.iterations} iterations in ${formatSeconds(summary.train_seconds)}${errs ? `, ${errs}` : ''}`);
      } catch (err) {
        sink.finish();
        rows.push({ strategy, ...(many ? { seed } : {}), error: (err as Error).message ?? String(err) });
        log(`  failed: ${(err as Error).message}`);
      }
    }
  }
  const files = writeComparison(outDir, spec.name, rows);
  return { rows, outDir, files };
}

/** A run's folder: one per strategy, and one per seed inside it with --seeds. */
const runFolder = (outDir: string, strategy: string, seed?: number): string =>
  seed === undefined ? join(outDir, strategy) : join(outDir, strategy, `seed-${seed}`);

interface Column {
  name: string;
  value: (s: Summary) => number | string | undefined;
}

function columnsFor(rows: CompareRow[]): Column[] {
  const done = rows.filter((r) => r.summary).map((r) => r.summary!);
  const fields = [...new Set(done.flatMap((s) => Object.keys(s.errors)))];
  const violations = [...new Set(done.flatMap((s) => s.violations.map((v) => v.name)))];
  const cols: Column[] = [];
  for (const f of fields) {
    cols.push({ name: `${f} L2 rel`, value: (s) => s.errors[f]?.l2_relative });
    cols.push({ name: `${f} max abs`, value: (s) => s.errors[f]?.max_abs });
  }
  for (const v of violations) {
    cols.push({ name: `${v} rms`, value: (s) => s.violations.find((x) => x.name === v)?.rms });
    cols.push({ name: `${v} max`, value: (s) => s.violations.find((x) => x.name === v)?.max });
    cols.push({ name: `${v} imposed`, value: (s) => s.violations.find((x) => x.name === v)?.imposed });
  }
  cols.push({ name: 'flagged', value: flagsOf });
  cols.push({ name: 'final loss', value: (s) => s.loss.total });
  cols.push({ name: 'iterations', value: (s) => s.iterations });
  cols.push({ name: 'train s', value: (s) => s.train_seconds });
  cols.push({ name: 'ms/it', value: (s) => s.ms_per_iteration });
  return cols;
}

/** What flags a run: its health findings' kinds (loss-flat, stage-stalled, ...) and a missed tolerance. */
export function flagsOf(s: Summary): string {
  const kinds: string[] = [...new Set((s.health ?? []).map((h) => h.kind))];
  if (s.tolerance?.missed.length) kinds.push('tolerance');
  return kinds.join(' ');
}

const fmt = (v: number | string | undefined, digits = 2): string =>
  v === undefined ? '' : typeof v === 'string' ? v : Number.isInteger(v) ? String(v) : v.toExponential(digits);

/** compare.md, compare.csv and compare-loss.png in `outDir`. */
function writeComparison(outDir: string, name: string, rows: CompareRow[]): string[] {
  const cols = columnsFor(rows);
  const seeded = rows.some((r) => r.seed !== undefined);
  const seedCell = (r: CompareRow) => (seeded ? [String(r.seed ?? '')] : []);
  const csv = [['strategy', ...(seeded ? ['seed'] : []), ...cols.map((c) => c.name), 'error'].map(csvCell).join(',')];
  for (const r of rows) {
    const cells = cols.map((c) => (r.summary ? String(c.value(r.summary) ?? '') : ''));
    csv.push([r.strategy, ...seedCell(r), ...cells, r.error ?? ''].map(csvCell).join(','));
  }
  writeFileAtomic(join(outDir, 'compare.csv'), `${csv.join('\n')}\n`);

  const md: string[] = [`# ${name}: constraint strategies compared`, ''];
  const first = rows.find((r) => r.summary)?.summary;
  if (first)
    md.push(
      `Backend ${first.backend}, ${seeded ? `seeds ${[...new Set(rows.map((r) => r.seed))].join(', ')}` : `seed ${first.seed}`}, network ${first.network.hidden.join('x')} ${first.network.activation}, points ${Object.entries(
        first.points,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
    );
  const mdCols = cols.filter((c) => !c.name.endsWith(' imposed'));
  // With --seeds, the notes and the loss overlay show each strategy's first finished run.
  const firstRuns = rows.filter(
    (r, i): r is CompareRow & { summary: Summary } =>
      !!r.summary && rows.findIndex((x) => x.strategy === r.strategy && x.summary) === i,
  );
  const seedMd = (r: CompareRow) => (seeded ? ` ${r.seed ?? ''} |` : '');
  md.push(`| strategy |${seeded ? ' seed |' : ''} ${mdCols.map((c) => c.name.replace(/\|/g, '\\|')).join(' | ')} |`);
  md.push(`|---|${seeded ? '---:|' : ''}${mdCols.map(() => '---:').join('|')}|`);
  for (const r of rows) {
    if (!r.summary) {
      md.push(`| ${r.strategy} |${seedMd(r)} failed: ${(r.error ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
      continue;
    }
    md.push(
      `| ${r.strategy} |${seedMd(r)} ${mdCols
        .map((c) => {
          const v = c.value(r.summary!);
          return c.name === 'train s' || c.name === 'ms/it' ? (typeof v === 'number' ? v.toFixed(1) : '') : fmt(v);
        })
        .join(' | ')} |`,
    );
  }
  if (seeded) md.push('', ...seedSummary(rows, cols));
  md.push('', 'How each condition and inequality was imposed:', '');
  for (const r of firstRuns) {
    md.push(
      `- ${r.strategy}: ${r.summary.violations.map((v) => `${v.name}: ${v.imposed ?? '?'}`).join('; ') || 'nothing to impose'}`,
    );
  }
  md.push(
    '',
    `Loss curves: compare-loss.png${seeded ? ' (the first seed of each strategy)' : ''}. Each run's own files are in the subfolder named after its strategy${seeded ? ', then seed-N' : ''}.`,
    '',
  );
  writeFileAtomic(join(outDir, 'compare.md'), md.join('\n'));

  const files = ['compare.md', 'compare.csv'];
  const curves = firstRuns
    .map((r) => ({ name: r.strategy, curve: readLossCurve(join(runFolder(outDir, r.strategy, r.seed), 'loss.csv')) }))
    .filter((c) => c.curve.iterations.length > 0);
  if (curves.length > 0) {
    writeFileAtomic(join(outDir, 'compare-loss.png'), renderLossOverlay(curves));
    files.push('compare-loss.png');
  }
  return files;
}

/**
 * Markdown lines of the summary over seeds: per strategy, the median and range of
 * each field's L2 error, the worst max violation of each constraint, and failures.
 */
function seedSummary(rows: CompareRow[], cols: Column[]): string[] {
  const errCols = cols.filter((c) => c.name.endsWith(' L2 rel'));
  const violCols = cols.filter((c) => c.name.endsWith(' max') && !c.name.endsWith(' max abs'));
  const out = [
    'Over the seeds: median [min, max] of each L2 error, the largest max violation, runs that failed, runs flagged (training health or a missed tolerance).',
    '',
    `| strategy | runs | ${[...errCols.map((c) => `${c.name} median [min, max]`), ...violCols.map((c) => `${c.name} (worst)`)].map((n) => n.replace(/\|/g, '\\|')).join(' | ')} | failed | flagged |`,
    `|---|---:|${[...errCols, ...violCols].map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const strategy of [...new Set(rows.map((r) => r.strategy))]) {
    const mine = rows.filter((r) => r.strategy === strategy);
    const done = mine.filter((r) => r.summary).map((r) => r.summary!);
    const nums = (c: Column) =>
      done.map((s) => c.value(s)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const errCells = errCols.map((c) => {
      const v = nums(c).sort((a, b) => a - b);
      if (v.length === 0) return '';
      const mid = v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
      return `${fmt(mid)} [${fmt(v[0]!)}, ${fmt(v[v.length - 1]!)}]`;
    });
    const violCells = violCols.map((c) => {
      const v = nums(c);
      return v.length ? fmt(Math.max(...v)) : '';
    });
    out.push(
      `| ${strategy} | ${mine.length} | ${[...errCells, ...violCells].join(' | ')} | ${mine.length - done.length} | ${done.filter((s) => flagsOf(s) !== '').length} |`,
    );
  }
  return out;
}

/** The total-loss column of a run's loss.csv. */
export function readLossCurve(file: string): { iterations: number[]; total: number[] } {
  const out = { iterations: [] as number[], total: [] as number[] };
  if (!existsSync(file)) return out;
  const { table } = parseCsv(readFileSync(file, 'utf8'));
  if (!table) return out;
  const header = table.header.map((c) => c.text);
  const it = header.indexOf('iteration');
  const tot = header.indexOf('total');
  for (const { cells } of table.rows) {
    out.iterations.push(Number(cells[it]?.text));
    out.total.push(cells[tot]?.text === 'nan' ? NaN : Number(cells[tot]?.text));
  }
  return out;
}

/** One x axis (the union of recorded iterations); each curve holds its last value between its records and ends where it ends. */
function renderLossOverlay(curves: { name: string; curve: { iterations: number[]; total: number[] } }[]): Buffer {
  const xs = [...new Set(curves.flatMap((c) => c.curve.iterations))].sort((a, b) => a - b);
  const series = curves.map(({ name, curve }) => {
    let k = 0;
    const last = curve.iterations[curve.iterations.length - 1]!;
    const values = xs.map((x) => {
      if (x < curve.iterations[0]! || x > last) return NaN;
      while (k + 1 < curve.iterations.length && curve.iterations[k + 1]! <= x) k++;
      return curve.total[k]!;
    });
    return { name, values };
  });
  return renderLinePlot({
    x: xs,
    series,
    title: 'training loss by strategy',
    xlabel: 'iteration',
    ylabel: 'total loss',
    logY: true,
  });
}
