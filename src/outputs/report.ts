import type { LossHistory } from '../trainer/index.js';
import { shortestPath } from '../util/index.js';

interface ReportInput {
  /** The run's summary.json object. */
  summary: Record<string, unknown>;
  /** PNG pictures, embedded in the page in this order; consecutive ones of one `row` side by side under it. */
  pictures: { name: string; content: Buffer; row?: string }[];
  history?: LossHistory;
  /** Folders a path on the page is written relative to where that is shorter (the run folder, the current directory). */
  relativeTo?: string[];
}

/** Summary keys that the page shows in their own places; any other key goes under "Other". */
const SHOWN_KEYS = new Set([
  'name',
  'backend',
  'backend_detail',
  'strategy',
  'seed',
  'iterations',
  'wall_seconds',
  'train_seconds',
  'ms_per_iteration',
  'loss',
  'errors',
  'violations',
  'unknowns',
  'unknowns_uncertainty',
  'stages',
  'network',
  'points',
  'notes',
  'fields',
  'variables',
  'files',
  'energy',
  'energy_drift',
  'spec_file',
  'pinn_version',
]);

/**
 * A self-contained HTML page for one run: a headline with the numbers a person reads first and a
 * verdict, then the run's settings in words, stages, loss, errors, violations, notes, files and the
 * pictures inlined as data: URIs. Every string from the summary is escaped; no value is shown as JSON.
 */
export function renderReport(input: ReportInput): string {
  const { summary } = input;
  const name = typeof summary.name === 'string' ? summary.name : 'run';
  const sections = [
    headlineSection(summary),
    runSection(summary, input.relativeTo ?? []),
    stagesSection(summary.stages),
    lossSection(summary.loss, input.history),
    errorsSection(summary.errors),
    violationsSection(summary.violations),
    unknownsSection(summary.unknowns, summary.unknowns_uncertainty),
    energySection(summary.energy, summary.energy_drift),
    picturesSection(input.pictures),
    notesSection(summary.notes),
    filesSection(summary.files),
    otherSection(summary),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>pinn: ${escapeHtml(name)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(name)}</h1>`,
    ...sections.filter((s) => s !== ''),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// Long cells (file names, notes, paths) wrap anywhere, so no table is wider than the window.
const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em;line-height:1.4}',
  '*{box-sizing:border-box}',
  'table{border-collapse:collapse;margin:.5em 0 1.5em;max-width:100%}',
  'th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left;vertical-align:top;overflow-wrap:anywhere}',
  'td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}',
  'th{background:#f3f3f3}',
  'table.headline th{background:none;border:none;padding-left:0;font-weight:600}',
  'table.headline td{border:none}',
  'p.verdict{padding:.6em .9em;border-left:.4em solid;max-width:100%;overflow-wrap:anywhere}',
  'p.verdict.ok{border-color:#2a8a3a;background:#eef8ef}',
  'p.verdict.warn{border-color:#c0392b;background:#fcefed}',
  'ul{padding-left:1.4em}li{overflow-wrap:anywhere}',
  'figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top;max-width:100%}',
  'figcaption{font-size:.9em;color:#555;overflow-wrap:anywhere}',
  // A row: a field, its exact solution and error side by side, or a time series as frames (wrapping).
  'div.row{display:grid;grid-template-columns:repeat(auto-fill,minmax(20em,1fr));gap:.5em;margin-bottom:1em}',
  'div.row.frames{grid-template-columns:repeat(auto-fill,minmax(8em,1fr))}',
  'div.row figure{margin:0;min-width:0}',
  'img{max-width:100%;height:auto}',
  '@media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit;text-decoration:none}',
  'table,figure,p.verdict{break-inside:avoid}h2,h3{break-after:avoid}',
  'p.verdict{border:1px solid #000;border-left-width:.4em}}',
].join('');

/** The verdict, then problem, backend, strategy, wall time, final loss, each field's error and the worst violation. */
function headlineSection(summary: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  const backend = str(summary.backend);
  if (backend !== undefined) rows.push(['backend', escapeHtml(backend)]);
  const strategy = str(summary.strategy);
  if (strategy !== undefined) rows.push(['strategy', escapeHtml(strategy)]);
  const wall = num(summary.wall_seconds);
  if (wall !== undefined) rows.push(['wall time', escapeHtml(formatDuration(wall))]);
  const loss = isRecord(summary.loss) ? num(summary.loss.total) : undefined;
  if (loss !== undefined) rows.push(['final loss', escapeHtml(formatValue(loss))]);
  for (const [field, e] of entries(summary.errors)) {
    const l2 = isRecord(e) ? num(e.l2_relative) : undefined;
    if (l2 !== undefined) rows.push([`L2 relative error of ${field}`, escapeHtml(formatValue(l2))]);
  }
  const worst = worstViolations(summary.violations)[0];
  if (worst) rows.push(['worst violation', `${escapeHtml(worst.name)}: max ${escapeHtml(formatValue(worst.max))}`]);
  const verdict = verdictOf(summary);
  const verdictHtml =
    verdict.length === 0
      ? '<p class="verdict ok">Finished: no warnings in the summary.</p>'
      : `<p class="verdict warn">Warning: ${verdict.map(escapeHtml).join('; ')}.</p>`;
  const table = rows.length
    ? `<table class="headline">\n${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('\n')}\n</table>`
    : '';
  return [verdictHtml, table].filter((s) => s !== '').join('\n');
}

/**
 * What went wrong, read from the summary alone; empty for a clean run. The warnings: a non-finite
 * loss, error or violation; a field whose L2 relative error (where `exact` is given) is over
 * ERROR_WARN; a time-domain Maxwell run whose energy strays by over ENERGY_WARN; an L-BFGS stage
 * whose stop reason is not "iteration limit" (it stopped before its budget: a Levenberg-Marquardt
 * stage ends that way when it has converged, so it is not flagged); and a constraint whose
 * max violation is over 100 times the next largest (so that only a violation orders of magnitude
 * out of line is flagged).
 */
export function verdictOf(summary: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const nonFinite = nonFiniteValues(summary);
  if (nonFinite.length) warnings.push(`non-finite values: ${nonFinite.join(', ')}`);
  warnings.push(...accuracyWarnings(summary));
  list(summary.stages).forEach((st, i) => {
    if (!isRecord(st) || st.optimizer !== 'lbfgs') return;
    const reason = str(st.stopReason);
    if (reason === undefined || reason === 'iteration limit') return;
    const its = num(st.iterations);
    const after = its === undefined ? '' : ` after ${formatCount(its)} iterations`;
    warnings.push(`L-BFGS (stage ${i + 1}) stopped before its budget${after}: ${reason}`);
  });
  for (const u of Object.values(isRecord(summary.unknowns_uncertainty) ? summary.unknowns_uncertainty : {}))
    if (isRecord(u) && str(u.warning)) warnings.push(str(u.warning)!);
  const tolerance = isRecord(summary.tolerance) ? summary.tolerance : undefined;
  const missed = list(tolerance?.missed).filter((m): m is string => typeof m === 'string');
  if (missed.length)
    warnings.push(`missed the tolerance ${formatValue(num(tolerance?.value) ?? NaN)}: ${missed.join('; ')}`);
  for (const h of list(summary.health)) {
    if (isRecord(h) && str(h.message)) warnings.push(`${str(h.message)!}; ${str(h.advice) ?? ''}`);
  }
  const [worst, next] = worstViolations(summary.violations);
  if (worst && next && next.max > 0 && worst.max > OUTLIER_RATIO * next.max) {
    warnings.push(
      `the violation of ${worst.name} (max ${formatValue(worst.max)}) is over ${OUTLIER_RATIO} times the next largest (${next.name}, ${formatValue(next.max)})`,
    );
  }
  return warnings;
}

const OUTLIER_RATIO = 100;
/** An L2 relative error over 10% means the field is wrong, not merely imprecise (docs/outputs.md). */
const ERROR_WARN = 0.1;
/** A field energy 1% away from its start (or from the exact energy) is far from conserved (docs/outputs.md). */
const ENERGY_WARN = 0.01;

/** Fields far from their exact solution, and a time-domain Maxwell run whose energy is not what it should be. */
function accuracyWarnings(summary: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  for (const [field, e] of entries(summary.errors)) {
    const l2 = isRecord(e) ? num(e.l2_relative) : undefined;
    if (l2 !== undefined && l2 > ERROR_WARN)
      warnings.push(`the L2 relative error of ${field} is ${formatValue(l2)} (over ${formatValue(ERROR_WARN)})`);
  }
  const energy = list(summary.energy).filter(isRecord);
  const exact = energy.map((p) => num(p.exact));
  const start = exact[0];
  if (energy.length && start !== undefined && exact.every((v) => v !== undefined)) {
    // With the exact energy known, a lossy problem's falling energy is no fault: compare with it.
    const away = Math.max(...energy.map((p, i) => Math.abs((num(p.value) ?? NaN) - exact[i]!))) / Math.abs(start);
    if (away > ENERGY_WARN)
      warnings.push(
        `the field energy strays from the exact solution's by ${formatValue(away)} of its start (over ${formatValue(ENERGY_WARN)})`,
      );
    return warnings;
  }
  const drift = num(summary.energy_drift);
  if (drift !== undefined && drift > ENERGY_WARN)
    warnings.push(
      `the field energy drifts by ${formatValue(drift)} of its start (over ${formatValue(ENERGY_WARN)}; a lossless cavity conserves it)`,
    );
  return warnings;
}

/**
 * What a run's summary misses of a tolerance: each condition's and inequality's max violation,
 * and each field's L2 relative error where the spec gives an exact solution (data misfits are
 * fits, not constraints, and stay out). Empty when every one is within it.
 */
export function toleranceMisses(summary: Record<string, unknown>, tolerance: number): string[] {
  const missed: string[] = [];
  for (const v of list(summary.violations)) {
    if (!isRecord(v) || v.kind === 'data') continue;
    const max = num(v.max);
    if (max === undefined || !(max <= tolerance))
      missed.push(
        `max violation of ${str(v.name) ?? '?'} ${formatValue(max ?? Number.NaN)} > ${formatValue(tolerance)}`,
      );
  }
  for (const [field, e] of entries(summary.errors)) {
    const l2 = isRecord(e) ? num(e.l2_relative) : undefined;
    if (l2 === undefined || !(l2 <= tolerance))
      missed.push(`${field} L2 relative error ${formatValue(l2 ?? Number.NaN)} > ${formatValue(tolerance)}`);
  }
  return missed;
}

function nonFiniteValues(summary: Record<string, unknown>): string[] {
  const found: string[] = [];
  const check = (label: string, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) found.push(`${label} = ${String(v)}`);
  };
  if (isRecord(summary.loss)) {
    check('final loss', summary.loss.total);
    for (const [part, v] of entries(summary.loss.parts)) check(`loss ${part}`, v);
  }
  for (const [field, e] of entries(summary.errors)) {
    for (const [measure, v] of entries(e)) check(`${measure} of ${field}`, v);
  }
  for (const v of list(summary.violations)) {
    if (!isRecord(v)) continue;
    check(`RMS violation of ${String(v.name)}`, v.rms);
    check(`max violation of ${String(v.name)}`, v.max);
  }
  return found;
}

/** Violations with a numeric max, largest first (non-finite ones first of all). */
function worstViolations(violations: unknown): { name: string; max: number }[] {
  return list(violations)
    .filter(isRecord)
    .map((v) => ({ name: str(v.name) ?? '?', max: num(v.max) ?? Number.NaN }))
    .sort((a, b) => rank(b.max) - rank(a.max));
}

function rank(v: number): number {
  return Number.isFinite(v) ? v : Infinity;
}

/** Settings in words: the network, the points, seed, iterations, timing, fields, versions. */
function runSection(summary: Record<string, unknown>, relativeTo: string[]): string {
  const rows: [string, string][] = [];
  const push = (key: string, text: string | undefined) => {
    if (text !== undefined && text !== '') rows.push([key, text]);
  };
  push('backend detail', str(summary.backend_detail));
  push('network', networkText(summary.network));
  push('training points', pointsText(summary.points));
  push('seed', num(summary.seed) === undefined ? undefined : formatCount(num(summary.seed)!));
  push('iterations', num(summary.iterations) === undefined ? undefined : formatCount(num(summary.iterations)!));
  push('training time', mapNum(summary.train_seconds, formatDuration));
  push(
    'time per iteration',
    mapNum(summary.ms_per_iteration, (v) => `${formatValue(v)} ms`),
  );
  push('fields', list(summary.fields).map(String).join(', '));
  push('variables', list(summary.variables).map(String).join(', '));
  const spec = str(summary.spec_file);
  push('spec file', spec === undefined ? undefined : shortestPath(spec, relativeTo));
  push('pinn version', str(summary.pinn_version));
  if (rows.length === 0) return '';
  return `<h2>Run</h2>\n${table(
    [],
    rows.map(([k, v]) => `<th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td>`),
  )}`;
}

/** "3 x 50 tanh, 5301 parameters", or "64-32 tanh, ..." when the layers differ. */
export function networkText(network: unknown): string | undefined {
  if (!isRecord(network)) return undefined;
  const hidden = list(network.hidden).filter((h): h is number => typeof h === 'number');
  const same = hidden.length > 0 && hidden.every((h) => h === hidden[0]);
  const layers = same ? `${hidden.length} x ${hidden[0]}` : hidden.join('-');
  const activation = str(network.activation) ?? '';
  const params = num(network.parameters);
  const head = [layers, activation].filter((s) => s !== '').join(' ');
  return params === undefined ? head : `${head}, ${formatCount(params)} parameters`;
}

/** "2000 domain, 400 boundary points". */
export function pointsText(points: unknown): string | undefined {
  const parts = entries(points)
    .filter(([, n]) => typeof n === 'number')
    .map(([group, n]) => `${formatCount(n as number)} ${group}`);
  return parts.length ? `${parts.join(', ')} points` : undefined;
}

const OPTIMIZER_TITLES: Record<string, string> = {
  adam: 'Adam',
  lbfgs: 'L-BFGS',
  'levenberg-marquardt': 'Levenberg-Marquardt',
};

function stagesSection(stages: unknown): string {
  const rows = list(stages)
    .filter(isRecord)
    .map((st, i) => {
      const optimizer = OPTIMIZER_TITLES[String(st.optimizer)] ?? String(st.optimizer);
      const best = isRecord(st.best) ? num(st.best.iteration) : undefined;
      const restart = isRecord(st.restart) ? st.restart : undefined;
      const ended =
        (str(st.stopReason) ??
          (best === undefined ? '' : `with its lowest-loss parameters, of iteration ${formatCount(best)}`)) +
        (restart === undefined
          ? ''
          : `; restarted from the initial weights at iteration ${mapNum(restart.iteration, formatCount)}, kept the ${restart.kept === 'first' ? 'first attempt' : 'restart'}`);
      return [
        textCell(String(i + 1)),
        textCell(optimizer),
        numCell(mapNum(st.iterations, formatCount)),
        numCell(mapNum(st.seconds, formatDuration)),
        numCell(mapNum(st.msPerIteration, (v) => `${formatValue(v)} ms`)),
        numCell(mapNum(st.evaluations, formatCount)),
        textCell(ended),
      ].join('');
    });
  if (rows.length === 0) return '';
  const headers = ['stage', 'optimizer', 'iterations', 'time', 'per iteration', 'evaluations', 'ended'];
  return `<h2>Stages</h2>\n${table(headers, rows)}`;
}

function lossSection(loss: unknown, history: LossHistory | undefined): string {
  const rows: string[] = [];
  if (isRecord(loss)) {
    if ('total' in loss) rows.push(`<td>total</td>${valueCell(loss.total)}`);
    for (const [part, value] of entries(loss.parts)) rows.push(`<td>${escapeHtml(part)}</td>${valueCell(value)}`);
  }
  const records = history?.iterations.length ?? 0;
  const historyNote =
    history && records > 0
      ? `<p>${records} records, iterations ${history.iterations[0]} to ${history.iterations[records - 1]}; ` +
        `lowest total ${escapeHtml(formatValue(history.total.reduce((a, b) => (b < a ? b : a), Infinity)))}.</p>`
      : '';
  if (rows.length === 0 && historyNote === '') return '';
  return `<h2>Loss</h2>\n${rows.length ? table(['part', 'final value'], rows) : ''}${historyNote}`;
}

const MEASURE_NAMES: Record<string, string> = {
  l2_relative: 'L2 relative (l2_relative)',
  max_abs: 'max abs (max_abs)',
};

/** One row per field, one column per error measure (l2_relative, max_abs, ...). */
function errorsSection(errors: unknown): string {
  const fields = entries(errors);
  if (fields.length === 0) return '';
  const measures = [...new Set(fields.flatMap(([, e]) => (isRecord(e) ? Object.keys(e) : [])))];
  const rows = fields.map(
    ([field, e]) =>
      `<td>${escapeHtml(field)}</td>${measures.map((m) => valueCell(isRecord(e) ? e[m] : undefined)).join('')}`,
  );
  const headers = ['field', ...measures.map((m) => escapeHtml(MEASURE_NAMES[m] ?? m))];
  return `<h2>Errors against the exact solution</h2>\n${table(headers, rows)}`;
}

function violationsSection(violations: unknown): string {
  const items = list(violations).filter(isRecord);
  if (items.length === 0) return '';
  const rows = items.map((v) =>
    [
      textCell(str(v.name) ?? ''),
      textCell(str(v.kind) ?? ''),
      textCell(str(v.imposed) ?? ''),
      numCell(mapNum(v.points, formatCount)),
      valueCell(v.rms),
      valueCell(v.max),
    ].join(''),
  );
  const headers = ['constraint', 'kind', 'imposed', 'points', 'RMS', 'max'];
  return `<h2>Constraint violations (fresh points)</h2>\n${table(headers, rows)}`;
}

function unknownsSection(unknowns: unknown, uncertainty: unknown): string {
  const bars = isRecord(uncertainty) ? uncertainty : {};
  const rows = entries(unknowns).map(([k, v]) => {
    const u = isRecord(bars[k]) ? bars[k] : {};
    const interval = list(u.interval_2sigma).flatMap((x) => (typeof x === 'number' ? [formatValue(x)] : []));
    const verdict = str(u.warning) ?? (u.identifiable ? 'yes' : '');
    return [
      `<td>${escapeHtml(k)}</td>`,
      valueCell(v),
      valueCell(u.std),
      textCell(interval.length === 2 ? `[${interval[0]}, ${interval[1]}]` : ''),
      textCell(verdict),
    ].join('');
  });
  const headers = ['unknown', 'value', 'std. deviation', '2-sigma interval', 'identified'];
  return rows.length ? `<h2>Identified unknowns</h2>\n${table(headers, rows)}` : '';
}

function energySection(energy: unknown, drift: unknown): string {
  const rows = list(energy)
    .filter(isRecord)
    .map((p) => [valueCell(p.t), valueCell(p.value), valueCell(p.exact)].join(''));
  if (rows.length === 0) return '';
  const driftText = mapNum(
    drift,
    (d) => `<p>Largest relative change of the energy: ${escapeHtml(formatValue(d))}.</p>`,
  );
  return `<h2>Field energy</h2>\n${table(['t', 'energy', 'exact'], rows)}${driftText ?? ''}`;
}

function notesSection(notes: unknown): string {
  const items = list(notes).map((n) => `<li>${escapeHtml(describe(n))}</li>`);
  return items.length ? `<h2>Notes</h2>\n<ul>\n${items.join('\n')}\n</ul>` : '';
}

/** The run's files as links relative to the report, which sits in the same folder. */
function filesSection(files: unknown): string {
  const items = list(files)
    .filter((f): f is string => typeof f === 'string')
    .map((f) => `<li><a href="${escapeHtml(encodeURI(f))}">${escapeHtml(f)}</a></li>`);
  return items.length ? `<h2>Files</h2>\n<ul>\n${items.join('\n')}\n</ul>` : '';
}

/** Keys this page does not know yet (summary.json gains keys over time), described in words. */
function otherSection(summary: Record<string, unknown>): string {
  const rows = Object.entries(summary)
    .filter(([key]) => !SHOWN_KEYS.has(key))
    .map(([key, value]) => `<th>${escapeHtml(key)}</th>${valueCell(value)}`);
  return rows.length ? `<h2>Other</h2>\n${table([], rows)}` : '';
}

function picturesSection(pictures: ReportInput['pictures']): string {
  if (pictures.length === 0) return '';
  const figure = (p: ReportInput['pictures'][number]) =>
    `<figure><img src="data:image/png;base64,${p.content.toString('base64')}" alt="${escapeHtml(p.name)}">` +
    `<figcaption>${escapeHtml(p.name)}</figcaption></figure>`;
  const rows: { row?: string; pictures: ReportInput['pictures'] }[] = [];
  for (const p of pictures) {
    const last = rows[rows.length - 1];
    if (last && p.row !== undefined && last.row === p.row) last.pictures.push(p);
    else rows.push({ row: p.row, pictures: [p] });
  }
  const html = rows.map(({ row, pictures: ps }) =>
    row === undefined
      ? ps.map(figure).join('\n')
      : `<h3>${escapeHtml(row)}</h3>\n<div class="row${ps.length > 3 ? ' frames' : ''}">\n${ps.map(figure).join('\n')}\n</div>`,
  );
  return `<h2>Pictures</h2>\n${html.join('\n')}`;
}

/** `headers` are escaped HTML; each row is the escaped HTML of its cells. */
function table(headers: string[], rows: string[]): string {
  const head = headers.length ? `<tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>\n` : '';
  return `<table>\n${head}${rows.map((r) => `<tr>${r}</tr>`).join('\n')}\n</table>`;
}

function textCell(text: string): string {
  return `<td>${escapeHtml(text)}</td>`;
}

function numCell(text: string | undefined): string {
  return text === undefined ? '<td></td>' : `<td class="num">${escapeHtml(text)}</td>`;
}

/** A value as an escaped cell: numbers right-aligned to 3 significant digits, anything else in words. */
function valueCell(value: unknown): string {
  if (typeof value === 'number') return numCell(formatValue(value));
  return textCell(describe(value));
}

/** A value in words, never JSON: lists joined by commas, records as "key: value; ...". */
function describe(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatValue(value);
  if (Array.isArray(value)) return value.map(describe).join(', ');
  if (isRecord(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${describe(v)}`)
      .join('; ');
  return String(value);
}

/** 3 significant digits; exponent form below 1e-3 and from 1e6 (8.1e-5, 0.0015, 41.2, 1.23e6). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) {
    const [mantissa, exponent] = v.toExponential(2).split('e') as [string, string];
    return `${mantissa.replace(/\.?0+$/, '')}e${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(3)));
}

/** Whole counts (iterations, points, parameters) in full. */
function formatCount(v: number): string {
  return Number.isInteger(v) ? String(v) : formatValue(v);
}

/** "0.42 s", "56 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return `${String(seconds)} s`;
  if (seconds < 59.5) return `${formatValue(seconds)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

function mapNum(value: unknown, f: (v: number) => string): string | undefined {
  const v = num(value);
  return v === undefined ? undefined : f(v);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function entries(value: unknown): [string, unknown][] {
  return isRecord(value) ? Object.entries(value) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
