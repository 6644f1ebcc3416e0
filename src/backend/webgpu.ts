/**
 * WebGPU through Dawn (the `webgpu` package) and @tensorflow/tfjs-backend-webgpu: finding the
 * adapter tfjs would get, and whether it is a software one, then starting the backend on it.
 *
 * The adapter is looked for in a child process (about 0.3 s): Dawn prints its warnings from C++
 * straight to descriptor 2 (an old Mesa lavapipe it refuses, with a C++ source location), and a
 * child's stderr is ours to read whatever descriptor 2 is here. Dawn is loaded here only when the
 * backend is started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { installSyncReads } from './webgpu-sync.js';

type Load = (spec: string) => Promise<unknown>;

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface WebgpuAdapter {
  /** Vendor, architecture, device and description, with a note when software. */
  description: string;
  /** A CPU implementation (lavapipe, SwiftShader) or Dawn's null backend: never chosen automatically. */
  software: boolean;
  /** What Dawn printed while looking (shown with --verbose). */
  printed: string;
}

/** Dawn options (create([...]) in the webgpu README) from PINN_DAWN_OPTIONS, whitespace-separated. */
function dawnOptions(): { options: string[]; backend?: string } {
  // e.g. 'adapter=NAME', or 'backend=null' to exercise the API path with no GPU (results are garbage).
  const options = (process.env['PINN_DAWN_OPTIONS'] ?? '').split(/\s+/).filter(Boolean);
  return { options, backend: options.find((o) => o.startsWith('backend='))?.slice('backend='.length) };
}

// Run by the child: the adapter tfjs-backend-webgpu asks for ('high-performance': Dawn ranks discrete
// GPUs first, then integrated ones, then CPU adapters), as JSON on stdout.
const PROBE = `
const [url, options] = process.argv.slice(1);
const dawn = await import(url);
const adapter = await dawn.create(JSON.parse(options)).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter && adapter.info;
process.stdout.write(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, device: i.device,
  description: i.description, isFallbackAdapter: i.isFallbackAdapter } : null));
process.exit(0);
`;

/**
 * The adapter tfjs-backend-webgpu will get here, asked for in a child process. Throws with the
 * reason when there is none: the first line Dawn printed, when it printed one.
 */
export function findWebgpuAdapter(): WebgpuAdapter {
  const { options, backend } = dawnOptions();
  // Dawn prints a warning of its own when it finds no Vulkan loader; check first.
  if ((!backend || backend === 'vulkan') && !vulkanLoaderPresent())
    throw new ProbeError('no Vulkan loader (libvulkan.so.1) on this machine', '');
  const url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, url, JSON.stringify(options)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const said = r.stderr?.trim() ?? '';
  const why = said
    ? ` (${said
        .split('\n')[0]!
        .replace(/^Warning:\s*/, '')
        .replace(/\.$/, '')})`
    : '';
  let info: AdapterInfo | null;
  try {
    info = JSON.parse(r.stdout) as AdapterInfo | null;
  } catch {
    throw new ProbeError(`looking for a WebGPU adapter failed${r.error ? `: ${r.error.message}` : ''}${why}`, said);
  }
  if (!info) throw new ProbeError(`no WebGPU adapter (no GPU, or no Vulkan driver Dawn accepts)${why}`, said);
  const named = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const software = isSoftwareAdapter(info, backend);
  let description = named || 'adapter found';
  if (backend && backend !== 'vulkan') description += ` (Dawn backend=${backend})`;
  if (software)
    description += ' [a software adapter (runs on the CPU): used only when asked for with --backend webgpu]';
  return { description, software, printed: said };
}

/**
 * Whether an adapter runs on the CPU: WebGPU's fallback flag (Dawn sets it for CPU adapters), Dawn's
 * null backend (computes nothing), or a name of a known software rasteriser (older Dawns set no flag).
 */
export function isSoftwareAdapter(info: AdapterInfo, dawnBackend?: string): boolean {
  const named = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return (
    info.isFallbackAdapter === true || dawnBackend === 'null' || /software|llvmpipe|lavapipe|swiftshader/i.test(named)
  );
}

/** No adapter, or the child failed; `printed` is what Dawn printed there (shown with --verbose). */
export class ProbeError extends Error {
  constructor(
    message: string,
    readonly printed: string,
  ) {
    super(message);
  }
}

/** Loads Dawn here and makes tfjs-backend-webgpu available on it, with synchronous reads. */
export async function startWebgpu(load: Load): Promise<void> {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const dawn = (await load('webgpu')) as { create: (opts: string[]) => unknown; globals: Record<string, unknown> };
    Object.assign(globalThis, dawn.globals);
    // The backend registers itself at import only if navigator.gpu exists (Node 20 has no navigator).
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    g.navigator!.gpu = dawn.create(dawnOptions().options);
  }
  installSyncReads((await load('@tensorflow/tfjs-backend-webgpu')) as Parameters<typeof installSyncReads>[0]);
}

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
