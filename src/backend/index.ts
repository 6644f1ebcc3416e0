/** The tfjs backend of a run (tfjs-node-gpu, WebGPU, wasm, cpu), chosen at run time, with our gradient overrides. */
export { BackendError, listBackends, selectBackend, setVerbose } from './backends.js';
