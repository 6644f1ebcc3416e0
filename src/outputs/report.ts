import { formatNumber } from './png/axes.js';
import type { LossHistory } from '../trainer/index.js';

interface ReportInput {
  /** The run's summary.json object. */
  summary: Record<string, unknown>;
  /** PNG pictures, embedded in the page in this order. */
  pictures: { name: string; content: Buffer }[];
  history?: LossHistory;
}

/** Summary keys shown in their own sections rather than in the run table. */
const SECTIONED_KEYS = new Set(['name', 'loss', 'errors', 'violations']);

/**
 * A self-contained HTML page for one run: the run's settings and timing,
 * loss, errors per field, constraint violations, and the pictures inlined
 * as data: URIs. Every string from the summary is escaped.
 */
export function renderReport(input: ReportInput): string {
  const { summary } = input;
  const name = typeof summary.name === 'string' ? summary.name : 'run';
  const sections = [
    runSection(summary),
    lossSection(summary.loss, input.history),
    errorsSection(summary.errors),
    violationsSection(summary.violations),
    picturesSection(input.pictures),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
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

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}',
  'table{border-collapse:collapse;margin:.5em 0 1.5em}',
  'th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}',
  'td.num{text-align:right;font-variant-numeric:tabular-nums}',
  'th{background:#f3f3f3}',
  'figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}',
  'figcaption{font-size:.9em;color:#555}',
  'img{max-width:100%}',
].join('');

/** Settings and timing: every top-level scalar; nested values not covered elsewhere as JSON. */
function runSection(summary: Record<string, unknown>): string {
  const rows = Object.entries(summary)
    .filter(([key]) => !SECTIONED_KEYS.has(key))
    .map(([key, value]) => `<th>${escapeHtml(key)}</th>${cell(value)}`);
  return rows.length === 0 ? '' : `<h2>Run</h2>\n${table([], rows)}`;
}

function lossSection(loss: unknown, history: LossHistory | undefined): string {
  const rows: string[] = [];
  if (isRecord(loss)) {
    if ('total' in loss) rows.push(`<td>total</td>${cell(loss.total)}`);
    const parts = isRecord(loss.parts) ? Object.entries(loss.parts) : [];
    for (const [part, value] of parts) rows.push(`<td>${escapeHtml(part)}</td>${cell(value)}`);
  }
  const records = history?.iterations.length ?? 0;
  const historyNote =
    history && records > 0
      ? `<p>${records} records, iterations ${history.iterations[0]} to ${history.iterations[records - 1]}; ` +
        `lowest total ${escapeHtml(formatNumber(history.total.reduce((a, b) => (b < a ? b : a), Infinity)))}.</p>`
      : '';
  if (rows.length === 0 && historyNote === '') return '';
  return `<h2>Loss</h2>\n${rows.length ? table(['part', 'final value'], rows) : ''}${historyNote}`;
}

/** One row per field, one column per error measure (l2_relative, max_abs, ...). */
function errorsSection(errors: unknown): string {
  if (!isRecord(errors) || Object.keys(errors).length === 0) return '';
  const measures = [...new Set(Object.values(errors).flatMap((e) => (isRecord(e) ? Object.keys(e) : [])))];
  const rows = Object.entries(errors).map(
    ([field, e]) =>
      `<td>${escapeHtml(field)}</td>${measures.map((m) => cell(isRecord(e) ? e[m] : undefined)).join('')}`,
  );
  return `<h2>Errors against the exact solution</h2>\n${table(['field', ...measures.map(escapeHtml)], rows)}`;
}

function violationsSection(violations: unknown): string {
  if (!Array.isArray(violations) || violations.length === 0) return '';
  const rows = violations.map((v) => {
    const item = isRecord(v) ? v : {};
    return [item.name, item.kind, item.rms, item.max].map(cell).join('');
  });
  return `<h2>Constraint violations (fresh points)</h2>\n${table(['constraint', 'kind', 'RMS', 'worst'], rows)}`;
}

function picturesSection(pictures: ReportInput['pictures']): string {
  if (pictures.length === 0) return '';
  const figures = pictures.map(
    (p) =>
      `<figure><img src="data:image/png;base64,${p.content.toString('base64')}" alt="${escapeHtml(p.name)}">` +
      `<figcaption>${escapeHtml(p.name)}</figcaption></figure>`,
  );
  return `<h2>Pictures</h2>\n${figures.join('\n')}`;
}

/** `headers` are escaped HTML; each row is the escaped HTML of its cells. */
function table(headers: string[], rows: string[]): string {
  const head = headers.length ? `<tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr>\n` : '';
  return `<table>\n${head}${rows.map((r) => `<tr>${r}</tr>`).join('\n')}\n</table>`;
}

/** A value as an escaped table cell: numbers right-aligned and shortened, structures as JSON. */
function cell(value: unknown): string {
  if (typeof value === 'number') return `<td class="num">${escapeHtml(formatNumber(value))}</td>`;
  if (value === undefined || value === null) return '<td></td>';
  if (typeof value === 'object') return `<td><code>${escapeHtml(JSON.stringify(value))}</code></td>`;
  return `<td>${escapeHtml(String(value))}</td>`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
