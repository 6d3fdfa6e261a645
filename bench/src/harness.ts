import { Bench } from 'tinybench';

/** One measured operation. */
export interface BenchCase {
  /** What is measured, e.g. "JSONTokenStorage.getTokenData". */
  label: string;
  /** The operation; awaited when it returns a promise. */
  fn: () => unknown;
  /** The largest acceptable ratio against the baseline (slowdown factor), if there is a target. */
  targetRatio?: number;
}

/** The figures of one case after a comparison. */
export interface BenchResult {
  group: string;
  label: string;
  opsPerSecond: number;
  /** Baseline ops/s divided by this case's ops/s: 1 is as fast as the baseline, 2 is half as fast. */
  ratio: number;
  targetRatio?: number;
  meetsTarget?: boolean;
}

const results: BenchResult[] = [];

/**
 * Measures a baseline and some candidates in the same process, one after another, and reports each
 * candidate's throughput as a ratio against the baseline (so machine speed cancels out).
 *
 * @param group - Name of the comparison.
 * @param baseline - The reference operation (the raw limit: a plain read, a raw driver call…).
 * @param candidates - The operations compared with it.
 * @returns The figures, also printed as a table.
 */
export async function compare(group: string, baseline: BenchCase, candidates: BenchCase[]): Promise<BenchResult[]> {
  const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 1000), warmupTime: 200 });
  for (const item of [baseline, ...candidates]) bench.add(item.label, item.fn);
  await bench.run();
  const opsOf = (label: string) => {
    const task = bench.getTask(label);
    const result = task?.result;
    if (!result || !('throughput' in result)) throw new Error(`benchmark "${label}" did not complete: ${result?.state ?? 'no result'}`);
    return result.throughput.mean;
  };
  const baselineOps = opsOf(baseline.label);
  const rows: BenchResult[] = [baseline, ...candidates].map((item) => {
    const ops = opsOf(item.label);
    const ratio = baselineOps / ops;
    return {
      group,
      label: item.label,
      opsPerSecond: ops,
      ratio,
      ...(item.targetRatio === undefined ? {} : { targetRatio: item.targetRatio, meetsTarget: ratio <= item.targetRatio }),
    };
  });
  console.log(`\n${group}`);
  console.table(
    rows.map((row) => ({
      case: row.label,
      'ops/s': Math.round(row.opsPerSecond).toLocaleString('en-US'),
      'ratio vs baseline': `${row.ratio.toFixed(2)}x`,
      target: row.targetRatio === undefined ? '' : `<= ${row.targetRatio}x ${row.meetsTarget ? 'met' : 'MISSED'}`,
    })),
  );
  results.push(...rows);
  return rows;
}

/** Every result recorded so far in this process. */
export function allResults(): readonly BenchResult[] {
  return results;
}
