/**
 * Option names a callee refuses because the project gives their meaning another name, each with
 * the name to use and why: `{ busyTimeoutMs: { use: 'lockTimeoutMs', because: '…' } }`. One
 * meaning has one name in every package (the write-lock wait is `lockTimeoutMs`, the
 * `runExclusive` wait `sectionTimeoutMs`, an epoch time `…Seconds`), so a name another package
 * uses for something else, or an earlier name, fails with a message that says what to write instead.
 * Passed to `assertKnownOptions` as its `renamed` argument.
 */
export type RenamedOptions = Readonly<Record<string, RenamedOption>>;

/** One entry of {@link RenamedOptions}. */
export interface RenamedOption {
  /** The option to use instead. */
  readonly use: string;
  /** Why, in a few words: what the refused name means elsewhere, or what the new one says better. */
  readonly because: string;
}
