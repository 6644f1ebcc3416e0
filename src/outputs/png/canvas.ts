import pngjs from 'pngjs';

/** An RGB colour, components 0..255. */
export type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const DARK_GREY: Rgb = [60, 60, 60];
/** Where a heat map has no value (outside the domain). */
export const MASK_GREY: Rgb = [230, 230, 230];

/** An RGB raster, row-major from the top-left, drawn on in place while one picture is composed. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export function createCanvas(width: number, height: number, background: Rgb = WHITE): Canvas {
  const rgb = new Uint8Array(width * height * 3);
  const [r, g, b] = background;
  if (r === g && g === b) rgb.fill(r);
  else for (let k = 0; k < width * height; k++) rgb.set(background, 3 * k);
  return { width, height, rgb };
}

/** Mixes `color` into pixel (x, y) with opacity `alpha`; pixels off the canvas are ignored. */
export function blendPixel(canvas: Canvas, x: number, y: number, color: Rgb, alpha = 1): void {
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height || alpha <= 0) return;
  const k = 3 * (y * canvas.width + x);
  const a = Math.min(1, alpha);
  for (let j = 0; j < 3; j++) canvas.rgb[k + j] = Math.round(canvas.rgb[k + j]! * (1 - a) + color[j]! * a);
}

export function fillRect(canvas: Canvas, x: number, y: number, w: number, h: number, color: Rgb): void {
  for (let j = Math.max(0, y); j < Math.min(canvas.height, y + h); j++) {
    for (let i = Math.max(0, x); i < Math.min(canvas.width, x + w); i++) blendPixel(canvas, i, j, color);
  }
}

/** A one-pixel outline just outside the rectangle [x, x+w) x [y, y+h). */
export function strokeRect(canvas: Canvas, x: number, y: number, w: number, h: number, color: Rgb): void {
  fillRect(canvas, x - 1, y - 1, w + 2, 1, color);
  fillRect(canvas, x - 1, y + h, w + 2, 1, color);
  fillRect(canvas, x - 1, y, 1, h, color);
  fillRect(canvas, x + w, y, 1, h, color);
}

interface LineStyle {
  color: Rgb;
  width: number;
  /** Dash and gap lengths in pixels; solid when absent. */
  dash?: [number, number];
}

/**
 * Draws an anti-aliased polyline through the points (pixel coordinates);
 * a non-finite coordinate breaks the line. Coverage is accumulated as a
 * per-pixel maximum before blending so that joints are not drawn twice.
 */
export function strokePolyline(canvas: Canvas, xs: ArrayLike<number>, ys: ArrayLike<number>, style: LineStyle): void {
  const coverage = new Float32Array(canvas.width * canvas.height);
  const half = style.width / 2;
  let pathLength = 0;
  for (let k = 0; k + 1 < xs.length; k++) {
    const [ax, ay, bx, by] = [xs[k]!, ys[k]!, xs[k + 1]!, ys[k + 1]!];
    if (![ax, ay, bx, by].every(Number.isFinite)) continue;
    coverSegment(canvas, coverage, ax, ay, bx, by, half, pathLength, style.dash);
    pathLength += Math.hypot(bx - ax, by - ay);
  }
  for (let idx = 0; idx < coverage.length; idx++) {
    const c = coverage[idx]!;
    if (c > 0) blendPixel(canvas, idx % canvas.width, Math.floor(idx / canvas.width), style.color, c);
  }
}

function coverSegment(
  canvas: Canvas,
  coverage: Float32Array,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  half: number,
  startLength: number,
  dash: [number, number] | undefined,
): void {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const reach = half + 1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const x1 = Math.min(canvas.width - 1, Math.ceil(Math.max(ax, bx) + reach));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const y1 = Math.min(canvas.height - 1, Math.ceil(Math.max(ay, by) + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - ax;
      const py = y + 0.5 - ay;
      const t = length2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / length2)) : 0;
      if (dash && (startLength + t * Math.sqrt(length2)) % (dash[0] + dash[1]) >= dash[0]) continue;
      const distance = Math.hypot(px - t * dx, py - t * dy);
      const c = Math.min(1, half + 0.5 - distance);
      const idx = y * canvas.width + x;
      if (c > coverage[idx]!) coverage[idx] = c;
    }
  }
}

/** RGB PNG with the Paeth filter on every row (pngjs tries all five per row by default, at twice the time). */
export function encodePng(canvas: Canvas): Buffer {
  const png = new pngjs.PNG({ width: canvas.width, height: canvas.height });
  for (let k = 0; k < canvas.width * canvas.height; k++) {
    png.data[4 * k] = canvas.rgb[3 * k]!;
    png.data[4 * k + 1] = canvas.rgb[3 * k + 1]!;
    png.data[4 * k + 2] = canvas.rgb[3 * k + 2]!;
    png.data[4 * k + 3] = 255;
  }
  return pngjs.PNG.sync.write(png, { colorType: 2, filterType: 4 });
}
