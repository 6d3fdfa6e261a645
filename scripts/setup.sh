#!/usr/bin/env bash
# Prepares a fresh clone on a machine that has only Node.js (>= 20.19) and npm:
# installs pnpm, installs the workspace's dependencies (compiling better-sqlite3 where no prebuilt
# binary can be downloaded) and builds every package. Safe to run again; it is quick when nothing changed.
# Source it (`. scripts/setup.sh`) to get pnpm on PATH even when it had to be installed locally.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The pnpm that package.json's "packageManager" names.
PNPM_VERSION=$(node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")')
# With Corepack's shims enabled, `pnpm` reads "packageManager" too: it must never stop to ask before
# downloading; if it cannot provide that pnpm, the one installed below is used.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# A pnpm installed next to the clone (when the global npm prefix is not writable) comes first.
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION" >&2
  npm install --global --silent "pnpm@$PNPM_VERSION" >&2 2>/dev/null ||
    npm install --silent --no-save --prefix .tools "pnpm@$PNPM_VERSION" >&2
  hash -r
fi

# node-gyp must build native addons against the local Node headers instead of downloading them
# (machines without internet access to nodejs.org).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi

pnpm install --frozen-lockfile --reporter=silent >&2
# A run on another Node version (scripts/test-node.sh) may have left a build of better-sqlite3 for it.
node scripts/use-native-build.mjs
pnpm --silent -r --filter './packages/*' run build >/dev/null
