#!/usr/bin/env bash
# CI stage: the webgpu backend for real, on Mesa's software Vulkan driver (lavapipe), no GPU needed.
# Dawn refuses bookworm's own Mesa 22.3 (it lacks shaderSampledImageArrayDynamicIndexing) and takes
# Mesa >= 24 as a fallback (CPU) adapter. This fetches such a Mesa with `apt-get download` through a
# private apt configuration (the machine's own Debian suites plus <codename>-backports; nothing is
# installed system-wide), extracts it with `dpkg -x` into a cache folder, points the Vulkan loader
# at it for this stage only (VK_ICD_FILENAMES, LD_LIBRARY_PATH), then runs test/webgpu/ and a small
# `npm run bench` on webgpu. Where the machine's installed Mesa is new enough, it is used as is.
# When the packages cannot be had, the stage says why and is skipped (exit 0); a failing test fails it.
# Cache: $PINN_CI_CACHE (default ~/.cache/pinn-ci)/lavapipe, also holding Mesa's shader cache.
set -uo pipefail
cd "$(dirname "$0")/../.."
say() { echo "[webgpu-lavapipe $(date +%T)] $*"; }
skip() {
  say "SKIPPED: $*"
  exit 0
}
T0=$(date +%s)
CACHE=${PINN_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinn-ci}/lavapipe
MESA_MIN=24 # the oldest Mesa major version whose lavapipe Dawn accepts (25.0.7 measured, 22.3.6 refused)

[ -d node_modules/webgpu ] || skip "the optional package webgpu (Dawn) is not installed"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || skip "not a Debian system (no apt-get/dpkg)"
case $(dpkg --print-architecture) in
  amd64) MULTIARCH=x86_64-linux-gnu ;;
  arm64) MULTIARCH=aarch64-linux-gnu ;;
  *) skip "no prebuilt dawn.node for $(dpkg --print-architecture)" ;;
esac
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || skip "no VERSION_CODENAME in /etc/os-release"
major() { sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' <<<"$1"; }
mkdir -p "$CACHE"

# The machine's own suites for $CODENAME (deb822 .sources and one-line .list files), each also with
# $CODENAME-backports, as one-line entries in a private sources list.
private_sources() {
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v c="$CODENAME" 'BEGIN { RS = ""; FS = "\n" }
      {
        t = u = s = k = sb = ""; en = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^#/) continue
          split($i, kv, ":[ \t]*"); key = tolower(kv[1]); val = substr($i, length(kv[1]) + 2); sub(/^[ \t]*/, "", val)
          if (key == "types") t = val; else if (key == "uris") u = val; else if (key == "suites") s = val
          else if (key == "components") k = val; else if (key == "signed-by") sb = val; else if (key == "enabled") en = val
        }
        if (en == "no" || t !~ /(^| )deb( |$)/ || (" " s " ") !~ (" " c " ")) next
        opt = sb != "" ? "[signed-by=" sb "] " : ""
        n = split(u, uris, " ")
        for (j = 1; j <= n; j++) { print "deb " opt uris[j] " " c " " k; print "deb " opt uris[j] " " c "-backports " k }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v c="$CODENAME" '$1 == "deb" {
        line = $0; n = split(line, w, " "); suite = ""
        for (i = 2; i <= n; i++) if (w[i] == c) suite = i
        if (suite == "") next
        print line; sub(" " c " ", " " c "-backports ", line); print line
      }' "$f"
  done
}

APT_DIR=$CACHE/apt
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" "$APT_DIR/sources.list.d"
private_sources | sort -u >"$APT_DIR/sources.list"
[ -s "$APT_DIR/sources.list" ] || skip "no Debian suite for $CODENAME in /etc/apt's sources"
APT_OPTS=(-o "Dir::Etc::sourcelist=$APT_DIR/sources.list" -o "Dir::Etc::sourceparts=$APT_DIR/sources.list.d"
  -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR" -o "Dir::Cache::archives=$APT_DIR/archives"
  -o "APT::Sandbox::User=$(id -un)" -o "Acquire::Retries=2")

# A Mesa whose lavapipe Dawn accepts: the installed one, else one to download (own suite, else backports).
installed=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
ICD_SYSTEM=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -1)
if [ -n "$installed" ] && [ "$(major "$installed")" -ge $MESA_MIN ] && [ -n "$ICD_SYSTEM" ] &&
  ldconfig -p | grep -q libvulkan.so.1; then
  say "using the installed Mesa $installed ($ICD_SYSTEM)"
  export VK_ICD_FILENAMES=$ICD_SYSTEM
else
  say "fetching package lists for $CODENAME and $CODENAME-backports into $APT_DIR"
  timeout 180 apt-get "${APT_OPTS[@]}" update >"$APT_DIR/update.log" 2>&1 ||
    skip "apt-get update failed: $(grep -m1 -E '^(E|W):' "$APT_DIR/update.log" || tail -1 "$APT_DIR/update.log")"
  versions=$(apt-cache "${APT_OPTS[@]}" madison mesa-vulkan-drivers 2>/dev/null)
  version_in() { awk -F'|' -v s=" $1/" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }' <<<"$versions"; }
  SUITE="" VERSION=""
  for suite in "$CODENAME" "$CODENAME-backports"; do
    v=$(version_in "$suite")
    if [ -n "$v" ] && [ "$(major "$v")" -ge $MESA_MIN ]; then SUITE=$suite VERSION=$v && break; fi
  done
  [ -n "$SUITE" ] || skip "no mesa-vulkan-drivers >= $MESA_MIN in $CODENAME or $CODENAME-backports (found: $(tr '\n' ';' <<<"$versions"))"
  ROOT=$CACHE/mesa-$VERSION
  if [ ! -f "$ROOT/.extracted" ]; then
    say "downloading Mesa $VERSION ($SUITE): lavapipe and what it links that the machine may lack"
    DEBS=$CACHE/debs-$VERSION
    rm -rf "$DEBS" "$ROOT" && mkdir -p "$DEBS" "$ROOT"
    pkgs=("mesa-vulkan-drivers/$SUITE" "libdrm2/$SUITE" "libdrm-amdgpu1/$SUITE" "libvulkan1/$CODENAME")
    # Mesa >= 24.1 moved its drivers' common code into mesa-libgallium.
    apt-cache "${APT_OPTS[@]}" madison mesa-libgallium 2>/dev/null | grep -q " $SUITE/" && pkgs+=("mesa-libgallium/$SUITE")
    (cd "$DEBS" && timeout 300 apt-get "${APT_OPTS[@]}" download "${pkgs[@]}") >"$CACHE/download.log" 2>&1 ||
      skip "apt-get download ${pkgs[*]} failed: $(grep -m1 -E '^(E|W):' "$CACHE/download.log" || tail -1 "$CACHE/download.log")"
    for deb in "$DEBS"/*.deb; do dpkg -x "$deb" "$ROOT" || skip "dpkg -x $deb failed"; done
    touch "$ROOT/.extracted"
  fi
  LIBS=$ROOT/usr/lib/$MULTIARCH
  ICD=$(ls "$ROOT"/usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -1)
  [ -n "$ICD" ] && [ -f "$LIBS/libvulkan_lvp.so" ] || skip "the extracted packages hold no lavapipe ICD"
  # The ICD file names its library without a path: a copy with the absolute one.
  sed -E "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$LIBS/libvulkan_lvp.so\"#" "$ICD" >"$CACHE/lvp_icd-$VERSION.json"
  missing=$(LD_LIBRARY_PATH=$LIBS ldd "$LIBS/libvulkan_lvp.so" | grep 'not found' || true)
  [ -z "$missing" ] || skip "lavapipe needs libraries this machine lacks: $(tr -s ' \n' ' ' <<<"$missing")"
  export VK_ICD_FILENAMES=$CACHE/lvp_icd-$VERSION.json
  export LD_LIBRARY_PATH=$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  say "Mesa $VERSION lavapipe from $SUITE in $ROOT ($(($(date +%s) - T0)) s)"

  # The suite's own Mesa when Dawn refuses it (bookworm's): test/webgpu/backends.test.js checks that
  # nothing Dawn then prints reaches pinn's output. Without it those tests skip, saying why.
  own=$(version_in "$CODENAME")
  if [ -n "$own" ] && [ "$(major "$own")" -lt $MESA_MIN ]; then
    OLD=$CACHE/mesa-$own
    if [ ! -f "$OLD/.extracted" ]; then
      rm -rf "$OLD" && mkdir -p "$OLD/debs"
      if (cd "$OLD/debs" && timeout 300 apt-get "${APT_OPTS[@]}" download "mesa-vulkan-drivers/$CODENAME") >"$CACHE/download-old.log" 2>&1; then
        dpkg -x "$OLD"/debs/*.deb "$OLD" && touch "$OLD/.extracted"
      else
        say "could not fetch $CODENAME's Mesa $own: $(tail -1 "$CACHE/download-old.log")"
      fi
    fi
    OLD_ICD=$(ls "$OLD"/usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -1)
    if [ -f "$OLD/.extracted" ] && [ -n "$OLD_ICD" ]; then
      sed -E "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$OLD/usr/lib/$MULTIARCH/libvulkan_lvp.so\"#" "$OLD_ICD" >"$CACHE/lvp_icd-$own.json"
      export PINN_TEST_REFUSED_ICD=$CACHE/lvp_icd-$own.json
      # Its lavapipe, with the loader (libvulkan.so.1) of the extracted packages.
      export PINN_TEST_REFUSED_LIBS=$OLD/usr/lib/$MULTIARCH:$LIBS
    fi
  fi
fi
# Compiled shaders kept between runs: the first run compiles for minutes on two cores.
export MESA_SHADER_CACHE_DIR=$CACHE/shader-cache

say "pinn backends"
node bin/pinn.js backends | tee "$CACHE/backends.txt"
grep -q '^available *webgpu' "$CACHE/backends.txt" || {
  say "FAIL: Dawn did not take lavapipe (see above; node bin/pinn.js backends --verbose shows what Dawn printed)"
  exit 1
}

say "test/webgpu (webgpu against wasm)"
node --test --test-concurrency=1 test/webgpu/ || {
  say "FAIL: test/webgpu"
  exit 1
}

say "npm run bench on webgpu (poisson-2d, a tenth of its points)"
npm run --silent bench -- --quick --small --backends webgpu --problems poisson-2d --out "$CACHE/bench-webgpu.json" || {
  say "FAIL: npm run bench"
  exit 1
}
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const rows = r.steps.filter((s) => s.backend === "webgpu");
  const reads = r.loss_reads.find((s) => s.backend === "webgpu");
  if (!rows.length || !reads) { console.error("no webgpu row in the bench results"); process.exit(1); }
  console.log(`bench: webgpu rows ${rows.map((s) => s.engine).join(", ")}; loss read every ${reads.every}: ${reads.speedup.toFixed(2)}x`);
' "$CACHE/bench-webgpu.json" || exit 1
say "passed in $(($(date +%s) - T0)) s"
