/**
 * Synchronous reads for @tensorflow/tfjs-backend-webgpu under Node.
 *
 * The trainer and the outputs read values with dataSync (the loss each step,
 * checkpoints, fields). tfjs-backend-webgpu 4.x implements readSync through
 * OffscreenCanvas, which Node lacks, so every dataSync of a GPU-resident
 * tensor would throw there. This replaces readSync with the same
 * buffer-to-staging copy the backend's async read uses, then turns the event
 * loop (deasync, a small native addon with prebuilt binaries) until Dawn maps
 * the staging buffer: dawn.node completes a mapAsync only from a setImmediate
 * callback, so a plain busy wait would never see it.
 *
 * The wait polls the buffer's mapState rather than a promise: promise
 * callbacks cannot run while readSync is itself called from a microtask
 * (after an await), but Dawn sets the native map state from its own callback.
 * Each read is a full GPU round trip (the queue drains), the cost the issue
 * names for the loss read per step.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

interface StagingBuffer {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
interface TensorData {
  values: unknown;
  dtype: string;
  resource: unknown;
  complexTensorInfos?: unknown;
}
interface WebGPUBackendLike {
  tensorMap: { get(id: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): StagingBuffer; releaseBuffer(b: StagingBuffer): void };
  commandEncoder: { copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(id: object, vals: unknown): unknown;
  readSync(id: object): unknown;
}

const patched = Symbol.for('pinn.webgpuSyncReads');

/** Patches the backend class's readSync; throws when deasync cannot load (then webgpu is unavailable). */
export function installSyncReads(backendModule: {
  WebGPUBackend?: { prototype: WebGPUBackendLike };
  default?: { WebGPUBackend?: { prototype: WebGPUBackendLike } };
}): void {
  const proto = (backendModule.WebGPUBackend ?? backendModule.default?.WebGPUBackend)?.prototype as
    (WebGPUBackendLike & { [patched]?: boolean }) | undefined;
  if (!proto) throw new Error('tfjs-backend-webgpu exports no WebGPUBackend');
  if (proto[patched]) return;
  const require = createRequire(import.meta.url);
  let loopWhile: (pred: () => boolean) => void;
  try {
    loopWhile = (require('deasync') as { loopWhile: (pred: () => boolean) => void }).loopWhile;
  } catch (err) {
    throw new Error(
      `synchronous GPU reads need the optional package deasync (${(err as Error).message.split('\n')[0]})`,
      { cause: err },
    );
  }
  const g = globalThis as unknown as {
    GPUBufferUsage: { COPY_DST: number; MAP_READ: number };
    GPUMapMode: { READ: number };
  };
  const original = proto.readSync;
  proto.readSync = function readSync(this: WebGPUBackendLike, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (
      (data.values !== null && data.values !== undefined) ||
      data.dtype === 'string' ||
      data.dtype === 'complex64' ||
      !data.resource
    )
      return original.call(this, dataId);
    const buffer = data.resource as { size: number };
    const staging = this.bufferManager.acquireBuffer(
      buffer.size,
      g.GPUBufferUsage.COPY_DST | g.GPUBufferUsage.MAP_READ,
    );
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
    this.submitQueue();
    let failure: unknown;
    staging.mapAsync(g.GPUMapMode.READ).catch((e: unknown) => {
      failure = e ?? new Error('mapAsync failed');
    });
    loopWhile(() => staging.mapState === 'pending' && failure === undefined);
    if (staging.mapState !== 'mapped') {
      throw new Error(
        `webgpu: reading a tensor back failed (${failure instanceof Error ? failure.message : String(failure ?? staging.mapState)})`,
      );
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    const vals = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype as tf.DataType);
    this.convertAndCacheOnCPU(dataId, vals);
    return vals;
  };
  proto[patched] = true;
}
