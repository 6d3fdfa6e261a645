#!/usr/bin/env bash
# Runs the jest suite and the packaging import/require checks on another Node.js major version,
# after the default Node's `npm test` has set up the clone. That Node comes from the npm registry
# (the `node-<platform>-<arch>` package that `npx node@<major>` also uses, unpacked into
# .tools/node-<major>, headers included, so better-sqlite3 can be compiled for it offline).
# better-sqlite3 is switched to a build for that Node and back afterwards.
# Usage: bash scripts/test-node.sh <major> [jest arguments]
set -uo pipefail
cd "$(dirname "$0")/.."
major=$1
shift
label="node$major"
default_node=$(command -v node)
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

node_home="$PWD/.tools/node-$major"
if [ ! -x "$node_home/bin/node" ]; then
  echo "test-node: fetching Node $major from the npm registry" >&2
  download=$(mktemp -d)
  if (cd "$download" && npm pack --silent "$(node -p '`node-${process.platform}-${process.arch}`')@$major" >/dev/null); then
    mkdir -p "$node_home" && tar xzf "$download"/*.tgz -C "$node_home" --strip-components=1
  fi
  rm -rf "$download"
fi
if [ ! -x "$node_home/bin/node" ]; then
  echo "test-node: could not fetch Node $major from the npm registry" >&2
  node scripts/test-summary.mjs record "$label" /nonexistent 0
  exit 1
fi
trap '"$default_node" scripts/use-native-build.mjs' EXIT
export PATH="$node_home/bin:$PATH"

failed_steps=0
node scripts/use-native-build.mjs || failed_steps=$((failed_steps + 1))

# The default Node's run fuzzes with 10 000 cases per property; here the question is whether the
# same code runs on this Node, which far fewer cases answer (and CI has a time budget).
export FUZZ_RUNS="${FUZZ_RUNS:-1000}"
echo "== jest (Node $(node --version), $FUZZ_RUNS fuzz cases per property)" >&2
mkdir -p reports
report="reports/jest-$label.json"
rm -f "$report"
pnpm --silent exec jest --ci --json --outputFile="$report" "$@"

echo "== packaging: import and require (Node $(node --version))" >&2
node scripts/check-packaging.mjs --imports-only || failed_steps=$((failed_steps + 1))

node scripts/test-summary.mjs record "$label" "$report" "$failed_steps"
