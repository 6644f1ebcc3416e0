/**
 * results.html beside results.csv and results.md: the table, and each swept key plotted against
 * the cases' error and time, one line per combination of the other keys. One self-contained page.
 */
import { escapeHtml, renderLinePlot } from '../outputs/index.js';
import { showValue } from './file.js';

export interface PageCase {
  params: Record<string, unknown>;
  /** The largest L2 relative error over the fields, else the largest violation; undefined unless ok. */
  error?: number;
  seconds?: number;
  /** Link to the case's report.html, relative to the page. */
  report?: string;
}

export interface PageInput {
  name: string;
  counts: string;
  keys: string[];
  /** What `error` is, for the axis: "largest L2 relative error" or "largest violation". */
  errorLabel: string;
  /** The results.md table: header and cells, `**failed**` marking a case that did not finish. */
  header: string[];
  cells: string[][];
  cases: PageCase[];
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em;line-height:1.4}',
  'table{border-collapse:collapse;margin:.5em 0 1.5em;max-width:100%}',
  'th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left;vertical-align:top;overflow-wrap:anywhere}',
  'th{background:#f3f3f3}',
  'figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top;max-width:100%}',
  'figcaption{font-size:.9em;color:#555;overflow-wrap:anywhere}img{max-width:100%;height:auto}',
].join('');

export function resultsPage(input: PageInput): string {
  const plots = input.keys.flatMap((key) => keyPlots(input, key));
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>pinn sweep: ${escapeHtml(input.name)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>Sweep ${escapeHtml(input.name)}</h1>`,
    `<p>${escapeHtml(input.counts)}</p>`,
    ...(plots.length ? ['<h2>Swept values against error and time</h2>', ...plots] : []),
    '<h2>Cases</h2>',
    resultsTable(input),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function resultsTable(input: PageInput): string {
  const head = `<tr>${input.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = input.cells.map((cells, i) => {
    const report = input.cases[i]?.report;
    const tds = cells.map((c, j) => {
      const bold = /^\*\*(.*)\*\*$/.exec(c);
      const text = escapeHtml(bold ? bold[1]! : c);
      const shown = bold ? `<strong>${text}</strong>` : text;
      return `<td>${j === 0 && report ? `<a href="${escapeHtml(report)}">${shown}</a>` : shown}</td>`;
    });
    return `<tr>${tds.join('')}</tr>`;
  });
  return `<table>\n${[head, ...rows].join('\n')}\n</table>`;
}

/**
 * The key's values as x: themselves when all are numbers, else their positions 1, 2, ... (named
 * in the caption). Empty when the key takes fewer than two values.
 */
function axisOf(cases: PageCase[], key: string): { x: number[]; of: (v: unknown) => number; legend: string } {
  const shown: string[] = [];
  for (const c of cases) if (!shown.includes(showValue(c.params[key]))) shown.push(showValue(c.params[key]));
  const numeric = cases.every((c) => typeof c.params[key] === 'number');
  if (numeric) {
    const x = [...new Set(cases.map((c) => c.params[key] as number))].sort((a, b) => a - b);
    return { x, of: (v) => x.indexOf(v as number), legend: '' };
  }
  const legend = shown.map((s, i) => `${i + 1} = ${s}`).join(', ');
  return { x: shown.map((_, i) => i + 1), of: (v) => shown.indexOf(showValue(v)), legend };
}

/** Two pictures for one swept key: error (log scale) and seconds, a line per setting of the other keys. */
function keyPlots(input: PageInput, key: string): string[] {
  const cases = input.cases.filter((c) => key in c.params);
  const axis = axisOf(cases, key);
  if (axis.x.length < 2) return [];
  const others = input.keys.filter((k) => k !== key);
  const groups = new Map<string, PageCase[]>();
  for (const c of cases) {
    const name = others.map((k) => `${k}=${showValue(c.params[k])}`).join(', ') || 'all cases';
    groups.set(name, [...(groups.get(name) ?? []), c]);
  }
  const series = (metric: (c: PageCase) => number | undefined) =>
    [...groups].map(([name, members]) => {
      const values = axis.x.map(() => Number.NaN);
      for (const c of members) values[axis.of(c.params[key])] = metric(c) ?? Number.NaN;
      return { name, values };
    });
  const figure = (png: Buffer, alt: string) =>
    `<figure><img alt="${escapeHtml(alt)}" src="data:image/png;base64,${png.toString('base64')}">` +
    `<figcaption>${escapeHtml(alt)}${axis.legend ? `; ${escapeHtml(key)}: ${escapeHtml(axis.legend)}` : ''}</figcaption></figure>`;
  const plots: string[] = [];
  const plot = (metric: (c: PageCase) => number | undefined, label: string, logY: boolean) => {
    if (!cases.some((c) => Number.isFinite(metric(c)))) return; // no case finished: nothing to draw
    const title = `${label} by ${key}`;
    plots.push(
      figure(renderLinePlot({ x: axis.x, series: series(metric), title, xlabel: key, ylabel: label, logY }), title),
    );
  };
  plot((c) => c.error, input.errorLabel, true);
  plot((c) => c.seconds, 'seconds', false);
  return plots;
}
