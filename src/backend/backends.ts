/**
 * Backend choice at run time: tfjs-node-gpu (TensorFlow C library, CUDA), then
 * WebGPU through Dawn, then wasm (XNNPACK, SIMD), then the plain-JS cpu
 * backend. Optional packages that are missing or cannot start are reported
 * with the reason, never fatal unless asked for by name.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { registerBooleanGradients, registerFastGradients, registerWasmSharing } from './gradients.js';
import { installSyncReads } from './webgpu-sync.js';

const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
type BackendName = (typeof BACKEND_NAMES)[number];

interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable, or what it runs on. */
  detail: string;
}

const PACKAGES: Record<BackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu + webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Dynamic import that reports a missing package plainly. */
async function load(spec: string): Promise<unknown> {
  // The GPU bundle (scripts/gpu-bundle.sh) provides the packages it bundles here, loaded lazily.
  const bundled = (globalThis as { __pinnBundled?: Record<string, () => unknown> }).__pinnBundled?.[spec];
  return bundled ? bundled() : import(spec);
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'package not installed';
  return (e?.message ?? String(err)).split('\n')[0]!;
}

// Part of the backend's state: Dawn, navigator.gpu and the tfjs webgpu backend are set up once per process.
let webgpuAdapterInfo: string | undefined;

async function prepare(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow': {
      await load('@tensorflow/tfjs-node-gpu');
      if (!tf.findBackend('tensorflow')) throw new Error('package loaded but registered no backend');
      return 'TensorFlow C library (CUDA)';
    }
    case 'webgpu': {
      if (!webgpuAdapterInfo) {
        // Dawn options (create([...]) in the webgpu README), whitespace-separated, e.g.
        // 'adapter=NAME', or 'backend=null' to exercise the API path with no GPU (results are garbage).
        const options = (process.env['PINN_DAWN_OPTIONS'] ?? '').split(/\s+/).filter(Boolean);
        const dawnBackend = options.find((o) => o.startsWith('backend='))?.slice('backend='.length);
        // Dawn prints a warning of its own when it finds no Vulkan loader; check first.
        if ((!dawnBackend || dawnBackend === 'vulkan') && !vulkanLoaderPresent())
          throw new Error('no Vulkan loader (libvulkan.so.1) on this machine');
        const dawn = (await load('webgpu')) as {
          create: (opts: string[]) => unknown;
          globals: Record<string, unknown>;
        };
        const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
        Object.assign(globalThis, dawn.globals);
        type Adapter = { info?: { vendor?: string; architecture?: string; device?: string; description?: string } };
        const gpu = dawn.create(options) as { requestAdapter: (o?: object) => Promise<Adapter | null> };
        // tfjs-backend-webgpu asks for its own adapter with this preference when the backend starts.
        const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
        if (!adapter) throw new Error('no WebGPU adapter (no GPU, or no Vulkan driver)');
        // The backend registers itself at import only if navigator.gpu exists (Node 20 has no navigator).
        if (!g.navigator)
          Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
        (g.navigator as { gpu?: unknown }).gpu = gpu;
        const info = adapter.info;
        const webgpu = (await load('@tensorflow/tfjs-backend-webgpu')) as Parameters<typeof installSyncReads>[0];
        installSyncReads(webgpu);
        webgpuAdapterInfo =
          [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') ||
          'adapter found';
        if (dawnBackend && dawnBackend !== 'vulkan') webgpuAdapterInfo += ` (Dawn backend=${dawnBackend})`;
      }
      if (!tf.findBackendFactory('webgpu')) throw new Error('tfjs-backend-webgpu did not register');
      return webgpuAdapterInfo;
    }
    case 'wasm': {
      await load('@tensorflow/tfjs-backend-wasm');
      registerWasmSharing();
      return 'WebAssembly (XNNPACK, SIMD)';
    }
    case 'cpu':
      return 'plain JavaScript';
  }
}

/** Tries each backend: can it load and run a small product? */
export async function listBackends(): Promise<BackendStatus[]> {
  tf.enableProdMode();
  const out: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const detail = await prepare(name);
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error('backend failed to initialise');
      // 64x64: large enough that webgpu runs it on the GPU (it forwards tensors under 1000 elements to the CPU) and reads it back.
      const v = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);
      if (v !== 64) throw new Error(`a test product gave ${v}, expected 64`);
      out.push({ name, available: true, detail });
    } catch (err) {
      out.push({ name, available: false, detail: `${PACKAGES[name]}: ${reason(err)}` });
    }
  }
  return out;
}

/**
 * Sets the backend: the requested one (an error if it cannot start) or the
 * first available in order. Returns its name and detail.
 */
export async function selectBackend(requested?: string): Promise<BackendStatus> {
  tf.enableProdMode();
  registerFastGradients();
  registerBooleanGradients();
  const order = requested ? [requested as BackendName] : [...BACKEND_NAMES];
  if (requested && !BACKEND_NAMES.includes(requested as BackendName)) {
    throw new BackendError(`unknown backend '${requested}'; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  const failures: string[] = [];
  for (const name of order) {
    try {
      const detail = await prepare(name);
      if (!(await tf.setBackend(name))) throw new Error('backend failed to initialise');
      await tf.ready();
      return { name, available: true, detail };
    } catch (err) {
      failures.push(`${name}: ${reason(err)}`);
    }
  }
  throw new BackendError(`backend ${requested ?? 'selection'} failed: ${failures.join('; ')}`);
}

export class BackendError extends Error {}

/** Whether the Vulkan loader library that Dawn opens can be found. */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/lib64',
    '/usr/lib',
    '/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
}
