#!/usr/bin/env bash
# Runs the jest suite and the packaging import/require checks on another Node.js major version
# (`npx -y node@<major>` fetches it from the npm registry), after the default Node's `npm test` has
# set up the clone. better-sqlite3 is switched to a build for that Node and back afterwards.
# Usage: bash scripts/test-node.sh <major> [jest arguments]
set -uo pipefail
cd "$(dirname "$0")/.."
major=$1
shift
label="node$major"
default_node=$(command -v node)
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

node_bin=$(npx --yes "node@$major" -p process.execPath) || {
  echo "test-node: could not fetch Node $major from the npm registry" >&2
  node scripts/test-summary.mjs record "$label" /nonexistent 0
  exit 1
}
trap '"$default_node" scripts/use-native-build.mjs' EXIT
export PATH="$(dirname "$node_bin"):$PATH"

failed_steps=0
node scripts/use-native-build.mjs || failed_steps=$((failed_steps + 1))

echo "== jest (Node $(node --version))" >&2
mkdir -p reports
report="reports/jest-$label.json"
rm -f "$report"
pnpm --silent exec jest --ci --json --outputFile="$report" "$@"

echo "== packaging: import and require (Node $(node --version))" >&2
node scripts/check-packaging.mjs --imports-only || failed_steps=$((failed_steps + 1))

node scripts/test-summary.mjs record "$label" "$report" "$failed_steps"
