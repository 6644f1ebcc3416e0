#!/usr/bin/env bash
# CI stage: report.html of every shipped example rendered in headless Chromium (test/browser/).
# Installs Debian's chromium when it is missing and this runs as root with apt-get; elsewhere the
# test skips and prints why. Runs after `npm test`, which has built dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null && [ -z "${CHROMIUM:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "browser stage: chromium is not installed and apt-get as root is not available to install it" >&2
  fi
fi
node --test test/browser/
