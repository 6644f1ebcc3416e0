#!/usr/bin/env node
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv);
// dawn.node keeps Node alive while navigator.gpu holds it (webgpu README, Lifetime).
if (globalThis.navigator?.gpu) delete globalThis.navigator.gpu;
