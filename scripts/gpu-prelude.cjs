// Shared by the GPU bundle's entries (CLI and wasm shard worker): the bundled optional backends, loaded lazily.
globalThis.__pinnBundled = {
  '@tensorflow/tfjs-backend-webgpu': () => require('@tensorflow/tfjs-backend-webgpu'),
  '@tensorflow/tfjs-backend-wasm': () => {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    // The .wasm files lie beside the bundle.
    wasm.setWasmPaths(`${__dirname}/`);
    return wasm;
  },
};
