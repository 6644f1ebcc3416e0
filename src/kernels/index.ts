/** Our own WebAssembly SIMD kernels (kernels/*.c), on plain arrays: the MLP's jet pass and its reverse pass. */
export {
  channelCount,
  addWeightedGram,
  dropSaved,
  keptBytes,
  KERNEL_ACTIVATIONS,
  MAX_CHANNELS,
  MAX_LAYERS,
  mlpBackward,
  mlpForward,
  simdPeakGflops,
  type KernelActivation,
  type MlpInput,
  type MlpParams,
  type MlpPlan,
  type Saved,
} from './mlp.js';
