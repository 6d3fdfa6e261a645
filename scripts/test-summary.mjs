// Test totals that CI can read, since it does not read jest's own summary.
//   record <label> <jest-report.json> <failed-steps>  → keeps reports/summary/<label>.json and prints
//                                                      "tests: N passed, N failed" for that run
//   total <label>...                                  → prints a line per label, then the sum as
//                                                      "tests: N passed, N failed"
// A failed step other than jest (type check, packaging) counts as one failed test, and so does a
// missing or unreadable jest report, so a run can never read as green by losing its results.
// Both exit non-zero when anything failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const summaryDir = resolve(import.meta.dirname, '..', 'reports', 'summary');
const [command, ...args] = process.argv.slice(2);

function readJSON(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function record(label, reportPath, failedSteps) {
  const report = readJSON(reportPath);
  const passed = report?.numPassedTests ?? 0;
  let failed = Number(failedSteps) || 0;
  if (report === null) failed += 1;
  else {
    const failedInJest = report.numFailedTests + report.numRuntimeErrorTestSuites;
    failed += failedInJest > 0 || report.success ? failedInJest : 1;
  }
  mkdirSync(summaryDir, { recursive: true });
  writeFileSync(join(summaryDir, `${label}.json`), JSON.stringify({ label, node: process.version, passed, failed }));
  console.log(`tests: ${passed} passed, ${failed} failed`);
  return failed;
}

function total(labels) {
  let passed = 0;
  let failed = 0;
  for (const label of labels) {
    const summary = readJSON(join(summaryDir, `${label}.json`)) ?? { node: 'did not run', passed: 0, failed: 1 };
    console.log(`${label} (${summary.node}): ${summary.passed} passed, ${summary.failed} failed`);
    passed += summary.passed;
    failed += summary.failed;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
  return failed;
}

const failed = command === 'record' ? record(args[0], args[1], args[2]) : command === 'total' ? total(args) : NaN;
if (Number.isNaN(failed)) {
  console.error('usage: test-summary.mjs record <label> <jest-report.json> <failed-steps> | total <label>...');
  process.exit(2);
}
process.exit(failed > 0 ? 1 : 0);
