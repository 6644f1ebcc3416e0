/** The tfjs backend of a run (tfjs-node-gpu, WebGPU, wasm, cpu), chosen at run time, with our gradient overrides. */
export { BackendError, listBackends, selectBackend, setVerbose, tensorsOnThisThread } from './backends.js';
