import type { LossHistory } from '../../trainer/index.js';
import {
  createFigure,
  drawAxes,
  drawGridLines,
  FONT_SCALE,
  LABEL_HEIGHT,
  layoutFigure,
  linearTicks,
  tickCapacity,
  xTicksFor,
  type PlotArea,
  type Tick,
} from './axes.js';
import { BLACK, DARK_GREY, encodePng, strokePolyline, type Canvas, type Rgb } from './canvas.js';
import { drawText, textWidth } from './font.js';

export interface LineSeries {
  name: string;
  /** One value per x; non-finite values (and non-positive ones on a log axis) break the line. */
  values: ArrayLike<number>;
  /** Defaults to the next colour of the palette. */
  color?: Rgb;
  dashed?: boolean;
  width?: number;
  /** False leaves the series out of the legend. */
  inLegend?: boolean;
}

export interface LinePlotInput {
  x: ArrayLike<number>;
  series: LineSeries[];
  title: string;
  xlabel: string;
  ylabel?: string;
  logY?: boolean;
}

/** Matplotlib's "tab10" palette: distinct hues that stay apart for colour-blind viewers. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const PLOT_WIDTH = 520;
const PLOT_HEIGHT = 340;
const LEGEND_GAP = 20;
const LEGEND_SWATCH = 28;
const LEGEND_ROW = 24;

/** Curves y(x) with a legend on the right; `logY` plots on decades. */
export function renderLinePlot(input: LinePlotInput): Buffer {
  const toY = input.logY ? (v: number) => (v > 0 ? Math.log10(v) : NaN) : (v: number) => v;
  const ys = input.series.map((s) => Array.from(s.values, toY));
  const [xLo, xHi] = extent(Array.from(input.x));
  const [yLo, yHi] = input.logY ? decadeRange(ys.flat()) : paddedRange(ys.flat());
  const yTicks = input.logY
    ? decadeTicks(yLo, yHi, PLOT_HEIGHT, 0, tickCapacity(PLOT_HEIGHT, LABEL_HEIGHT))
    : linearTicks(yLo, yHi, PLOT_HEIGHT, 0, tickCapacity(PLOT_HEIGHT, LABEL_HEIGHT));
  const legendSeries = input.series.filter((s) => s.inLegend !== false);
  const longestName = Math.max(0, ...legendSeries.map((s) => textWidth(s.name, FONT_SCALE)));
  const legendWidth = LEGEND_GAP + LEGEND_SWATCH + 8 + longestName + 16;
  const layout = layoutFigure(
    PLOT_WIDTH,
    PLOT_HEIGHT,
    yTicks.map((t) => t.label),
    input.ylabel ?? '',
    legendWidth,
    input.title,
  );
  const { area } = layout;
  const legendHeight = area.top + legendSeries.length * LEGEND_ROW + 16;
  const canvas = createFigure(layout.width, Math.max(layout.height, legendHeight), input.title);
  const xTicks = xTicksFor(xLo, xHi, area);
  const shiftedY = yTicks.map((t) => ({ pos: t.pos + area.top, label: t.label }));
  drawGridLines(canvas, area, xTicks, shiftedY);
  const styled = input.series.map((s, k) => ({ ...s, color: s.color ?? PALETTE[k % PALETTE.length]! }));
  styled.forEach((s, k) => {
    const px = Array.from(input.x, (x) => toPixel(x, xLo, xHi, area.left, area.left + area.width));
    const py = ys[k]!.map((y) => toPixel(y, yLo, yHi, area.top + area.height, area.top));
    strokePolyline(canvas, px, py, lineStyle(s));
  });
  drawAxes(canvas, area, xTicks, shiftedY, [input.xlabel, input.ylabel ?? '']);
  drawLegend(
    canvas,
    area,
    styled.filter((s) => s.inLegend !== false),
  );
  return encodePng(canvas);
}

/** The loss history on a log scale: the total in black, each part in its own colour. */
export function renderLossCurve(history: LossHistory): Buffer {
  return renderLinePlot({
    x: history.iterations,
    series: [
      { name: 'total', values: history.total, color: BLACK, width: 2.5 },
      ...history.parts.map((name, p) => ({
        name,
        values: history.values[p] ?? [],
        color: PALETTE[p % PALETTE.length]!,
      })),
    ],
    title: 'training loss',
    xlabel: 'iteration',
    ylabel: 'loss',
    logY: true,
  });
}

function lineStyle(s: LineSeries & { color: Rgb }): { color: Rgb; width: number; dash?: [number, number] } {
  return { color: s.color, width: s.width ?? 2, ...(s.dashed ? { dash: [8, 6] as [number, number] } : {}) };
}

function toPixel(v: number, lo: number, hi: number, from: number, to: number): number {
  if (!Number.isFinite(v)) return NaN;
  return hi > lo ? from + ((v - lo) / (hi - lo)) * (to - from) : (from + to) / 2;
}

function extent(values: number[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** The data's range with 5% room above and below, so curves do not run along the frame. */
function paddedRange(values: number[]): [number, number] {
  const [lo, hi] = extent(values);
  const pad = hi > lo ? 0.05 * (hi - lo) : Math.abs(lo) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/** Whole decades (log10 units) around the data. */
function decadeRange(logValues: number[]): [number, number] {
  const [lo, hi] = extent(logValues);
  const bottom = Math.floor(lo);
  return [bottom, Math.max(bottom + 1, Math.ceil(hi))];
}

/** Ticks at powers of ten, every k-th decade when there are many, labelled 1e-3 style. */
function decadeTicks(lo: number, hi: number, from: number, to: number, maxCount: number): Tick[] {
  const stride = Math.ceil((hi - lo + 1) / maxCount);
  const ticks: Tick[] = [];
  for (let e = lo; e <= hi; e += stride) ticks.push({ pos: toPixel(e, lo, hi, from, to), label: `1e${e}` });
  return ticks;
}

function drawLegend(canvas: Canvas, area: PlotArea, series: Array<LineSeries & { color: Rgb }>): void {
  const left = area.left + area.width + LEGEND_GAP;
  series.forEach((s, k) => {
    const middle = area.top + 8 + k * LEGEND_ROW;
    strokePolyline(canvas, [left, left + LEGEND_SWATCH], [middle, middle], lineStyle(s));
    drawText(canvas, s.name, left + LEGEND_SWATCH + 8, middle - LABEL_HEIGHT / 2, {
      color: DARK_GREY,
      scale: FONT_SCALE,
    });
  });
}
