#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, type checks, every jest test, packaging checks.
# Ends with one line "tests: N passed, N failed" computed from jest's JSON results, and exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
# Sourced, so that a pnpm installed next to the clone is on PATH; it exits on a failed set-up.
. scripts/setup.sh
set +e

echo "== typecheck" >&2
pnpm --silent typecheck || status=1

echo "== jest" >&2
mkdir -p reports
rm -f reports/jest.json
pnpm --silent exec jest --ci --json --outputFile=reports/jest.json "$@" || status=1

echo "== packaging" >&2
pnpm --silent check:packaging || status=1

summary=$(node -e '
  const fs = require("node:fs");
  try {
    const r = JSON.parse(fs.readFileSync("reports/jest.json", "utf8"));
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);
    process.exit(failed > 0 || !r.success ? 1 : 0);
  } catch {
    console.log("tests: 0 passed, 1 failed");
    process.exit(1);
  }
') || status=1
echo "$summary"
exit $status
