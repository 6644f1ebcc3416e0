import { createCanvas, DARK_GREY, fillRect, strokeRect, type Canvas, type Rgb } from './canvas.js';
import { CAP_HEIGHT, drawText, drawTextUp, textWidth } from './font.js';

/** Every label is drawn at this font scale: 10x14-pixel capitals, readable at 100% zoom. */
export const FONT_SCALE = 2;
export const LABEL_HEIGHT = CAP_HEIGHT * FONT_SCALE;
const TICK_LENGTH = 5;
const TICK_GAP = 4;
const EDGE = 16;
const TITLE_GAP = 18;
const GRID_GREY: Rgb = [232, 232, 232];

/** The data rectangle of a figure, in canvas pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A labelled tick at a pixel position along its axis. */
export interface Tick {
  pos: number;
  label: string;
}

/**
 * Up to `maxCount` round numbers (1, 2 or 5 times a power of ten apart)
 * inside [min, max], and their spacing.
 */
function niceTicks(min: number, max: number, maxCount: number): { values: number[]; step: number } {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span))
    return { values: Number.isFinite(min) ? [min] : [], step: Math.abs(min) || 1 };
  let step = 0;
  for (let power = Math.floor(Math.log10(span / Math.max(1, maxCount))) - 1; step === 0; power++) {
    for (const m of [1, 2, 5]) {
      const candidate = m * 10 ** power;
      if (Math.floor(max / candidate + 1e-9) - Math.ceil(min / candidate - 1e-9) + 1 <= maxCount) {
        step = candidate;
        break;
      }
    }
  }
  const values: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k <= Math.floor(max / step + 1e-9); k++) values.push(k * step);
  return { values, step };
}

/**
 * Labels for evenly spaced ticks: fixed point with just enough decimals for
 * the step, or `2.5e-4` style when the numbers are very large or very small.
 */
function formatTicks(values: number[], step: number): string[] {
  const largest = Math.max(...values.map(Math.abs));
  const stepPower = Math.floor(Math.log10(step) + 1e-9);
  const exponential = largest >= 1e5 || (largest > 0 && largest < 1e-2);
  return values.map((v) => {
    if (Math.abs(v) < step * 1e-6) return '0';
    if (!exponential) return v.toFixed(Math.min(12, Math.max(0, -stepPower)));
    const digits = Math.max(1, Math.floor(Math.log10(Math.abs(v)) + 1e-9) - stepPower + 1);
    return compactExponential(v.toExponential(Math.min(12, digits - 1)));
  });
}

/** A short general-purpose rendering of a number: 6 significant digits, no trailing zeros. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return compactExponential(v.toExponential(5));
  return String(Number(v.toPrecision(6)));
}

/** '2.500e-4' -> '2.5e-4', '1.0e+5' -> '1e5'. */
function compactExponential(text: string): string {
  const [mantissa, exponent] = text.split('e') as [string, string];
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${Number(exponent)}`;
}

/** Short y-axis names (x, u, Ez) read best upright; longer ones are turned to run along the axis. */
function isUprightName(name: string): boolean {
  return name.length <= 3;
}

/** Horizontal room the y-axis name takes. */
function yNameWidth(name: string): number {
  return isUprightName(name) ? textWidth(name, FONT_SCALE) : LABEL_HEIGHT;
}

/** Canvas size and plot area for a figure with a title, axis labels and `rightExtra` pixels (colour bar, legend) on the right. */
export function layoutFigure(
  plotWidth: number,
  plotHeight: number,
  yLabels: string[],
  yName: string,
  rightExtra: number,
  title: string,
): { width: number; height: number; area: PlotArea } {
  const yLabelWidth = Math.max(0, ...yLabels.map((l) => textWidth(l, FONT_SCALE)));
  const left = EDGE + yNameWidth(yName) + 14 + yLabelWidth + TICK_GAP + TICK_LENGTH;
  const top = EDGE + LABEL_HEIGHT + TITLE_GAP;
  const bottom = TICK_LENGTH + TICK_GAP + LABEL_HEIGHT + 12 + LABEL_HEIGHT + EDGE;
  const width = Math.max(left + plotWidth + rightExtra, textWidth(title, FONT_SCALE) + 2 * EDGE);
  return { width, height: top + plotHeight + bottom, area: { left, top, width: plotWidth, height: plotHeight } };
}

export function createFigure(width: number, height: number, title: string): Canvas {
  const canvas = createCanvas(width, height);
  drawText(canvas, title, width / 2, EDGE, { color: DARK_GREY, scale: FONT_SCALE, align: 'center' });
  return canvas;
}

/** Light lines across the plot area at the tick positions, drawn under the data. */
export function drawGridLines(canvas: Canvas, area: PlotArea, xTicks: Tick[], yTicks: Tick[]): void {
  for (const t of xTicks) fillRect(canvas, Math.round(t.pos), area.top, 1, area.height, GRID_GREY);
  for (const t of yTicks) fillRect(canvas, area.left, Math.round(t.pos), area.width, 1, GRID_GREY);
}

/** Frame, tick marks, tick labels and axis names around the plot area. */
export function drawAxes(
  canvas: Canvas,
  area: PlotArea,
  xTicks: Tick[],
  yTicks: Tick[],
  names: readonly [string, string],
): void {
  const style = { color: DARK_GREY, scale: FONT_SCALE };
  const bottom = area.top + area.height;
  strokeRect(canvas, area.left, area.top, area.width, area.height, DARK_GREY);
  for (const t of xTicks) {
    fillRect(canvas, Math.round(t.pos), bottom + 1, 1, TICK_LENGTH, DARK_GREY);
    drawText(canvas, t.label, t.pos, bottom + TICK_LENGTH + TICK_GAP, { ...style, align: 'center' });
  }
  const xNameTop = bottom + TICK_LENGTH + TICK_GAP + LABEL_HEIGHT + 12;
  drawText(canvas, names[0], area.left + area.width / 2, xNameTop, { ...style, align: 'center' });
  for (const t of yTicks) {
    fillRect(canvas, area.left - 1 - TICK_LENGTH, Math.round(t.pos), TICK_LENGTH, 1, DARK_GREY);
    drawText(canvas, t.label, area.left - 1 - TICK_LENGTH - TICK_GAP, t.pos - LABEL_HEIGHT / 2, {
      ...style,
      align: 'right',
    });
  }
  if (isUprightName(names[1]))
    drawText(canvas, names[1], EDGE, widestGapMiddle(area, yTicks) - LABEL_HEIGHT / 2, style);
  else drawTextUp(canvas, names[1], EDGE, area.top + area.height / 2, style);
}

/** The middle of the largest space between y tick labels, so that an upright axis name is not read as part of a label. */
function widestGapMiddle(area: PlotArea, yTicks: Tick[]): number {
  const edges = [area.top, ...yTicks.map((t) => t.pos).sort((p, q) => p - q), area.top + area.height];
  const centre = area.top + area.height / 2;
  let best = { size: -1, middle: centre };
  for (let k = 0; k + 1 < edges.length; k++) {
    const size = edges[k + 1]! - edges[k]!;
    const middle = (edges[k]! + edges[k + 1]!) / 2;
    // Equal gaps (within a pixel): the one nearest the centre.
    const closer = Math.abs(middle - centre) < Math.abs(best.middle - centre);
    if (size > best.size + 1 || (size >= best.size - 1 && closer)) best = { size, middle };
  }
  return best.middle;
}

/** Ticks for a linear axis mapping [lo, hi] onto pixels [from, to]. */
export function linearTicks(lo: number, hi: number, from: number, to: number, maxCount: number): Tick[] {
  const { values, step } = niceTicks(lo, hi, maxCount);
  const labels = formatTicks(values, step);
  const scale = hi > lo ? (to - from) / (hi - lo) : 0;
  return values.map((v, k) => ({ pos: hi > lo ? from + (v - lo) * scale : (from + to) / 2, label: labels[k]! }));
}

/** Ticks along the bottom of the plot area, as many as fit side by side. */
export function xTicksFor(lo: number, hi: number, area: PlotArea): Tick[] {
  const probeWidth = Math.max(0, ...linearTicks(lo, hi, 0, 1, 6).map((t) => textWidth(t.label, FONT_SCALE)));
  return linearTicks(lo, hi, area.left, area.left + area.width, tickCapacity(area.width, probeWidth));
}

/** How many ticks of about `labelWidth` pixels fit along `length` pixels without crowding. */
export function tickCapacity(length: number, labelWidth: number): number {
  return Math.max(2, Math.min(8, Math.floor(length / (labelWidth + 30))));
}
