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

/** Rounds per comparison: cases run interleaved, so slow drift (disk write-back, CPU boost) hits all alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * Measures a baseline and some candidates in the same process and reports each candidate's
 * throughput as a ratio against the baseline (so machine speed cancels out). The cases run in
 * several interleaved rounds, each round starting with a different case, and each case's figure is
 * its median over the rounds.
 *
 * @param group - Name of the comparison.
 * @param baseline - The reference operation (the raw limit: a plain read, a raw driver call…).
 * @param candidates - The operations compared with it.
 * @returns The figures, also printed as a table.
 */
export async function compare(group: string, baseline: BenchCase, candidates: BenchCase[]): Promise<BenchResult[]> {
  const cases = [baseline, ...candidates];
  const samples = new Map<string, number[]>(cases.map((item) => [item.label, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 1000) / ROUNDS, warmupTime: 100 });
    const order = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
    for (const item of order) bench.add(item.label, item.fn);
    await bench.run();
    for (const item of cases) {
      const result = bench.getTask(item.label)?.result;
      if (!result || !('throughput' in result)) throw new Error(`benchmark "${item.label}" did not complete: ${result?.state ?? 'no result'}`);
      samples.get(item.label)?.push(result.throughput.mean);
    }
  }
  const opsOf = (label: string) => median(samples.get(label) ?? []);
  const baselineOps = opsOf(baseline.label);
  const rows: BenchResult[] = cases.map((item) => {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
