#!/usr/bin/env bash
# Debian packages the tests need: chromium for the browser tests (Playwright drives Debian's
# chromium; `playwright install` is never used). Installs only what is missing; needs root.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: ${missing[*]} missing and cannot be installed here (need root + apt-get);" \
       "browser tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
