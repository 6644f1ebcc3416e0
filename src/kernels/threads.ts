/**
 * The helper thread of the network passes: a worker thread with its own instance of the kernel
 * module on the same shared memory (kernel-thread.ts). This thread posts a pass, runs its own part
 * of it, then waits for the helper's: both take chunks of the pass from one counter in that
 * memory, so whichever thread is slower takes fewer. Commands and completions go through a small
 * shared control array; the helper sleeps on it between passes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readSharedText } from '../util/index.js';

/** The parts of a network pass (forward_part and backward_part in kernels/mlp.c). */
export type Pass = 'forward' | 'backward';

/** Int32 slots of the control array. */
export const CONTROL = {
  /** Passes posted so far: the helper sleeps until it changes. */
  posted: 0,
  /** The posted pass: PASS_CODE. */
  pass: 1,
  /** The last pass the helper finished its part of. */
  finished: 2,
  /** Nonzero once the helper failed; its message then sits in the error bytes. */
  failed: 3,
  /** Nonzero once the helper's instance is ready. */
  ready: 4,
} as const;
export const CONTROL_BYTES = 32;
export const ERROR_BYTES = 1024;
export const PASS_CODE: Record<Pass, number> = { forward: 1, backward: 2 };

/** How long a pass may wait for the helper before it is reported as not answering. */
const WAIT_MS = 600_000;
/** How long the helper may take to start. */
const START_MS = 30_000;
/** Polls of the control array before sleeping on it: the helper usually finishes within microseconds of this thread. */
const SPINS = 2000;

export class HelperThread {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly errorText: Uint8Array;
  private posted = 0;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, stackTop: number) {
    const shared = new SharedArrayBuffer(CONTROL_BYTES + ERROR_BYTES);
    this.control = new Int32Array(shared, 0, CONTROL_BYTES / 4);
    this.errorText = new Uint8Array(shared, CONTROL_BYTES, ERROR_BYTES);
    const script = new URL('./kernel-thread.js', import.meta.url);
    // A bundle of the CLI without the script (scripts/gpu-bundle.sh) would wait START_MS for nothing.
    if (!existsSync(fileURLToPath(script))) throw new Error(`${fileURLToPath(script)} is missing`);
    this.worker = new Worker(script, {
      workerData: { module, memory, shared, stackTop },
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.awaitReady();
  }

  /** Waits until the helper's instance is ready; throws when it failed or did not start in time. */
  private awaitReady(): void {
    const c = this.control;
    const deadline = Date.now() + START_MS;
    while (!Atomics.load(c, CONTROL.ready) && !Atomics.load(c, CONTROL.failed)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        void this.worker.terminate();
        throw new Error('it did not start in time');
      }
      Atomics.wait(c, CONTROL.ready, 0, Math.min(left, 50));
    }
    if (Atomics.load(c, CONTROL.failed)) {
      void this.worker.terminate();
      throw new Error(readSharedText(this.errorText));
    }
  }

  /** Posts `pass`: the helper wakes and takes chunks of it. */
  start(pass: Pass): void {
    this.posted++;
    Atomics.store(this.control, CONTROL.pass, PASS_CODE[pass]);
    Atomics.store(this.control, CONTROL.posted, this.posted);
    Atomics.notify(this.control, CONTROL.posted);
  }

  /** Waits until the helper has finished its part of the pass posted last. */
  join(): void {
    const c = this.control;
    for (let i = 0; i < SPINS && Atomics.load(c, CONTROL.finished) !== this.posted; i++);
    for (;;) {
      const finished = Atomics.load(c, CONTROL.finished);
      if (Atomics.load(c, CONTROL.failed)) throw new Error(`kernel thread failed: ${readSharedText(this.errorText)}`);
      if (finished === this.posted) return;
      if (Atomics.wait(c, CONTROL.finished, finished, WAIT_MS) === 'timed-out')
        throw new Error('kernel thread did not answer');
    }
  }
}
