import {
  createFigure,
  drawAxes,
  FONT_SCALE,
  LABEL_HEIGHT,
  layoutFigure,
  linearTicks,
  tickCapacity,
  xTicksFor,
  type PlotArea,
  type Tick,
} from './axes.js';
import { blendPixel, DARK_GREY, encodePng, fillRect, MASK_GREY, strokeRect, type Canvas } from './canvas.js';
import { drawText, textWidth } from './font.js';
import { viridis } from './viridis.js';

export interface HeatmapInput {
  /** One value per grid node, x fastest; values at nodes outside the domain are ignored. */
  values: ArrayLike<number>;
  /** Grid nodes along x and y. */
  counts: readonly [number, number];
  /** The colour scale: `min` maps to viridis' dark end, `max` to its bright end. */
  min: number;
  max: number;
  /** Non-zero where grid node k lies inside the domain. */
  inside: ArrayLike<number>;
  title: string;
  /** Axis names, x then y. */
  axes: readonly [string, string];
  /** The grid's physical extent: [[x0, x1], [y0, y1]]. */
  range: readonly [readonly [number, number], readonly [number, number]];
}

const LONG_SIDE = 440;
/** Thin domains are stretched to at most this aspect ratio so that they stay visible. */
const MAX_ASPECT = 3;
const BAR_GAP = 24;
const BAR_WIDTH = 18;

/** A heat map of a 2D field on its grid with a viridis colour bar; nodes outside the domain show as light grey. */
export function renderHeatmap(input: HeatmapInput): Buffer {
  const [lo, hi] = colourScale(input.min, input.max);
  const [plotWidth, plotHeight] = plotSize(input.range);
  const barTicks = linearTicks(lo, hi, plotHeight, 0, tickCapacity(plotHeight, LABEL_HEIGHT));
  const barLabelWidth = Math.max(0, ...barTicks.map((t) => textWidth(t.label, FONT_SCALE)));
  const [[x0, x1], [y0, y1]] = input.range;
  const yTicks = linearTicks(y0, y1, plotHeight, 0, tickCapacity(plotHeight, LABEL_HEIGHT));
  const barRoom = BAR_GAP + BAR_WIDTH + 10 + barLabelWidth + 16;
  const layout = layoutFigure(
    plotWidth,
    plotHeight,
    yTicks.map((t) => t.label),
    input.axes[1],
    barRoom,
    input.title,
  );
  const { area } = layout;
  const xTicks = xTicksFor(x0, x1, area);
  const canvas = createFigure(layout.width, layout.height, input.title);
  paintField(canvas, area, input, lo, hi);
  drawAxes(canvas, area, xTicks, shift(yTicks, area.top), input.axes);
  const bar = { left: area.left + plotWidth + BAR_GAP, top: area.top, width: BAR_WIDTH, height: plotHeight };
  drawColourBar(canvas, bar, shift(barTicks, area.top));
  return encodePng(canvas);
}

/** A usable colour scale even when the field is constant or empty. */
function colourScale(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max > min) return [min, max];
  const pad = Math.abs(min) * 0.05 || 1;
  return [min - pad, min + pad];
}

function plotSize(range: HeatmapInput['range']): [number, number] {
  const spanX = range[0][1] - range[0][0];
  const spanY = range[1][1] - range[1][0];
  const aspect = spanX > 0 && spanY > 0 ? Math.min(MAX_ASPECT, Math.max(1 / MAX_ASPECT, spanX / spanY)) : 1;
  return aspect >= 1 ? [LONG_SIDE, Math.round(LONG_SIDE / aspect)] : [Math.round(LONG_SIDE * aspect), LONG_SIDE];
}

function shift(ticks: Tick[], by: number): Tick[] {
  return ticks.map((t) => ({ pos: t.pos + by, label: t.label }));
}

/** Each pixel samples the grid: bilinear inside a cell whose corners are all inside, else the nearest node. */
function paintField(canvas: Canvas, area: PlotArea, input: HeatmapInput, lo: number, hi: number): void {
  const [nx, ny] = input.counts;
  for (let py = 0; py < area.height; py++) {
    const gy = (1 - (py + 0.5) / area.height) * (ny - 1);
    for (let px = 0; px < area.width; px++) {
      const gx = ((px + 0.5) / area.width) * (nx - 1);
      const value = sampleGrid(input, gx, gy);
      const colour = Number.isNaN(value) ? MASK_GREY : viridis((value - lo) / (hi - lo));
      blendPixel(canvas, area.left + px, area.top + py, colour);
    }
  }
}

/**
 * The value at fractional grid position (gx, gy), or NaN where the domain does not reach. Called once
 * per pixel, so it allocates nothing.
 */
function sampleGrid(input: Pick<HeatmapInput, 'values' | 'counts' | 'inside'>, gx: number, gy: number): number {
  const [nx, ny] = input.counts;
  const { values, inside } = input;
  const valueAt = (i: number, j: number): number => (inside[i + nx * j] ? values[i + nx * j]! : NaN);
  const i0 = cellStart(gx, nx);
  const j0 = cellStart(gy, ny);
  const [i1, j1] = [Math.min(i0 + 1, nx - 1), Math.min(j0 + 1, ny - 1)];
  const fx = nx < 2 ? 0 : Math.min(1, Math.max(0, gx - i0));
  const fy = ny < 2 ? 0 : Math.min(1, Math.max(0, gy - j0));
  const [a, b, c, d] = [valueAt(i0, j0), valueAt(i1, j0), valueAt(i0, j1), valueAt(i1, j1)];
  if (Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d)) {
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  }
  const nearest = valueAt(Math.round(i0 + fx), Math.round(j0 + fy));
  return Number.isFinite(nearest) ? nearest : NaN;
}

/** The first node i0 of the grid cell [i0, i0 + 1] holding fractional index g along an axis of n nodes. */
function cellStart(g: number, n: number): number {
  return n < 2 ? 0 : Math.min(n - 2, Math.max(0, Math.floor(g)));
}

/** A vertical viridis gradient (low at the bottom) with its tick values on the right. */
function drawColourBar(canvas: Canvas, bar: PlotArea, ticks: Tick[]): void {
  for (let py = 0; py < bar.height; py++) {
    fillRect(canvas, bar.left, bar.top + py, bar.width, 1, viridis(1 - (py + 0.5) / bar.height));
  }
  strokeRect(canvas, bar.left, bar.top, bar.width, bar.height, DARK_GREY);
  for (const t of ticks) {
    fillRect(canvas, bar.left + bar.width + 1, Math.round(t.pos), 5, 1, DARK_GREY);
    drawText(canvas, t.label, bar.left + bar.width + 10, t.pos - LABEL_HEIGHT / 2, {
      color: DARK_GREY,
      scale: FONT_SCALE,
    });
  }
}
