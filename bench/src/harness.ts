/** One measured operation. */
export interface BenchCase {
  /** What is measured, e.g. "JSONTokenStorage.getTokenData". */
  label: string;
  /** The operation; awaited when it returns a promise. */
  fn: () => unknown;
  /** The largest acceptable ratio against the baseline (slowdown factor), if there is a target. */
  targetRatio?: number;
}

/** How long a comparison measures. */
export interface CompareOptions {
  /** Measuring time of each case, in milliseconds. @default BENCH_TIME_MS or 1500 */
  timeMs?: number;
  /** Fewest samples of each case (for slow operations, where `timeMs` allows few); at least 5. @default 5 */
  minSamples?: number;
}

/** The figures of one case after a comparison. */
export interface BenchResult {
  group: string;
  label: string;
  /** Calls per second at the median time per call. */
  opsPerSecond: number;
  /** Median time per call, in milliseconds. */
  msPerOp: number;
  /** This case's median time per call divided by the baseline's: 1 is as fast, 2 is half as fast. */
  ratio: number;
  /** Lowest and highest ratio of the {@link SPREAD_PARTS} consecutive parts of the samples. */
  ratioSpread: [number, number];
  /** Samples taken of this case (each the mean of a batch of calls). */
  samples: number;
  targetRatio?: number;
  meetsTarget?: boolean;
}

const results: BenchResult[] = [];

const DEFAULT_TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1500);
/** A sample times a batch of calls lasting about this long, so that the clock's cost and resolution do not matter. */
const BATCH_MS = 2;
const WARMUP_MS = 100;
/** The samples are cut into this many consecutive parts to show how much the ratio moves during a run. */
const SPREAD_PARTS = 5;

/**
 * Measures a baseline and some candidates in the same process and reports each candidate's time per
 * call as a ratio against the baseline's (so machine speed cancels out).
 *
 * The cases are measured in alternation: one batch of calls of each case in turn (a single call for
 * operations that take milliseconds, such as fsync-bound writes), repeated until the time is used up.
 * So every sample of a candidate is taken moments after one of the baseline, and drift (disk
 * write-back, other processes, CPU frequency) hits both alike. The figure is the ratio of the median
 * times per call; the medians keep an occasional stall of the shared machine from deciding it.
 *
 * @param group - Name of the comparison.
 * @param baseline - The reference operation (the raw limit: a plain read, a raw driver call…).
 * @param candidates - The operations compared with it.
 * @param options - See {@link CompareOptions}.
 * @returns The figures, also printed as a table.
 */
export async function compare(
  group: string,
  baseline: BenchCase,
  candidates: BenchCase[],
  options: CompareOptions = {},
): Promise<BenchResult[]> {
  const cases = [baseline, ...candidates];
  const batches: number[] = [];
  for (const item of cases) batches.push(await calibrate(item.fn));
  const timeMs = options.timeMs ?? DEFAULT_TIME_MS;
  const minSamples = Math.max(options.minSamples ?? SPREAD_PARTS, SPREAD_PARTS);
  const samples = cases.map((): number[] => []);
  const deadline = performance.now() + timeMs * cases.length;
  for (let turn = 0; turn < minSamples || performance.now() < deadline; turn += 1) {
    for (let offset = 0; offset < cases.length; offset += 1) {
      const index = (turn + offset) % cases.length;
      samples[index]?.push(await timeBatch((cases[index] as BenchCase).fn, batches[index] as number));
    }
  }
  const baselineSamples = samples[0] as number[];
  const rows: BenchResult[] = cases.map((item, index) => {
    const own = samples[index] as number[];
    const msPerOp = median(own);
    const parts = Array.from({ length: SPREAD_PARTS }, (_, part) => median(slice(own, part)) / median(slice(baselineSamples, part)));
    const ratio = msPerOp / median(baselineSamples);
    return {
      group,
      label: item.label,
      opsPerSecond: 1000 / msPerOp,
      msPerOp,
      ratio,
      ratioSpread: [Math.min(...parts), Math.max(...parts)],
      samples: own.length,
      ...(item.targetRatio === undefined ? {} : { targetRatio: item.targetRatio, meetsTarget: ratio <= item.targetRatio }),
    };
  });
  console.log(`\n${group}`);
  console.table(
    rows.map((row, index) => ({
      case: row.label,
      'ops/s': formatOps(row.opsPerSecond),
      'ours/limit': index === 0 ? 'limit' : `${row.ratio.toFixed(2)}x`,
      spread: index === 0 ? '' : `${row.ratioSpread[0].toFixed(2)}-${row.ratioSpread[1].toFixed(2)}x`,
      target: row.targetRatio === undefined ? '' : `<= ${row.targetRatio}x ${row.meetsTarget ? 'met' : 'MISSED'}`,
    })),
  );
  results.push(...rows);
  return rows;
}

/**
 * Records a figure measured otherwise than by {@link compare} (memory, or one run of a command), as
 * a ratio against its limit, and prints it.
 *
 * @param group - Name of the measurement.
 * @param label - What was measured.
 * @param ratio - The figure divided by its limit (1 is at the limit).
 * @param targetRatio - The largest acceptable ratio.
 * @param shown - The figures themselves, for the printed table.
 */
export function recordRatio(group: string, label: string, ratio: number, targetRatio: number, shown: Record<string, string>): void {
  results.push({
    group,
    label,
    opsPerSecond: NaN,
    msPerOp: NaN,
    ratio,
    ratioSpread: [ratio, ratio],
    samples: 1,
    targetRatio,
    meetsTarget: ratio <= targetRatio,
  });
  console.log(`\n${group}`);
  console.table([
    {
      case: label,
      ...shown,
      'ours/limit': `${ratio.toFixed(2)}x`,
      target: `<= ${targetRatio}x ${ratio <= targetRatio ? 'met' : 'MISSED'}`,
    },
  ]);
}

/** Every result recorded so far in this process. */
export function allResults(): readonly BenchResult[] {
  return results;
}

/**
 * @param ops - Operations per second.
 * @returns It rounded for display (`1,234`, or `2.50` below 10).
 */
export function formatOps(ops: number): string {
  return ops < 10 ? ops.toFixed(2) : Math.round(ops).toLocaleString('en-US');
}

/** Warms an operation up and returns how many calls make a batch of about {@link BATCH_MS}. */
async function calibrate(fn: () => unknown): Promise<number> {
  let calls = 0;
  const start = performance.now();
  while (calls < 3 || performance.now() - start < WARMUP_MS) {
    const result = fn();
    if (result instanceof Promise) await result;
    calls += 1;
  }
  const msPerCall = (performance.now() - start) / calls;
  return Math.max(1, Math.round(BATCH_MS / msPerCall));
}

/** The mean time per call of `calls` consecutive calls, in milliseconds. */
async function timeBatch(fn: () => unknown, calls: number): Promise<number> {
  const start = performance.now();
  for (let call = 0; call < calls; call += 1) {
    const result = fn();
    if (result instanceof Promise) await result;
  }
  return (performance.now() - start) / calls;
}

/** The `part`-th of {@link SPREAD_PARTS} consecutive parts of `values`. */
function slice(values: number[], part: number): number[] {
  const size = Math.max(1, Math.floor(values.length / SPREAD_PARTS));
  return part === SPREAD_PARTS - 1 ? values.slice(part * size) : values.slice(part * size, (part + 1) * size);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
