// Which WebGPU adapters are software ones, never chosen without --backend webgpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSoftwareAdapter } from '../../dist/backend/webgpu.js';

test('lavapipe, SwiftShader and Dawn null are software adapters; GPUs are not', () => {
  // What Dawn reports for Mesa 25's lavapipe (isFallbackAdapter set).
  const lavapipe = {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe-llvm-15-0-6-256-bits-',
    description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
    isFallbackAdapter: true,
  };
  assert.equal(isSoftwareAdapter(lavapipe), true);
  assert.equal(isSoftwareAdapter({ ...lavapipe, isFallbackAdapter: undefined }), true);
  assert.equal(
    isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device' }),
    true,
  );
  const nvidia = {
    vendor: 'nvidia',
    architecture: 'hopper',
    device: '',
    description: 'NVIDIA H200',
    isFallbackAdapter: false,
  };
  assert.equal(isSoftwareAdapter(nvidia), false);
  assert.equal(isSoftwareAdapter(nvidia, 'vulkan'), false);
  assert.equal(isSoftwareAdapter(nvidia, 'null'), true);
});
