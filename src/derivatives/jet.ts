/**
 * Second-order forward-mode automatic differentiation ("jets") on tensors.
 *
 * A jet carries a value and the derivative channels a computation needs:
 * first derivatives per input variable, chosen mixed/pure second derivatives,
 * and optionally the Laplacian (sum of the pure second derivatives over the
 * spatial variables) propagated as a single channel. Channels that are not
 * wanted are never computed; a missing channel means "identically zero".
 *
 * Channel tensors may be broadcast-shaped (e.g. [1, width] for the derivative
 * of a linear function of the inputs); elementwise rules rely on tfjs
 * broadcasting, so constants never get materialised per point.
 *
 * Weight gradients come from first-order reverse mode over these forward ops,
 * which avoids tfjs's broken second-order gradients (Tanh, Sigmoid, Exp).
 */
import * as tf from '@tensorflow/tfjs';

type Tensor = tf.Tensor;

/** Which derivative channels to propagate. Indices refer to the input variables. */
export interface Channels {
  /** first[i]: propagate d/dvar_i. */
  first: boolean[];
  /** Second derivatives to propagate, as pair keys "i,j" with i <= j. */
  second: string[];
  /** Variables whose pure second derivatives sum to the Laplacian channel; null: no Laplacian channel. */
  lap: number[] | null;
}

const pairKey = (i: number, j: number): string => (i <= j ? `${i},${j}` : `${j},${i}`);
export const parsePair = (key: string): [number, number] => key.split(',').map(Number) as [number, number];

/** A context of no channels at all: jets reduce to plain values. */
export function valueOnly(nVars: number): Channels {
  return { first: new Array<boolean>(nVars).fill(false), second: [], lap: null };
}

export interface Jet {
  v: Tensor;
  /** d[i]: derivative with respect to variable i, or undefined (zero / not propagated). */
  d: (Tensor | undefined)[];
  /** Second derivatives by pair key. */
  dd: Map<string, Tensor>;
  lap?: Tensor;
}

// ---- tensor helpers where undefined means zero ----

function addZ(a: Tensor | undefined, b: Tensor | undefined): Tensor | undefined {
  if (!a) return b;
  if (!b) return a;
  return tf.add(a, b);
}

function mulZ(a: Tensor | undefined, b: Tensor | undefined): Tensor | undefined {
  return a && b ? tf.mul(a, b) : undefined;
}

function sumZ(terms: (Tensor | undefined)[]): Tensor | undefined {
  let acc: Tensor | undefined;
  for (const t of terms) acc = addZ(acc, t);
  return acc;
}

// ---- constructors ----

export function constant(ch: Channels, v: Tensor): Jet {
  return { v, d: new Array(ch.first.length).fill(undefined), dd: new Map() };
}

/**
 * The jet of input variable `index` given its values: derivative 1 with respect
 * to itself, zero otherwise, no curvature.
 */
export function inputVariable(ch: Channels, index: number, values: Tensor): Jet {
  const d = new Array<Tensor | undefined>(ch.first.length).fill(undefined);
  if (ch.first[index]) d[index] = tf.onesLike(values);
  return { v: values, d, dd: new Map() };
}

/**
 * The jet of the whole input matrix X [n, nVars] scaled per column:
 * value (X - shift) * scale, d_i = scale_i e_i as a broadcast row [1, nVars].
 */
export function inputMatrix(ch: Channels, x: Tensor, shift: number[], scale: number[]): Jet {
  const nVars = shift.length;
  const v = tf.mul(tf.sub(x, tf.tensor2d([shift])), tf.tensor2d([scale]));
  const d = new Array<Tensor | undefined>(nVars).fill(undefined);
  for (let i = 0; i < nVars; i++) {
    if (!ch.first[i]) continue;
    const row = new Array<number>(nVars).fill(0);
    row[i] = scale[i]!;
    d[i] = tf.tensor2d([row]);
  }
  return { v, d, dd: new Map() };
}

// ---- linear rules ----

export function add(ch: Channels, a: Jet, b: Jet): Jet {
  return linearCombine(
    ch,
    a,
    b,
    (x, y) => tf.add(x, y),
    (y) => y,
  );
}

export function sub(ch: Channels, a: Jet, b: Jet): Jet {
  return linearCombine(
    ch,
    a,
    b,
    (x, y) => tf.sub(x, y),
    (y) => tf.neg(y),
  );
}

function linearCombine(
  ch: Channels,
  a: Jet,
  b: Jet,
  both: (x: Tensor, y: Tensor) => Tensor,
  onlyB: (y: Tensor) => Tensor,
): Jet {
  const comb = (x: Tensor | undefined, y: Tensor | undefined): Tensor | undefined =>
    x && y ? both(x, y) : x ? x : y ? onlyB(y) : undefined;
  const d = a.d.map((ai, i) => (ch.first[i] ? comb(ai, b.d[i]) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const t = comb(a.dd.get(key), b.dd.get(key));
    if (t) dd.set(key, t);
  }
  const lap = ch.lap ? comb(a.lap, b.lap) : undefined;
  return { v: both(a.v, b.v), d, dd, lap };
}

export function neg(ch: Channels, a: Jet): Jet {
  return scale(ch, a, -1);
}

/** Multiplies every channel by a constant number. */
export function scale(ch: Channels, a: Jet, s: number): Jet {
  return mapChannels(ch, a, (t) => tf.mul(t, s));
}

/** Adds a constant number to the value only. */
export function shift(a: Jet, s: number): Jet {
  return { ...a, v: tf.add(a.v, s) };
}

/** The jet of a linear map applied to every channel alike. */
export function mapChannels(ch: Channels, a: Jet, f: (t: Tensor) => Tensor): Jet {
  const d = a.d.map((t, i) => (t && ch.first[i] ? f(t) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const t = a.dd.get(key);
    if (t) dd.set(key, f(t));
  }
  return { v: f(a.v), d, dd, lap: ch.lap && a.lap ? f(a.lap) : undefined };
}

// ---- product rule ----

export function mul(ch: Channels, a: Jet, b: Jet): Jet {
  const d = a.d.map((ai, i) => (ch.first[i] ? addZ(mulZ(ai, b.v), mulZ(a.v, b.d[i])) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const [i, j] = parsePair(key);
    const cross = i === j ? mulZ(mulZ(a.d[i], b.d[i]), tf.scalar(2)) : addZ(mulZ(a.d[i], b.d[j]), mulZ(a.d[j], b.d[i]));
    const t = sumZ([mulZ(a.dd.get(key), b.v), cross, mulZ(a.v, b.dd.get(key))]);
    if (t) dd.set(key, t);
  }
  let lap: Tensor | undefined;
  if (ch.lap) {
    const dot = sumZ(ch.lap.map((k) => mulZ(a.d[k], b.d[k])));
    lap = sumZ([mulZ(a.lap, b.v), dot && tf.mul(dot, 2), mulZ(a.v, b.lap)]);
  }
  return { v: tf.mul(a.v, b.v), d, dd, lap };
}

// ---- chain rule for elementwise functions ----

/**
 * Applies a scalar function elementwise given its value and its first and
 * second derivatives at a.v (computed by `derivs` from the value tensor, so
 * each function shares subexpressions between f, f', f'').
 */
export function chain(
  ch: Channels,
  a: Jet,
  derivs: (v: Tensor, needSecond: boolean) => { f: Tensor; f1?: Tensor; f2?: Tensor },
): Jet {
  const anyFirst = a.d.some((t, i) => t && ch.first[i]);
  const needSecond = anyFirst && (ch.second.length > 0 || ch.lap !== null);
  const { f, f1, f2 } = derivs(a.v, needSecond);
  if (!anyFirst) return constant(ch, f);
  const d = a.d.map((t, i) => (ch.first[i] ? mulZ(f1, t) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const [i, j] = parsePair(key);
    const t = addZ(mulZ(f2, mulZ(a.d[i], a.d[j])), mulZ(f1, a.dd.get(key)));
    if (t) dd.set(key, t);
  }
  let lap: Tensor | undefined;
  if (ch.lap) {
    const sq = sumZ(ch.lap.map((k) => (a.d[k] ? tf.square(a.d[k]!) : undefined)));
    lap = addZ(mulZ(f2, sq), mulZ(f1, a.lap));
  }
  return { v: f, d, dd, lap };
}

/**
 * q = a / b by the quotient rule on q itself: q_i = (a_i - q b_i) / b and
 * q_ij = (a_ij - q_i b_j - q_j b_i - q b_ij) / b. Through a * (1 / b) the jet
 * would form 1 / b^2 and 1 / b^3, which overflow or underflow in float32 long
 * before q does (a blend whose denominator is a product of squared distances).
 */
export function div(ch: Channels, a: Jet, b: Jet): Jet {
  // A constant denominator (no channels): a times its reciprocal, one division in all.
  if (b.d.every((t) => t === undefined) && b.dd.size === 0 && !b.lap) return mul(ch, a, reciprocal(ch, b));
  const q = tf.div(a.v, b.v);
  const over = (t: Tensor | undefined) => (t ? tf.div(t, b.v) : undefined);
  const minus = (t: Tensor | undefined) => (t ? tf.neg(t) : undefined);
  const d = a.d.map((ai, i) => (ch.first[i] ? over(addZ(ai, minus(mulZ(q, b.d[i])))) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const [i, j] = parsePair(key);
    const cross = i === j ? mulZ(mulZ(d[i], b.d[i]), tf.scalar(2)) : addZ(mulZ(d[i], b.d[j]), mulZ(d[j], b.d[i]));
    const t = over(sumZ([a.dd.get(key), minus(cross), minus(mulZ(q, b.dd.get(key)))]));
    if (t) dd.set(key, t);
  }
  let lap: Tensor | undefined;
  if (ch.lap) {
    const dot = sumZ(ch.lap.map((k) => mulZ(d[k], b.d[k])));
    lap = over(sumZ([a.lap, dot && tf.mul(dot, -2), minus(mulZ(q, b.lap))]));
  }
  return { v: q, d, dd, lap };
}

export function reciprocal(ch: Channels, a: Jet): Jet {
  return chain(ch, a, (v, second) => {
    const f = tf.reciprocal(v);
    const f1 = tf.neg(tf.square(f));
    return { f, f1, f2: second ? tf.mul(tf.mul(f1, f), -2) : undefined };
  });
}

/** a^p for a constant exponent p. */
export function powConst(ch: Channels, a: Jet, p: number): Jet {
  if (p === 0) return constant(ch, tf.onesLike(a.v));
  if (p === 1) return a;
  if (p === 2) return mul(ch, a, a);
  return chain(ch, a, (v, second) => ({
    f: tf.pow(v, p),
    f1: tf.mul(tf.pow(v, p - 1), p),
    f2: second ? tf.mul(tf.pow(v, p - 2), p * (p - 1)) : undefined,
  }));
}

// ---- dense layers ----

/** x W + bias for a jet whose channels are [n, in] (or broadcast rows [1, in]). */
export function dense(ch: Channels, a: Jet, w: Tensor, bias?: Tensor): Jet {
  const mm = (t: Tensor) => tf.matMul(t as tf.Tensor2D, w as tf.Tensor2D);
  const lin = mapChannels(ch, a, mm);
  return bias ? { ...lin, v: tf.add(lin.v, bias) } : lin;
}

/** Concatenates jets along the feature axis (axis 1). */
export function concat(ch: Channels, parts: Jet[]): Jet {
  const n = parts[0]!.v.shape[0]!;
  const cat = (sel: (j: Jet) => Tensor | undefined): Tensor | undefined => {
    const ts = parts.map(sel);
    if (ts.every((t) => !t)) return undefined;
    const rows = ts.some((t) => t && t.shape[0] !== 1) ? n : 1;
    const full = ts.map((t, k) => {
      const width = parts[k]!.v.shape[1]!;
      if (!t) return tf.zeros([rows, width]);
      return t.shape[0] === rows ? t : tf.tile(t, [rows, 1]);
    });
    return tf.concat(full, 1);
  };
  const d = ch.first.map((want, i) => (want ? cat((j) => j.d[i]) : undefined));
  const dd = new Map<string, Tensor>();
  for (const key of ch.second) {
    const t = cat((j) => j.dd.get(key));
    if (t) dd.set(key, t);
  }
  return {
    v: tf.concat(
      parts.map((p) => p.v),
      1,
    ),
    d,
    dd,
    lap: ch.lap ? cat((j) => j.lap) : undefined,
  };
}

/** Column `col` of a multi-output jet, as an [n, 1] jet. */
export function column(ch: Channels, a: Jet, col: number): Jet {
  return mapChannels(ch, a, (t) => tf.slice(t, [0, col], [t.shape[0]!, 1]));
}

// ---- reading derivatives back ----

/**
 * The tensor for d^k/d(vars) of a jet, e.g. [] value, [0] d/dx, [0,1] d2/dxdy.
 * Throws when the channel was not propagated (a bug in channel analysis).
 */
export function derivative(a: Jet, vars: number[], nRows: number): Tensor {
  let t: Tensor | undefined;
  let missing = false;
  if (vars.length === 0) t = a.v;
  else if (vars.length === 1) t = a.d[vars[0]!];
  else if (vars.length === 2) t = a.dd.get(pairKey(vars[0]!, vars[1]!));
  else missing = true;
  if (missing) throw new Error(`derivative of order ${vars.length} is not supported`);
  return broadcastRows(t, a.v, nRows);
}

export function laplacian(a: Jet, ch: Channels, nRows: number): Tensor {
  if (ch.lap) return broadcastRows(a.lap, a.v, nRows);
  throw new Error('Laplacian channel was not propagated');
}

/** Zero where a channel is identically zero; expands [1, k] rows to n rows. */
function broadcastRows(t: Tensor | undefined, like: Tensor, nRows: number): Tensor {
  const width = like.shape[1] ?? 1;
  if (!t) return tf.zeros([nRows, width]);
  return t.shape[0] === nRows ? t : tf.mul(t, tf.ones([nRows, width]));
}
