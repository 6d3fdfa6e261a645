#!/usr/bin/env bash
# Makes sure Chromium is there for the browser tests (packages/web-storage). Does nothing when a
# Chromium is found ($CHROMIUM_PATH or the usual system paths); installs Debian's `chromium` with
# apt-get when running as root on a machine that has apt-get (as CI does); otherwise says how to
# install it and exits non-zero. The tests themselves fail with the same advice when it is missing.
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome-stable /usr/bin/google-chrome; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
  exit 0
fi

echo "install-chromium: Chromium is not installed and cannot be installed from here (needs root and apt-get)." >&2
echo "  Debian/Ubuntu: sudo apt-get install chromium; elsewhere install Chromium or Chrome and set CHROMIUM_PATH." >&2
exit 1
