/**
 * Our own WebAssembly SIMD kernels (kernels/*.c), on plain arrays: the MLP's jet pass and its reverse
 * pass; L-BFGS's two-loop recursion.
 */
export {
  channelCount,
  addWeightedGram,
  dropSaved,
  keptBytes,
  kernelChunksTaken,
  KERNEL_ACTIVATIONS,
  MAX_CHANNELS,
  MAX_LAYERS,
  mlpBackward,
  mlpForward,
  setKernelThreads,
  simdPeakGflops,
  type KernelActivation,
  type MlpInput,
  type MlpParams,
  type MlpPlan,
  type Saved,
} from './mlp.js';
export { CurvaturePairs } from './pairs.js';
