/**
 * Interval evaluation of the network over an input box, in interval jets.
 *
 * Affine layers use the midpoint-radius interval matrix product (the weights
 * are points: float32 values held exactly in float64), with a rigorous bound
 * on the float64 rounding of the products and sums; activations use the exact
 * ranges and derivative enclosures of ijet.RULES.
 */
import * as A from './interval.js';
import type { I } from './interval.js';
import * as JI from './ijet.js';
import type { Ctx, IJet } from './ijet.js';
import type { Model } from '../model/index.js';
import type { ActivationName } from '../spec/index.js';

interface PlainLayer {
  nIn: number;
  nOut: number;
  /** row-major [i * nOut + j] */ w: Float64Array;
  b: Float64Array;
}

/** The network and input scaling of a model as plain float64 arrays (exact copies of the float32 values). */
export interface PlainNet {
  activation: ActivationName;
  layers: PlainLayer[];
  fourier?: { nIn: number; count: number; b: Float64Array };
  shift: number[];
  scale: number[];
}

export function plainNet(model: Model): PlainNet {
  const layers = model.net.weights.map((w, l) => {
    const [nIn, nOut] = w.shape as [number, number];
    return { nIn, nOut, w: Float64Array.from(w.dataSync()), b: Float64Array.from(model.net.biases[l]!.dataSync()) };
  });
  const f = model.net.fourier;
  return {
    activation: model.net.shape.activation,
    layers,
    fourier: f ? { nIn: f.shape[0], count: f.shape[1], b: Float64Array.from(f.dataSync()) } : undefined,
    shift: model.shift.slice(),
    scale: model.scale.slice(),
  };
}

/** Reused work arrays (evaluation is single-threaded and not re-entrant here). */
const buffers: Float64Array[] = [];
function scratch(k: number, n: number, zero = false): Float64Array {
  let b = buffers[k];
  if (!b || b.length < n) {
    b = new Float64Array(Math.max(n, 64));
    buffers[k] = b;
  }
  const view = b.subarray(0, n);
  if (zero) view.fill(0);
  return view;
}

const GAMMA = (n: number): number => (n + 3) * 2 ** -52;

/**
 * One channel of x W (+ bias): encloses sum_i x_i W_ij for all x_i in the
 * given intervals. Midpoint-radius when everything is finite; plain interval
 * sums otherwise.
 */
function channelProduct(xs: I[], layer: PlainLayer, bias: Float64Array | undefined): I[] {
  const { nIn, nOut, w } = layer;
  const finite = xs.every((x) => Number.isFinite(x.lo) && Number.isFinite(x.hi));
  const outI: I[] = new Array(nOut);
  if (!finite) {
    for (let j = 0; j < nOut; j++) {
      let acc: I = bias ? A.point(bias[j]!) : A.point(0);
      for (let i = 0; i < nIn; i++) acc = A.add(acc, A.scale(xs[i]!, w[i * nOut + j]!));
      outI[j] = acc;
    }
    return outI;
  }
  if (xs.every(A.isZero)) {
    for (let j = 0; j < nOut; j++) outI[j] = bias ? A.point(bias[j]!) : { lo: 0, hi: 0 };
    return outI;
  }
  const mid = scratch(0, nIn);
  const rad = scratch(1, nIn);
  for (let i = 0; i < nIn; i++) {
    const x = xs[i]!;
    const m = 0.5 * x.lo + 0.5 * x.hi;
    mid[i] = m;
    rad[i] = A.up(Math.max(x.hi - m, m - x.lo));
  }
  const yc = scratch(2, nOut, true);
  const yr = scratch(3, nOut, true);
  const ya = scratch(4, nOut, true);
  for (let i = 0; i < nIn; i++) {
    const m = mid[i]!;
    const r = rad[i]!;
    const am = Math.abs(m);
    if (m === 0 && r === 0) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      const wij = w[row + j]!;
      const aw = Math.abs(wij);
      yc[j]! += m * wij;
      yr[j]! += r * aw;
      ya[j]! += am * aw;
    }
  }
  const g = GAMMA(nIn + 1);
  for (let j = 0; j < nOut; j++) {
    const b = bias ? bias[j]! : 0;
    const c = yc[j]! + b;
    const err = g * (ya[j]! + Math.abs(b) + yr[j]!) + nIn * Number.MIN_VALUE * 4;
    const r = yr[j]! + err;
    outI[j] = A.mk(A.dn(c - r), A.up(c + r));
  }
  return outI;
}

/** Dense layer on a vector of jets. */
export function dense(c: Ctx, xs: IJet[], layer: PlainLayer, withBias: boolean): IJet[] {
  const v = channelProduct(
    xs.map((x) => x.v),
    layer,
    withBias ? layer.b : undefined,
  );
  const g = Array.from({ length: c.ord >= 1 ? c.nv : 0 }, (_, k) =>
    channelProduct(
      xs.map((x) => x.g[k]!),
      layer,
      undefined,
    ),
  );
  const nh = c.ord >= 2 ? JI.pairCount(c.nv) : 0;
  const h = Array.from({ length: nh }, (_, p) =>
    channelProduct(
      xs.map((x) => x.h[p]!),
      layer,
      undefined,
    ),
  );
  const e = new Float64Array(layer.nOut);
  if (c.f32) {
    // |fl(x W + b) - (x W + b)| <= sum |W| e_x + gamma32_n (sum |W| |x| + |b|), any summation order.
    const g32 = (layer.nIn + 2) * JI.U32 * 1.0001;
    const { nIn, nOut, w } = layer;
    const prop = new Float64Array(nOut);
    const magSum = new Float64Array(nOut);
    if (withBias) for (let j = 0; j < nOut; j++) magSum[j] = Math.abs(layer.b[j]!);
    for (let i = 0; i < nIn; i++) {
      const ei = xs[i]!.e;
      const mi = A.mag(xs[i]!.v) + ei;
      const row = i * nOut;
      for (let j = 0; j < nOut; j++) {
        const aw = Math.abs(w[row + j]!);
        prop[j]! += aw * ei;
        magSum[j]! += aw * mi;
      }
    }
    for (let j = 0; j < nOut; j++) e[j] = (prop[j]! + g32 * magSum[j]!) * (1 + 2 ** -40);
  }
  return v.map((vj, j) => ({ v: vj, g: g.map((ch) => ch[j]!), h: h.map((ch) => ch[j]!), e: e[j]! }));
}

/**
 * Network output jets (one per output) for input variable jets `vars`
 * (in the model's variable order), including the input scaling, and the inputs computed from them after.
 */
export function forwardJets(c: Ctx, net: PlainNet, vars: IJet[], computed: IJet[] = []): IJet[] {
  let h: IJet[] = [
    ...vars.map((x, i) => JI.scaleNum(c, JI.sub(c, x, JI.numberJet(c, net.shift[i]!)), net.scale[i]!)),
    ...computed,
  ];
  if (net.fourier) {
    const { nIn, count, b } = net.fourier;
    const z = dense(c, h, { nIn, nOut: count, w: b, b: new Float64Array(count) }, false).map((t) =>
      JI.scaleNum(c, t, 2 * Math.PI),
    );
    h = [...z.map((t) => JI.chain(c, t, JI.RULES.sin)), ...z.map((t) => JI.chain(c, t, JI.RULES.cos))];
  }
  const act = JI.RULES[net.activation];
  const last = net.layers.length - 1;
  for (let l = 0; l < last; l++) h = dense(c, h, net.layers[l]!, true).map((t) => JI.chain(c, t, act));
  return dense(c, h, net.layers[last]!, true);
}
