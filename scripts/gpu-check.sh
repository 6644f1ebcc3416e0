#!/usr/bin/env bash
# GPU check for the webgpu backend (issue 10). Runs on the device machine from the
# repo root (root user, no Node.js): needs .gpu/ (scripts/gpu-bundle.sh) and .gl/
# carried. Sets up Vulkan, runs `pinn backends`, then poisson-2d on webgpu and wasm
# at 2,000 / 20,000 / 200,000 domain points, and writes under $OUT (at most 5 files):
#   backends.txt, gpu-check.log, summaries.json (every run's summary.json, keyed
#   backend-size), timing.md (ms/iteration and L2 error per backend and size).
# training.workers=1: the bundle carries no wasm shard-worker script (wasm trains on one thread).
# Each run is 2 Adam stages: a short warm-up (shader compilation, first
# allocations), then the timed stage; ms/iteration is the timed stage's.
# --dry-run (or DRY_RUN=1): no Vulkan setup and no adapter required; runs wasm at
# the small size and webgpu on Dawn's null backend (API path only, garbage
# numbers), to a temporary $OUT if none is set.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=${DRY_RUN:-0}; [ "${1:-}" = "--dry-run" ] && DRY=1
OUT=${OUT:-$(mktemp -d /tmp/gpu-check-out.XXXX)}; mkdir -p "$OUT"
LOG="$OUT/gpu-check.log"; : > "$LOG"
say() { echo "[gpu-check $(date +%T)] $*" | tee -a "$LOG"; }
T0=$(date +%s)
W=${GPU_CHECK_WORK:-/tmp/pinn-gpu}
rm -rf "$W"; mkdir -p "$W"; cp -r .gpu/. "$W/"
unxz() { if command -v xz >/dev/null; then xz -d -c "$1"; else python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$1"; fi; }
unxz "$W/node.xz" > "$W/node" && chmod +x "$W/node" && rm "$W/node.xz"
unxz "$W/node_modules/webgpu/dist/linux-x64/dawn.node.xz" > "$W/node_modules/webgpu/dist/linux-x64/dawn.node" && rm "$W/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
say "node $("$W/node" --version) unpacked in $W ($(( $(date +%s) - T0 ))s)"
if [ "$DRY" != 1 ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  ldconfig -p | grep -q libvulkan.so.1 || say "WARNING: libvulkan.so.1 still not found"
  [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
fi
PINN() { (cd "$W" && NO_COLOR=1 ./node pinn.cjs "$@"); }
say "pinn backends"
PINN backends 2>&1 | tee "$OUT/backends.txt" | tee -a "$LOG"
GPU_OK=0; grep -q '^available *webgpu' "$OUT/backends.txt" && GPU_OK=1
if [ "$DRY" != 1 ] && [ $GPU_OK != 1 ]; then say "FAIL: webgpu not available (see backends.txt); running wasm only"; fi
mkdir -p "$W/runs"
# run BACKEND DOMAIN WARMUP ITERS TIMEOUT_S [env...]
run() {
  local b=$1 n=$2 w=$3 it=$4 lim=$5; shift 5
  local name="$b-$n"
  say "run $name: $w warm-up + $it timed Adam iterations (limit ${lim}s)"
  local t=$(date +%s)
  (cd "$W" && env "$@" NO_COLOR=1 timeout "$lim" ./node pinn.cjs solve problems/poisson-2d.yaml --backend "$b" --out "runs/$name" --quiet \
     --set "training.points.domain=$n" --set "training.points.boundary=$(( n / 5 ))" --set training.workers=1 \
     --set "training.stages=[{optimizer: adam, iterations: $w, lr: 0.001}, {optimizer: adam, iterations: $it, lr: 0.001}]") >> "$LOG" 2>&1
  local rc=$?
  say "run $name: rc=$rc in $(( $(date +%s) - t ))s"
  [ -f "$W/runs/$name/summary.json" ] && cp "$W/runs/$name/summary.json" "$W/runs/$name.summary.json"
  return 0
}
if [ "$DRY" = 1 ]; then
  run wasm 2000 5 20 120
  run webgpu 2000 5 20 120 PINN_DAWN_OPTIONS=backend=null
else
  # At most about 7.5 minutes in all (each run is capped); wasm is single-threaded in Node, so fewer timed iterations at the large sizes.
  if [ $GPU_OK = 1 ]; then
    run webgpu 2000 20 300 70
    run webgpu 20000 20 300 80
    run webgpu 200000 10 300 110
  fi
  run wasm 2000 10 300 45
  run wasm 20000 5 40 50
  run wasm 200000 2 5 70
fi
say "collecting"
python3 - "$W/runs" "$OUT" <<'PY' 2>&1 | tee -a "$LOG"
import json, glob, os, sys
runs, out = sys.argv[1], sys.argv[2]
summ = {}
for f in sorted(glob.glob(os.path.join(runs, '*.summary.json'))):
    summ[os.path.basename(f)[:-len('.summary.json')]] = json.load(open(f))
json.dump(summ, open(os.path.join(out, 'summaries.json'), 'w'), indent=1)
rows = ['| backend | domain points | timed iterations | ms/iteration (timed stage) | ms/iteration (warm-up stage) | final loss | u L2 rel error | backend detail |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |']
key = lambda k: (summ[k]['backend'], summ[k]['points'].get('domain', 0))
for k in sorted(summ, key=key):
    s = summ[k]; st = s['stages']
    rows.append(f"| {s['backend']} | {s['points'].get('domain')} | {st[-1]['iterations']} | {st[-1]['msPerIteration']:.2f} | {st[0]['msPerIteration']:.2f} | "
                f"{s['loss']['total']:.3e} | {s['errors']['u']['l2_relative']:.3e} | {s['backend_detail']} |")
open(os.path.join(out, 'timing.md'), 'w').write('\n'.join(rows) + '\n')
print('\n'.join(rows))
print(f'{len(summ)} runs collected')
PY
say "done in $(( $(date +%s) - T0 ))s; outputs in $OUT: $(ls "$OUT" | tr '\n' ' ')"
if [ "$DRY" = 1 ]; then
  for f in backends.txt summaries.json timing.md gpu-check.log; do [ -s "$OUT/$f" ] || { say "DRY RUN FAIL: $f missing"; exit 1; }; done
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT/summaries.json")
  [ -f "$W/runs/wasm-2000.summary.json" ] || { say "DRY RUN FAIL: no wasm summary"; exit 1; }
  # Dawn's null backend computes nothing (garbage values): the webgpu run passes when it trained
  # to the end, whether the finiteness check then refused the garbage model or not, or when the
  # divergence guard stopped it on garbage losses (read several iterations at a time on webgpu).
  [ -f "$W/runs/webgpu-2000.summary.json" ] || grep -q 'the trained model is not finite\|training diverged: the loss' "$LOG" || { say "DRY RUN FAIL: webgpu (null backend) run broke before the end of training"; exit 1; }
  grep -qi 'not registered\|OffscreenCanvas' "$LOG" && { say "DRY RUN FAIL: missing webgpu kernel or synchronous read"; exit 1; }
  say "DRY RUN OK"
fi
