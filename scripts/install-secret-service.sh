#!/usr/bin/env bash
# Makes sure a Secret Service can run headless for the keychain tests (packages/encrypted): does
# nothing when `dbus-run-session` and `gnome-keyring-daemon` are there; installs Debian's `dbus` and
# `gnome-keyring` with apt-get when running as root on a machine that has apt-get (as CI does);
# otherwise says how to install them and exits non-zero. The tests fail with the same advice.
set -euo pipefail

if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "install-secret-service: installing Debian's dbus and gnome-keyring with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq dbus gnome-keyring >&2
  exit 0
fi

echo "install-secret-service: dbus-run-session or gnome-keyring-daemon is missing and cannot be installed from here (needs root and apt-get)." >&2
echo "  Debian/Ubuntu: sudo apt-get install dbus gnome-keyring" >&2
exit 1
