#!/usr/bin/env bash
# The README's GlobusApp example: set-up, then examples/globus-app with the given options.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec pnpm --silent --filter @globus-tokenstorage/example-globus-app start "$@"
