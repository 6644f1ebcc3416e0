/**
 * L-BFGS curvature pairs in a WebAssembly memory of their own, with the two-loop recursion of
 * kernels/pairs.c over them (float64, 128-bit SIMD). The recursion is the optimizer's own hot
 * path: with 50 pairs of a 7,800-weight network it reads 6 MB twice per iteration, 3 to 5 ms in
 * JavaScript against well under 1 ms here (docs/performance.md).
 */
import { PAIRS_WASM_BASE64 } from './pairs-wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  two_loop(
    m: number,
    n: number,
    pairs: number,
    order: number,
    rho: number,
    alpha: number,
    q: number,
    gamma: number,
  ): void;
  __heap_base: WebAssembly.Global;
}

let compiled: WebAssembly.Module | undefined;

function instantiate(): Exports {
  compiled ??= new WebAssembly.Module(Uint8Array.from(atob(PAIRS_WASM_BASE64), (c) => c.charCodeAt(0)));
  return new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
}

const PAGE = 65536;
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Up to `capacity` pairs (s, y) of length n, oldest first. `S`, `Y` and `RHO` are the pairs as the
 * optimizer's state shows them (the arrays are views of this object's memory: copy them to keep
 * them past a `push` or `clear`). The memory is sized once, so the views stay valid.
 */
export class CurvaturePairs {
  readonly S: Float64Array[] = [];
  readonly Y: Float64Array[] = [];
  readonly RHO: number[] = [];
  private readonly ex: Exports;
  private readonly slots: number[] = [];
  private readonly free: number[];
  private readonly at: { pairs: number; order: number; rho: number; alpha: number; q: number };

  constructor(
    readonly n: number,
    readonly capacity: number,
  ) {
    this.ex = instantiate();
    const base = align16(this.ex.__heap_base.value as number);
    const pairs = base;
    const q = align16(pairs + 16 * n * capacity);
    const rho = align16(q + 8 * n);
    const alpha = align16(rho + 8 * capacity);
    const order = align16(alpha + 8 * capacity);
    const end = order + 4 * capacity;
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) this.ex.memory.grow(Math.ceil((end - have) / PAGE));
    this.at = { pairs, order, rho, alpha, q };
    this.free = Array.from({ length: capacity }, (_, k) => capacity - 1 - k);
  }

  get length(): number {
    return this.S.length;
  }

  /** Appends a pair (copied), dropping the oldest when full. */
  push(s: ArrayLike<number>, y: ArrayLike<number>, rho: number): void {
    if (this.S.length === this.capacity) this.dropOldest();
    const slot = this.free.pop()!;
    const offset = this.at.pairs + 16 * this.n * slot;
    const sView = new Float64Array(this.ex.memory.buffer, offset, this.n);
    const yView = new Float64Array(this.ex.memory.buffer, offset + 8 * this.n, this.n);
    sView.set(s);
    yView.set(y);
    this.slots.push(slot);
    this.S.push(sView);
    this.Y.push(yView);
    this.RHO.push(rho);
  }

  clear(): void {
    this.free.push(...this.slots);
    this.slots.length = 0;
    this.S.length = 0;
    this.Y.length = 0;
    this.RHO.length = 0;
  }

  /** -H g, H the inverse-Hessian estimate of the pairs with initial scaling s.y / y.y of the newest (a new array). */
  direction(g: ArrayLike<number>): Float64Array {
    const m = this.S.length;
    const { buffer } = this.ex.memory;
    const q = new Float64Array(buffer, this.at.q, this.n);
    q.set(g);
    let gamma = 1;
    if (m > 0) {
      new Int32Array(buffer, this.at.order, m).set(this.slots);
      new Float64Array(buffer, this.at.rho, m).set(this.RHO);
      gamma = 1 / this.RHO[m - 1]! / squaredNorm(this.Y[m - 1]!);
    }
    this.ex.two_loop(m, this.n, this.at.pairs, this.at.order, this.at.rho, this.at.alpha, this.at.q, gamma);
    return q.slice();
  }

  private dropOldest(): void {
    this.free.push(this.slots.shift()!);
    this.S.shift();
    this.Y.shift();
    this.RHO.shift();
  }
}

function squaredNorm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}
