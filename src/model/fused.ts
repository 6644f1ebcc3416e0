/**
 * The network's forward jet pass as one tfjs op run by our WebAssembly SIMD kernels
 * (src/kernels, kernels/mlp.c): every layer and every derivative channel in one call, and its
 * gradient with respect to the weights and biases in one more (tf.customGrad), instead of
 * dozens of tfjs kernels per layer. The same numbers as the jet engine to float32 rounding.
 *
 * Used on the cpu and wasm backends (whose tensors live in this thread's memory) when the
 * network is a plain MLP and the input jet is the scaled input matrix; PINN_KERNELS=off turns
 * it off. Anything else runs the jet engine (network.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { tensorsOnThisThread } from '../backend/index.js';
import type { J } from '../derivatives/index.js';
import {
  channelCount,
  dropSaved,
  KERNEL_ACTIVATIONS,
  MAX_CHANNELS,
  MAX_LAYERS,
  mlpBackward,
  mlpForward,
  type KernelActivation,
  type MlpInput,
  type MlpParams,
  type MlpPlan,
  type Saved,
} from '../kernels/index.js';

/** The parts of a network the kernels read (network.ts's NetworkParams). */
export interface KernelNet {
  shape: { activation: string };
  weights: tf.Tensor[];
  biases: tf.Tensor[];
  fourier?: tf.Tensor;
}

/** Why the network passes of `net` run on tfjs here; undefined when our kernels run them. */
export function kernelRefusal(net: KernelNet): string | undefined {
  if (process.env['PINN_KERNELS'] === 'off') return 'PINN_KERNELS=off';
  if (!tensorsOnThisThread()) return `the ${tf.getBackend()} backend`;
  if (net.fourier) return 'Fourier features';
  if (!(KERNEL_ACTIVATIONS as readonly string[]).includes(net.shape.activation))
    return `activation ${net.shape.activation}`;
  if (net.weights.length < 2 || net.weights.length > MAX_LAYERS) return `${net.weights.length} layers`;
  return undefined;
}

/** One line for the run's notes: which engine runs the network (`inputs`: why its input rules the kernels out). */
export function networkPathNote(net: KernelNet, inputs?: string): string {
  const why = inputs ?? kernelRefusal(net);
  return why
    ? `network passes: tfjs jet engine (${why})`
    : 'network passes: wasm SIMD kernels (kernels/mlp.c; PINN_KERNELS=off for the tfjs jet engine)';
}

interface Routed {
  plan: MlpPlan;
  input: MlpInput;
  /** Input variable of each first-derivative position; pair keys of the second-derivative channels. */
  vars: number[];
  keys: string[];
}

/** The kernel plan of an input jet: undefined unless it is values [n, in] with constant first-derivative rows. */
function route(ch: J.Channels, net: KernelNet, a: J.Jet): Routed | undefined {
  const [n, inputs] = a.v.shape;
  if (a.v.rank !== 2 || n === 0 || a.dd.size > 0 || a.lap) return undefined;
  const vars = ch.first.flatMap((want, i) => (want && a.d[i] ? [i] : []));
  if (vars.some((i) => a.d[i]!.rank !== 2 || a.d[i]!.shape[0] !== 1)) return undefined;
  const keys: string[] = [];
  const pairs: [number, number][] = [];
  // relu has no curvature: the jet engine leaves its second-derivative and Laplacian channels out.
  const curved = net.shape.activation !== 'relu';
  for (const key of curved ? ch.second : []) {
    const [i, j] = key.split(',').map((s) => vars.indexOf(Number(s)));
    if (i! < 0 || j! < 0) continue;
    keys.push(key);
    pairs.push([i!, j!]);
  }
  const lapAt = ch.lap && curved ? vars.flatMap((v, q) => (ch.lap!.includes(v) ? [q] : [])) : [];
  const plan: MlpPlan = {
    widths: [inputs!, ...net.weights.map((w) => w.shape[1]!)],
    activation: net.shape.activation as KernelActivation,
    n: n!,
    first: vars.length,
    pairs,
    lap: lapAt.length ? lapAt : null,
  };
  if (channelCount(plan) > MAX_CHANNELS) return undefined;
  const rows = new Float32Array(Math.max(1, vars.length) * inputs!);
  vars.forEach((v, q) => rows.set(a.d[v]!.dataSync(), q * inputs!));
  return { plan, input: { x: a.v.dataSync() as Float32Array, rows }, vars, keys };
}

/** What taped forward passes kept and no reverse pass has used yet, and the tape they were recorded on. */
const pending = new Set<Saved>();
let pendingTape: unknown;

/**
 * Frees what forward passes on an earlier tape kept: their reverse pass, if any, has run (a tape
 * records one gradient computation; tfjs makes a new one for each). A reverse pass that finds its
 * state freed recomputes it, so this bounds memory without changing any result.
 */
function dropStale(): void {
  const tape = (tf.engine().state as { activeTape?: unknown }).activeTape;
  if (tape === pendingTape) return;
  pending.forEach(dropSaved);
  pending.clear();
  pendingTape = tape;
}

/** The output jet of `net` on input jet `a` by our kernels, or undefined when they do not apply (see kernelRefusal). */
export function fusedForward(ch: J.Channels, net: KernelNet, a: J.Jet): J.Jet | undefined {
  if (kernelRefusal(net)) return undefined;
  const r = route(ch, net, a);
  if (!r) return undefined;
  const { plan, input } = r;
  const L = net.weights.length;
  const C = channelCount(plan);
  const out = plan.widths[L]!;
  // Under a gradient tape the forward pass keeps its pre-activations for the reverse pass.
  const taped = tf.engine().isTapeOn();
  if (taped) dropStale();
  const op = tf.customGrad((...args: unknown[]) => {
    const ts = args.slice(0, 2 * L) as tf.Tensor[];
    const params: MlpParams = {
      weights: ts.slice(0, L).map((t) => t.dataSync() as Float32Array),
      biases: ts.slice(L).map((t) => t.dataSync() as Float32Array),
    };
    const { y, saved } = mlpForward(plan, params, input, taped);
    if (saved) pending.add(saved);
    const value = tf.tensor3d(y, [C, plan.n, out]);
    const gradFunc = (dy: tf.Tensor) => {
      const g = mlpBackward(plan, params, input, dy.dataSync() as Float32Array, saved);
      if (saved) pending.delete(saved);
      return [
        ...g.weights.map((w, l) => tf.tensor2d(w, net.weights[l]!.shape as [number, number])),
        ...g.biases.map((b, l) => tf.tensor2d(b, net.biases[l]!.shape as [number, number])),
      ];
    };
    return { value, gradFunc };
  });
  const y = op(...net.weights, ...net.biases);
  // (tfjs's Unpack gradient fails on a single output: one channel is a reshape.)
  const channels = C === 1 ? [tf.reshape(y, [plan.n, out])] : tf.unstack(y);
  const d = new Array<tf.Tensor | undefined>(ch.first.length).fill(undefined);
  r.vars.forEach((v, q) => (d[v] = channels[1 + q]));
  const dd = new Map(r.keys.map((key, s) => [key, channels[1 + plan.first + s]!]));
  return { v: channels[0]!, d, dd, lap: plan.lap ? channels[C - 1] : undefined };
}
