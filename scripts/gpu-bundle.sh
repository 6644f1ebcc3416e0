#!/usr/bin/env bash
# Builds .gpu/: everything the GPU check (scripts/gpu-check.sh) needs on a machine
# with no Node.js and no registry: node (xz), the CLI as one CJS bundle, the
# webgpu package's linux-x64 dawn.node (xz), deasync, the tfjs wasm files and the
# example spec. Also fetches the Vulkan loader .debs into .gl/ (device README).
# Run here, from the repo root, after `npm ci`. Carry .gpu and .gl.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
rm -rf "$G"; mkdir -p "$G/node_modules/webgpu/dist/linux-x64" "$G/node_modules/deasync/bin" "$G/problems"
echo "[bundle] tsc"; npx tsc -p tsconfig.json || true   # type errors elsewhere must not block the bundle; dist is emitted
test -f dist/cli/main.js
echo "[bundle] esbuild"
npx esbuild scripts/gpu-entry.cjs --bundle --platform=node --target=node20 --format=cjs --minify \
  --external:webgpu --external:deasync --external:@tensorflow/tfjs-node-gpu --external:@tensorflow/tfjs-node \
  --define:import.meta.url=__pinn_import_meta_url \
  --banner:js="const __pinn_import_meta_url=require('url').pathToFileURL(__filename).href;" \
  --log-level=error --outfile="$G/pinn.cjs"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$G/"
# webgpu: the ESM shim and its package.json; dawn.node compressed (about 21 MB raw).
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$G/node_modules/webgpu/"
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$G/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# deasync: the loader and the prebuilt binary for Node 20 on linux-x64.
cp node_modules/deasync/index.js node_modules/deasync/package.json "$G/node_modules/deasync/"
cp -r node_modules/deasync/bin/linux-x64-node-20 "$G/node_modules/deasync/bin/"
cp problems/poisson-2d.yaml "$G/problems/"
cp package.json "$G/"   # the CLI reads its version from the nearest package.json (src/run/version.ts)
echo "[bundle] node ($(node --version)) -> node.xz"
if [ -f /tmp/pinn-node-$(node --version).xz ]; then cp /tmp/pinn-node-$(node --version).xz "$G/node.xz"
else xz -T2 -9 -c "$(command -v node)" > "$G/node.xz"; cp "$G/node.xz" /tmp/pinn-node-$(node --version).xz; fi
node --version > "$G/node-version"
if [ ! -f .gl/libvulkan1_*.deb ] 2>/dev/null || ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  echo "[bundle] fetching Vulkan loader debs into .gl/"
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >> .git/info/exclude
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh "$G" .gl
total=$(du -scb "$G" .gl | tail -1 | cut -f1)
echo "[bundle] total $((total / 1048576)) MiB (carry limit 64 MiB with the tree)"
[ "$total" -lt $((60 * 1048576)) ] || { echo "[bundle] too large" >&2; exit 1; }
