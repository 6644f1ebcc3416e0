/**
 * Backend choice at run time: tfjs-node-gpu (TensorFlow C library, CUDA), then
 * WebGPU through Dawn on a hardware adapter, then wasm (XNNPACK, SIMD), then
 * the plain-JS cpu backend. Optional packages that are missing or cannot start
 * are reported with the reason, never fatal unless asked for by name. A
 * software WebGPU adapter (lavapipe, SwiftShader, Dawn's null backend) is
 * never chosen automatically: it runs on the CPU, far slower than wasm.
 *
 * What the libraries print while a backend starts (Dawn's native warnings,
 * TensorFlow's logs) is captured (util/stderr-capture.ts): printed with
 * --verbose (setVerbose), otherwise dropped, or summarised in the reason when
 * it explains why a backend is unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import { captureStderr } from '../util/index.js';
import { registerBooleanGradients, registerFastGradients, registerWasmSharing } from './gradients.js';
import { findWebgpuAdapter, ProbeError, startWebgpu, type WebgpuAdapter } from './webgpu.js';

const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
type BackendName = (typeof BACKEND_NAMES)[number];

interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable, or what it runs on. */
  detail: string;
  /** Chosen without --backend when available (false for a software WebGPU adapter). */
  automatic: boolean;
}

const PACKAGES: Record<BackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu + webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

// Part of the backend's state: whether library output is shown, and the WebGPU adapter, asked for once per process.
const output = { verbose: false };
let webgpuAdapter: WebgpuAdapter | ProbeError | undefined;

/**
 * With `verbose`, what libraries print while backends start is shown (prefixed by the backend's
 * name) and tfjs's own notices too; otherwise tfjs runs in production mode, which silences them.
 */
export function setVerbose(verbose: boolean): void {
  output.verbose = verbose;
  if (!verbose) tf.enableProdMode();
}

/** Dynamic import that reports a missing package plainly. */
async function load(spec: string): Promise<unknown> {
  // The GPU bundle (scripts/gpu-bundle.sh) provides the packages it bundles here, loaded lazily.
  const bundled = (globalThis as { __pinnBundled?: Record<string, () => unknown> }).__pinnBundled?.[spec];
  return bundled ? bundled() : import(spec);
}

/**
 * Whether a backend's tensors live in this thread's memory (wasm, cpu): reading one is a copy, not
 * a transfer, and the thread's own kernels and loops can work on them directly.
 */
export function tensorsOnThisThread(backend: string = tf.getBackend()): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'package not installed';
  return (e?.message ?? String(err)).split('\n')[0]!;
}

/** Loads `name`'s packages; returns what it runs on and whether it may be chosen automatically. */
async function prepare(name: BackendName): Promise<{ detail: string; automatic: boolean }> {
  switch (name) {
    case 'tensorflow': {
      await load('@tensorflow/tfjs-node-gpu');
      if (!tf.findBackend('tensorflow')) throw new Error('package loaded but registered no backend');
      return { detail: 'TensorFlow C library (CUDA)', automatic: true };
    }
    case 'webgpu': {
      webgpuAdapter ??= probeWebgpu();
      if (webgpuAdapter instanceof ProbeError) throw webgpuAdapter;
      return { detail: webgpuAdapter.description, automatic: !webgpuAdapter.software };
    }
    case 'wasm': {
      await load('@tensorflow/tfjs-backend-wasm');
      registerWasmSharing();
      return { detail: 'WebAssembly (XNNPACK, SIMD)', automatic: true };
    }
    case 'cpu':
      return { detail: 'plain JavaScript', automatic: true };
  }
}

/** Makes `name` tfjs's backend (after `prepare`). */
async function start(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    await startWebgpu(load);
    if (!tf.findBackendFactory('webgpu')) throw new Error('tfjs-backend-webgpu did not register');
  }
  if (!(await tf.setBackend(name))) throw new Error('backend failed to initialise');
  await tf.ready();
}

/**
 * One backend's attempt with descriptor 2 captured: prepared, and started when `use` says so
 * for what prepare found. Library output is shown with --verbose; a failure's reason carries
 * the first line of it (the one that usually says why).
 */
async function attempt(
  name: BackendName,
  use: (found: { detail: string; automatic: boolean }) => boolean,
  check?: () => void,
): Promise<{ detail: string; automatic: boolean; started: boolean }> {
  const captured = await captureStderr(async () => {
    const found = await prepare(name);
    const started = use(found);
    if (started) {
      await start(name);
      check?.();
    }
    return { ...found, started };
  });
  const text = captured.text.trim();
  showPrinted(name, text);
  if (captured.ok) return captured.value;
  const first = text.split('\n')[0]?.replace(/^Warning:\s*/, '');
  throw new Error(
    `${reason(captured.error)}${first ? ` (${first.replace(/\.$/, '')}; --verbose shows all it printed)` : ''}`,
  );
}

/** With --verbose, what a library printed while `name` started, each line prefixed by the name. */
function showPrinted(name: BackendName, text: string): void {
  if (text && output.verbose) process.stderr.write(`${text.trim().replace(/^/gm, `[${name}] `)}\n`);
}

/** The WebGPU adapter here (what Dawn printed while looking is shown with --verbose). */
function probeWebgpu(): WebgpuAdapter | ProbeError {
  try {
    const adapter = findWebgpuAdapter();
    showPrinted('webgpu', adapter.printed);
    return adapter;
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    showPrinted('webgpu', err.printed);
    return err;
  }
}

/** A 64x64 product: large enough that webgpu runs it on the GPU (it forwards tensors under 1000 elements to the CPU) and reads it back. */
function checkProduct(): void {
  const v = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);
  if (v !== 64) throw new Error(`a test product gave ${v}, expected 64`);
}

/** Tries each backend: can it load and run a small product? */
export async function listBackends(): Promise<BackendStatus[]> {
  if (!output.verbose) tf.enableProdMode();
  const out: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const { detail, automatic } = await attempt(name, () => true, checkProduct);
      out.push({ name, available: true, detail, automatic });
    } catch (err) {
      out.push({ name, available: false, detail: `${PACKAGES[name]}: ${reason(err)}`, automatic: false });
    }
  }
  return out;
}

/**
 * Sets the backend: the requested one (an error if it cannot start) or the first available
 * that may be chosen automatically, in order. Returns its name and detail.
 */
export async function selectBackend(requested?: string): Promise<BackendStatus> {
  if (!output.verbose) tf.enableProdMode();
  registerFastGradients();
  registerBooleanGradients();
  if (requested && !BACKEND_NAMES.includes(requested as BackendName)) {
    throw new BackendError(`unknown backend '${requested}'; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  const order = requested ? [requested as BackendName] : [...BACKEND_NAMES];
  const failures: string[] = [];
  for (const name of order) {
    try {
      const r = await attempt(name, (found) => requested !== undefined || found.automatic);
      if (r.started) return { name, available: true, detail: r.detail, automatic: r.automatic };
      failures.push(`${name}: a software adapter, used only when asked for with --backend ${name}`);
    } catch (err) {
      failures.push(`${name}: ${reason(err)}`);
    }
  }
  throw new BackendError(`backend ${requested ?? 'selection'} failed: ${failures.join('; ')}`);
}

export class BackendError extends Error {}
