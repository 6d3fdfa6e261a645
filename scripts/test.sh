#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, type checks, the pending changesets, format and lint
# checks, every jest test, packaging checks.
# Ends with one line "tests: N passed, N failed" computed from jest's JSON results (a failed type
# check, changeset check, format check, lint or packaging check counts as one failed test), and exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

failed_steps=0
# Sourced, so that a pnpm installed next to the clone is on PATH; it exits on a failed set-up.
. scripts/setup.sh
set +e

echo "== typecheck" >&2
pnpm --silent typecheck || failed_steps=$((failed_steps + 1))

echo "== changesets" >&2
# Reads every pending changeset: one that does not parse or names a package that is not in this
# workspace fails. A package changed since the config's baseBranch (main) needs a changeset; on a
# clean clone of main nothing has changed since main.
pnpm --silent exec changeset status || failed_steps=$((failed_steps + 1))

echo "== format and lint" >&2
# Each counts as one failed step: Biome's format check, then Biome's and ESLint's lint rules.
pnpm --silent format:check || failed_steps=$((failed_steps + 1))
pnpm --silent lint || failed_steps=$((failed_steps + 1))

echo "== chromium" >&2
# The browser tests need it; without it they fail and say how to install it.
bash scripts/install-chromium.sh || failed_steps=$((failed_steps + 1))

echo "== secret service" >&2
# The keychain tests of packages/encrypted run gnome-keyring under dbus-run-session.
bash scripts/install-secret-service.sh || failed_steps=$((failed_steps + 1))

echo "== jest (Node $(node --version))" >&2
mkdir -p reports
report="reports/jest-node$(node -p 'process.versions.node.split(".")[0]').json"
rm -f "$report"
pnpm --silent exec jest --ci --json --outputFile="$report" "$@"

echo "== packaging" >&2
pnpm --silent check:packaging || failed_steps=$((failed_steps + 1))

node scripts/test-summary.mjs record "node$(node -p 'process.versions.node.split(".")[0]')" "$report" "$failed_steps"
