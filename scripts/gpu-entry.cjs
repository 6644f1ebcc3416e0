// Entry of the GPU bundle (scripts/gpu-bundle.sh): the CLI, with the optional
// backends bundled but loaded lazily (tfjs-backend-webgpu registers itself only
// if navigator.gpu exists when it is first evaluated). The webgpu package
// (dawn.node) and deasync stay real packages under .gpu/node_modules.
require('./gpu-prelude.cjs');
import('../dist/cli/main.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv);
  // dawn.node keeps Node alive while navigator.gpu holds it (webgpu README, Lifetime).
  if (globalThis.navigator && globalThis.navigator.gpu) delete globalThis.navigator.gpu;
  setTimeout(() => process.exit(), 3000).unref();
});
