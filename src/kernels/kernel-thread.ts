/**
 * The helper thread's loop (threads.ts): an instance of the kernel module on the shared memory,
 * with its own stack, that sleeps until a pass is posted, takes chunks of it, and says so.
 */
import { workerData } from 'node:worker_threads';
import { writeSharedText } from '../util/index.js';
import { CONTROL, CONTROL_BYTES, ERROR_BYTES, PASS_CODE } from './threads.js';

interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: SharedArrayBuffer;
  stackTop: number;
}

interface HelperExports {
  forward_part(thread: number): void;
  backward_part(thread: number): void;
  __stack_pointer: WebAssembly.Global;
}

const { module, memory, shared, stackTop } = workerData as HelperData;
const control = new Int32Array(shared, 0, CONTROL_BYTES / 4);
const HELPER = 1;

try {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as HelperExports;
  k.__stack_pointer.value = stackTop;
  Atomics.store(control, CONTROL.ready, 1);
  Atomics.notify(control, CONTROL.ready);
  // The loop ends when the process exits (the worker is unreferenced).
  for (let seen = 0; ;) {
    Atomics.wait(control, CONTROL.posted, seen);
    seen = Atomics.load(control, CONTROL.posted);
    if (Atomics.load(control, CONTROL.pass) === PASS_CODE.forward) k.forward_part(HELPER);
    else k.backward_part(HELPER);
    Atomics.store(control, CONTROL.finished, seen);
    Atomics.notify(control, CONTROL.finished);
  }
} catch (err) {
  writeSharedText(new Uint8Array(shared, CONTROL_BYTES, ERROR_BYTES), (err as Error).message);
  Atomics.store(control, CONTROL.failed, 1);
  Atomics.notify(control, CONTROL.ready);
  Atomics.notify(control, CONTROL.finished);
}
