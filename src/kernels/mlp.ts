/**
 * The MLP jet kernels of kernels/mlp.c (WebAssembly SIMD, float32) on plain arrays: the forward
 * pass of an input jet through dense layers and an activation, all derivative channels at once,
 * and its reverse pass to the weight and bias gradients. One module instance per JavaScript thread
 * that calls them, instantiated on first use from the embedded bytes on a shared memory, which the
 * helper thread of setKernelThreads(2) instantiates the module on too.
 */
import { MLP_WASM_BASE64 } from './mlp-wasm.js';
import { HelperThread, type Pass } from './threads.js';

export const KERNEL_ACTIVATIONS = ['tanh', 'sin', 'sigmoid', 'silu', 'gelu', 'relu'] as const;
export type KernelActivation = (typeof KERNEL_ACTIVATIONS)[number];

/** The limits of the compiled plan (MAXL, MAXC in kernels/mlp.c). */
export const MAX_LAYERS = 16;
export const MAX_CHANNELS = 64;

/** What flows through the network: the shapes and the derivative channels. */
export interface MlpPlan {
  /** Layer widths, input first and output last (at least one hidden layer). */
  widths: number[];
  activation: KernelActivation;
  /** Points. */
  n: number;
  /** First-derivative channels. */
  first: number;
  /** Second-derivative channels, each a pair of first-derivative positions. */
  pairs: [number, number][];
  /** The first-derivative positions whose pure second derivatives sum to the Laplacian channel; null: none. */
  lap: number[] | null;
}

/** Row-major weights [widths[l], widths[l+1]] and biases [widths[l+1]] per layer. */
export interface MlpParams {
  weights: Float32Array[];
  biases: Float32Array[];
}

/** The input jet: values [n, widths[0]] and constant first-derivative rows [first, widths[0]]. */
export interface MlpInput {
  x: Float32Array;
  rows: Float32Array;
}

interface Exports {
  plan_address(): number;
  scratch_bytes(): number;
  saved_bytes(): number;
  slot_floats(): number;
  reset_work(): void;
  forward_part(thread: number): void;
  backward_prepare(): void;
  backward_part(thread: number): void;
  reduce_slots(): void;
  chunks_taken(thread: number): number;
  simd_peak(iterations: number): number;
  gram_add(rows: number, w: number, m: number, n: number, gram: number, block: number): void;
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** First-fit allocation of the module's memory above its own data; grows the memory as needed. */
class Arena {
  /** Free ranges [start, end), sorted and merged. */
  private free: [number, number][];

  constructor(
    readonly k: Exports,
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
  ) {
    this.free = [[align16(k.__heap_base.value as number), memory.buffer.byteLength]];
  }

  alloc(bytes: number): number {
    const size = align16(bytes);
    const i = this.free.findIndex(([a, b]) => b - a >= size);
    if (i < 0) {
      const have = this.memory.buffer.byteLength;
      const pages = Math.ceil(Math.max(size, have / 4) / 65536);
      this.memory.grow(pages);
      this.release(have, pages * 65536);
      return this.alloc(bytes);
    }
    const at = this.free[i]![0];
    this.free[i]![0] += size;
    if (this.free[i]![0] === this.free[i]![1]) this.free.splice(i, 1);
    return at;
  }

  release(at: number, bytes: number): void {
    const end = at + align16(bytes);
    let i = this.free.findIndex(([a]) => a > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, [at, end]);
    // Merge with the neighbours.
    if (i + 1 < this.free.length && this.free[i]![1] === this.free[i + 1]![0]) {
      this.free[i]![1] = this.free[i + 1]![1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]![1] === this.free[i]![0]) {
      this.free[i - 1]![1] = this.free[i]![1];
      this.free.splice(i, 1);
    }
  }
}

let arena: Arena | undefined;

/** The module's memory, shared with the helper thread: 2 MiB at first, up to wasm32's 4 GiB. */
const MEMORY = { initial: 32, maximum: 65536, shared: true };

function kernels(): Arena {
  if (!arena) {
    const module = new WebAssembly.Module(Buffer.from(MLP_WASM_BASE64, 'base64'));
    const memory = new WebAssembly.Memory(MEMORY);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    arena = new Arena(instance.exports as unknown as Exports, memory, module);
  }
  return arena;
}

/**
 * Threads that share each network pass (1 or 2), the helper thread once started, and why it could
 * not start if so: a process-wide engine setting, like the backend.
 */
const passThreads: { count: 1 | 2; helperFirst: boolean; helper?: HelperThread; failed?: string } = {
  count: 1,
  helperFirst: false,
};

/**
 * Sets the threads that share each large network pass: with 2, a helper thread (kernel-thread.ts)
 * takes chunks of the pass's points from the same counter as this thread. Results do not depend
 * on the count (see kernels/mlp.c). With `helperFirst` this thread waits for the helper's part
 * before taking chunks, so the helper computes whole passes (tests check its results so, which
 * the scheduler otherwise decides). Returns why one thread runs where two were asked for.
 */
export function setKernelThreads(threads: 1 | 2, order: { helperFirst?: boolean } = {}): string | undefined {
  passThreads.count = threads;
  passThreads.helperFirst = order.helperFirst ?? false;
  if (threads === 1 || passThreads.helper) return undefined;
  if (passThreads.failed === undefined) {
    const a = kernels();
    const stack = a.alloc(HELPER_STACK_BYTES);
    try {
      passThreads.helper = new HelperThread(a.module, a.memory, stack + HELPER_STACK_BYTES);
    } catch (err) {
      a.release(stack, HELPER_STACK_BYTES);
      passThreads.failed = `the kernel thread did not start (${(err as Error).message})`;
    }
  }
  if (passThreads.failed !== undefined) passThreads.count = 1;
  return passThreads.failed;
}

/** Chunks of network passes this thread and the helper have taken since the kernels started. */
export function kernelChunksTaken(): { main: number; helper: number } {
  const k = kernels().k;
  return { main: k.chunks_taken(0), helper: k.chunks_taken(1) };
}

/** The threads a pass of `flops` multiply-adds runs on: small passes stay on this thread (waking the helper costs more). */
function threadsFor(flops: number, chunks: number): 1 | 2 {
  return passThreads.count === 2 && chunks > 1 && flops >= MIN_SPLIT_FLOPS ? 2 : 1;
}

/** Runs a pass's part on this thread and, for a large pass, on the helper: both take chunks until none is left. */
function runPass(k: Exports, pass: Pass, flops: number, chunks: number): void {
  k.reset_work();
  const shared = threadsFor(flops, chunks) === 2 ? passThreads.helper : undefined;
  shared?.start(pass);
  if (shared && passThreads.helperFirst) shared.join();
  if (pass === 'forward') k.forward_part(0);
  else k.backward_part(0);
  shared?.join();
}

/**
 * What a forward pass kept for its reverse pass (the pre-activations of every hidden layer), in
 * the module's memory until that reverse pass or until evicted (oldest first, past SAVED_LIMIT
 * bytes): a reverse pass without it recomputes the forward pass.
 */
export interface Saved {
  at: number;
  bytes: number;
  live: boolean;
}

const SAVED_LIMIT = 1 << 30;
const saved: Saved[] = [];

function keep(bytes: number): Saved {
  let total = saved.reduce((s, r) => s + r.bytes, 0) + bytes;
  while (total > SAVED_LIMIT && saved.length > 0) {
    total -= saved[0]!.bytes;
    drop(saved[0]!);
  }
  const r: Saved = { at: kernels().alloc(bytes), bytes, live: true };
  saved.push(r);
  return r;
}

/** Bytes that forward passes keep now for reverse passes still to come. */
export function keptBytes(): number {
  return saved.reduce((s, r) => s + r.bytes, 0);
}

/** Frees what a forward pass kept (nothing when already freed). */
export function dropSaved(r: Saved): void {
  if (r.live) drop(r);
}

function drop(r: Saved): void {
  r.live = false;
  kernels().release(r.at, r.bytes);
  saved.splice(saved.indexOf(r), 1);
}

/** Channels of a plan: value, first, second, Laplacian. */
export function channelCount(plan: MlpPlan): number {
  return 1 + plan.first + plan.pairs.length + (plan.lap ? 1 : 0);
}

const pad4 = (w: number): number => Math.ceil(w / 4) * 4;

// Int32 offsets of the Plan struct's fields (kernels/mlp.c).
const FIELD = (() => {
  const head = 11;
  const w = head;
  const p = w + MAX_LAYERS + 1;
  const pair = p + MAX_LAYERS + 1;
  const lapmask = pair + 2 * MAX_CHANNELS;
  const W = lapmask + MAX_CHANNELS;
  const arrays = { W, Wt: W + MAX_LAYERS, b: W + 2 * MAX_LAYERS, dW: W + 3 * MAX_LAYERS, db: W + 4 * MAX_LAYERS };
  const x = W + 5 * MAX_LAYERS;
  return {
    w,
    p,
    pair,
    lapmask,
    ...arrays,
    x,
    drows: x + 1,
    y: x + 2,
    dy: x + 3,
    save: x + 4,
    scratch: 7,
    scratchStride: 8,
    chunks: 9,
    slots: 10,
  };
})();

/** Points per block (BLOCK in kernels/mlp.c). */
const BLOCK = 32;
/** At most this many chunks per pass (the reverse pass keeps a weight-gradient slot per chunk). */
const MAX_CHUNKS = 32;
/** Floats all the slots of a pass may take (64 MiB). */
const SLOT_LIMIT = 1 << 24;
/** The helper thread's stack. */
const HELPER_STACK_BYTES = 1 << 16;
/** Threads with a scratch area each. */
const MAX_THREADS = 2;
/**
 * A forward pass below this many FLOPs stays on one thread: the helper wakes 160-220 us after it is
 * posted here, while 16 MFLOP take about 0.6 ms (poisson-2d's boundary pass, 400 points of one
 * channel, is 8 MFLOP).
 */
const MIN_SPLIT_FLOPS = 16e6;

/** A call's buffers in the module's memory (byte offsets), released by `done`. */
interface Layout {
  k: Exports;
  memory: WebAssembly.Memory;
  W: number[];
  b: number[];
  dW: number[];
  db: number[];
  x: number;
  drows: number;
  y: number;
  dy: number;
  /** Bytes the forward pass would keep. */
  savedBytes: number;
  chunks: number;
  /** Multiply-add FLOPs of the forward pass. */
  flops: number;
  done(): void;
}

/** The plan's chunks: up to MAX_CHUNKS of whole blocks, fewer where the slots would pass SLOT_LIMIT. */
function chunkCount(n: number, slotFloats: number): number {
  const blocks = Math.ceil(n / BLOCK);
  return Math.max(1, Math.min(MAX_CHUNKS, blocks, Math.floor(SLOT_LIMIT / slotFloats)));
}

/** Writes the plan's shape (everything but buffer offsets) into the module's Plan struct. */
function writeShape(a: Arena, plan: MlpPlan): Int32Array {
  const L = plan.widths.length - 1;
  const C = channelCount(plan);
  if (L < 2 || L > MAX_LAYERS || C > MAX_CHANNELS)
    throw new Error(`kernel plan out of range: ${L} layers, ${C} channels`);
  const fields = new Int32Array(a.memory.buffer, a.k.plan_address(), FIELD.save + 1);
  const activation = KERNEL_ACTIVATIONS.indexOf(plan.activation);
  fields.set([L, plan.n, C, plan.first, plan.pairs.length, plan.lap ? 1 : 0, activation]);
  fields.set(plan.widths.map(pad4), FIELD.p);
  fields.set(plan.widths, FIELD.w);
  fields.set(plan.pairs.flat(), FIELD.pair);
  fields.set(
    Array.from({ length: plan.first }, (_, q) => (plan.lap?.includes(q) ? 1 : 0)),
    FIELD.lapmask,
  );
  return fields;
}

/** Writes the plan into the module and takes the buffers of a call of `pass` from the arena (slots for the reverse pass only). */
function layout(plan: MlpPlan, pass: Pass): Layout {
  const a = kernels();
  const k = a.k;
  const fields = writeShape(a, plan);
  const L = plan.widths.length - 1;
  const C = channelCount(plan);
  const p = plan.widths.map(pad4);
  const slotFloats = k.slot_floats();
  const chunks = chunkCount(plan.n, slotFloats);
  // Per layer W, Wt, b, dW, db; then x, drows, y, dy and the reverse pass's slots.
  const sizes: number[] = [];
  for (let l = 0; l < L; l++) {
    const w = plan.widths[l]! * p[l + 1]!;
    sizes.push(w, plan.widths[l + 1]! * p[l]!, p[l + 1]!, w, p[l + 1]!);
  }
  const outSize = C * plan.n * plan.widths[L]!;
  const slotSize = pass === 'backward' ? chunks * slotFloats : 0;
  sizes.push(plan.n * plan.widths[0]!, Math.max(1, plan.first) * plan.widths[0]!, outSize, outSize, slotSize);
  const scratch = align16(k.scratch_bytes());
  const total = sizes.reduce((s, n) => s + align16(4 * n), 0) + MAX_THREADS * scratch;
  const base = a.alloc(total);
  let top = base;
  const at = sizes.map((n) => {
    const here = top;
    top += align16(4 * n);
    return here;
  });
  const field = (k0: number) => Array.from({ length: L }, (_, l) => at[5 * l + k0]!);
  const [x, drows, y, dy, slots] = at.slice(5 * L) as [number, number, number, number, number];
  (['W', 'Wt', 'b', 'dW', 'db'] as const).forEach((key, k0) => fields.set(field(k0), FIELD[key]));
  fields.set([x, drows, y, dy, 0], FIELD.x);
  fields.set([top, scratch, chunks, slots], FIELD.scratch);
  return {
    k,
    memory: a.memory,
    W: field(0),
    b: field(2),
    dW: field(3),
    db: field(4),
    x,
    drows,
    y,
    dy,
    savedBytes: k.saved_bytes(),
    chunks,
    flops: p.slice(0, -1).reduce((f, w, l) => f + 2 * C * plan.n * w * p[l + 1]!, 0),
    done: () => a.release(base, total),
  };
}

/** Copies the parameters and the input into the module's memory (weights padded per row). */
function load(plan: MlpPlan, params: MlpParams, input: MlpInput, pass: Pass): Layout {
  const at = layout(plan, pass);
  const mem = new Float32Array(at.memory.buffer);
  const L = plan.widths.length - 1;
  for (let l = 0; l < L; l++) {
    const K = plan.widths[l]!;
    const N = plan.widths[l + 1]!;
    const pN = pad4(N);
    const W = at.W[l]! / 4;
    mem.fill(0, W, W + K * pN);
    for (let r = 0; r < K; r++) mem.set(params.weights[l]!.subarray(r * N, (r + 1) * N), W + r * pN);
    mem.fill(0, at.b[l]! / 4, at.b[l]! / 4 + pN);
    mem.set(params.biases[l]!, at.b[l]! / 4);
  }
  mem.set(input.x, at.x / 4);
  mem.set(input.rows, at.drows / 4);
  return at;
}

const outputSize = (plan: MlpPlan): number => channelCount(plan) * plan.n * plan.widths[plan.widths.length - 1]!;

/** Sets where the kernels keep or find the forward pass's pre-activations (0: nowhere). */
function setSave(at: Layout, offset: number): void {
  new Int32Array(at.memory.buffer, at.k.plan_address(), FIELD.save + 1)[FIELD.save] = offset;
}

/**
 * The output jet [channels, n, widths[L]] (channels: value, first, pairs, Laplacian); with
 * `save`, also what the reverse pass of the same plan, parameters and input can start from.
 */
export function mlpForward(
  plan: MlpPlan,
  params: MlpParams,
  input: MlpInput,
  save = false,
): { y: Float32Array; saved?: Saved } {
  const at = load(plan, params, input, 'forward');
  const kept = save ? keep(at.savedBytes) : undefined;
  setSave(at, kept?.at ?? 0);
  runPass(at.k, 'forward', at.flops, at.chunks);
  const y = new Float32Array(at.memory.buffer, at.y, outputSize(plan)).slice();
  at.done();
  return { y, saved: kept };
}

/** The gradients of sum(dy * output) with respect to the weights and biases, in MlpParams' layout; frees `saved`. */
export function mlpBackward(
  plan: MlpPlan,
  params: MlpParams,
  input: MlpInput,
  dy: Float32Array,
  saved?: Saved,
): MlpParams {
  const at = load(plan, params, input, 'backward');
  new Float32Array(at.memory.buffer).set(dy.subarray(0, outputSize(plan)), at.dy / 4);
  setSave(at, saved?.live ? saved.at : 0);
  at.k.backward_prepare();
  runPass(at.k, 'backward', 2 * at.flops, at.chunks);
  at.k.reduce_slots();
  if (saved) dropSaved(saved);
  const mem = new Float32Array(at.memory.buffer);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < plan.widths.length; l++) {
    const K = plan.widths[l]!;
    const N = plan.widths[l + 1]!;
    const pN = pad4(N);
    const dW = at.dW[l]! / 4;
    const w = new Float32Array(K * N);
    for (let r = 0; r < K; r++) w.set(mem.subarray(dW + r * pN, dW + r * pN + N), r * N);
    weights.push(w);
    biases.push(mem.slice(at.db[l]! / 4, at.db[l]! / 4 + N));
  }
  at.done();
  return { weights, biases };
}

/**
 * The multiply-add rate of this machine's wasm SIMD (f32x4 mul then add, no fused multiply-add in
 * Node 20) in GFLOP/s: 12 independent chains in registers, the best of `rounds` CPU-time samples.
 */
export function simdPeakGflops(rounds = 5): number {
  const k = kernels().k;
  const iterations = 20_000_000;
  k.simd_peak(1000);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    k.simd_peak(iterations);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return (iterations * 12 * 8) / best / 1e9;
}

/** Rows per block of gram_add (GB in kernels/mlp.c). */
const GRAM_BLOCK_ROWS = 64;

/**
 * gram (size x size, row-major, float64, symmetric) += sum_i w_i a_i a_i^T over the m rows a_i of
 * `rows` (float32, m x size) for weights w_i > 0 (zero and negative ones cost nothing): the
 * Gauss-Newton matrix's product, gram_add in kernels/mlp.c (2 x 4 tiles of float64 pairs; 4.2
 * GMAC/s here against 1.4 for the same tiling in JavaScript, measured side by side).
 */
export function addWeightedGram(
  gram: Float64Array,
  size: number,
  rows: Float32Array,
  m: number,
  weights: Float32Array,
): void {
  const a = kernels();
  const n4 = Math.ceil(size / 4) * 4;
  const sizes = [m * size * 4, m * 4, size * size * 8, n4 * GRAM_BLOCK_ROWS * 8];
  const [rowsAt, wAt, gramAt, blockAt] = sizes.map((bytes) => a.alloc(bytes)) as [number, number, number, number];
  try {
    const heap = a.memory.buffer;
    new Float32Array(heap, rowsAt, m * size).set(rows.subarray(0, m * size));
    new Float32Array(heap, wAt, m).set(weights.subarray(0, m));
    new Float64Array(heap, gramAt, size * size).set(gram);
    a.k.gram_add(rowsAt, wAt, m, size, gramAt, blockAt);
    gram.set(new Float64Array(a.memory.buffer, gramAt, size * size));
  } finally {
    [rowsAt, wAt, gramAt, blockAt].forEach((at, k) => a.release(at, sizes[k]!));
  }
  // The kernel adds the upper triangle; the lower one mirrors it.
  for (let p = 0; p < size; p++) for (let q = 0; q < p; q++) gram[p * size + q] = gram[q * size + p]!;
}
