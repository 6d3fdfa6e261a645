#!/usr/bin/env bash
# The README's "run it" command: set-up, then the end-to-end example with the given options.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec pnpm --silent --filter @globus-tokenstorage/example-minimal-script start "$@"
