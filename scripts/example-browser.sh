#!/usr/bin/env bash
# The README's browser example: set-up, then the example's server (the app and the local auth server).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec pnpm --silent --filter @globus-tokenstorage/example-browser start "$@"
