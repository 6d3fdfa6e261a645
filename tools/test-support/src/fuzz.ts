import fc from 'fast-check';
import { TokenStorageError } from '@globus-tokenstorage/core';

/** Generated cases per property: at least 10 000 in CI; `pnpm fuzz` raises it. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** Longest a single generated case may take before it counts as a hang (fast-check's `timeout`). */
export const CASE_TIMEOUT_MS = 10_000;

/**
 * A jest timeout for a property of {@link FUZZ_RUNS} cases that each take about `msPerCase` on a
 * developer machine, with room for a slow, busy CI runner and for `pnpm fuzz`'s larger runs.
 *
 * @param msPerCase - Typical time of one case.
 * @returns Milliseconds.
 */
export function fuzzTimeout(msPerCase: number): number {
  return 60_000 + Math.ceil(FUZZ_RUNS * msPerCase * 5);
}

/**
 * Awaits `action` and accepts its result or a `TokenStorageError` subclass; anything else (a raw
 * `TypeError`, `SyntaxError`, `RangeError`…) is rethrown so the property fails.
 */
export async function settle<T>(action: () => T | Promise<T>): Promise<T | TokenStorageError> {
  try {
    return await action();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return error;
    throw error;
  }
}

/** One change to a byte string; positions are taken modulo the length at the time it applies. */
export type ByteMutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number };

/** Byte sequences that matter to JSON and UTF-8 decoders. */
const INTERESTING_BYTES = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\\',
  '\\u',
  '\\ud800',
  '\u0000',
  '0',
  '-',
  'e',
  'null',
  'true',
  '\ufeff',
  '\n',
]
  .map((text) => Buffer.from(text, 'utf8'))
  .concat([Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80])]);

const insertedBytes = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constantFrom(...INTERESTING_BYTES));

/** A short list of byte mutations: bit flips, truncation, insertions, deletions, overwrites, duplications. */
export const byteMutations: fc.Arbitrary<ByteMutation[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: insertedBytes }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: insertedBytes }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
  ),
  { minLength: 1, maxLength: 6 },
);

/**
 * Applies byte mutations to a copy of `input`.
 *
 * @param input - The original bytes (not changed).
 * @param mutations - From {@link byteMutations}.
 * @returns The mutated bytes.
 */
export function applyByteMutations(input: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let bytes = Buffer.from(input);
  for (const mutation of mutations) {
    const at = bytes.length === 0 ? 0 : mutation.at % (bytes.length + 1);
    switch (mutation.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ mutation.mask;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), mutation.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + mutation.length)]);
        break;
      case 'overwrite':
        bytes = Buffer.concat([bytes.subarray(0, at), mutation.bytes, bytes.subarray(at + mutation.bytes.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + mutation.length), bytes.subarray(at)]);
        break;
    }
  }
  return Buffer.from(bytes);
}

/** Keys that mean something to a token file, an entry, or a JavaScript object. */
export const INTERESTING_KEYS = [
  'access_token',
  'refresh_token',
  'scope',
  'resource_server',
  'expires_at_seconds',
  'expires_in',
  'token_type',
  'identity_id',
  'id_token',
  'other_tokens',
  'format_version',
  'data',
  'by_rs',
  'globus-sdk.version',
  'globus-sdk-tokenstorage.version',
  'DEFAULT',
  'userapp',
  'transfer.api.globus.org',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '0',
  '42',
  '',
] as const;

/** Values that break naive type checks. */
const INTERESTING_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  1e308,
  -1e308,
  5e-324,
  '',
  ' ',
  '1.0',
  '2.0',
  '2',
  'Bearer',
  'x'.repeat(1000),
  '\ud800',
  '\u0000',
  [],
  {},
  [null],
  { '': null },
];

/** Keys: interesting ones and arbitrary strings. */
export const jsonKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...INTERESTING_KEYS), fc.string({ maxLength: 12 }));

/** Values: interesting ones and arbitrary JSON. */
export const jsonReplacement: fc.Arbitrary<unknown> = fc.oneof(fc.constantFrom(...INTERESTING_VALUES), fc.jsonValue({ maxDepth: 3 }));

/** One change to a parsed JSON document; `pick` selects the member (modulo the number of members). */
export type JSONMutation =
  | { kind: 'rename'; pick: number; key: string }
  | { kind: 'retype'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: unknown };

/** A short list of structural mutations: keys renamed, values retyped, members deleted or added. */
export const jsonMutations: fc.Arbitrary<JSONMutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), key: jsonKey }),
    fc.record({ kind: fc.constant('retype' as const), pick: fc.nat(), value: jsonReplacement }),
    fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: jsonKey, value: jsonReplacement }),
  ),
  { minLength: 1, maxLength: 4 },
);

type Container = Record<string, unknown> | unknown[];

/**
 * Applies structural mutations to a deep copy of a parsed JSON document.
 *
 * @param document - The parsed document (not changed).
 * @param mutations - From {@link jsonMutations}.
 * @returns The mutated copy.
 */
export function applyJSONMutations(document: unknown, mutations: readonly JSONMutation[]): unknown {
  const root = { value: copyJSON(document) } as Record<string, unknown>;
  for (const mutation of mutations) {
    const members = membersOf(root);
    const [container, key] = members[mutation.pick % members.length] as [Container, string | number];
    switch (mutation.kind) {
      case 'rename':
        if (Array.isArray(container) || container === root) break;
        renameKey(container, key as string, mutation.key);
        break;
      case 'retype':
        setMember(container, key, copyJSON(mutation.value));
        break;
      case 'delete':
        if (container === root) break;
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key as string];
        break;
      case 'add': {
        // Into the member's value if it is a container, else next to the member.
        const value = (container as Record<string | number, unknown>)[key];
        const target = typeof value === 'object' && value !== null ? (value as Container) : container === root ? null : container;
        if (Array.isArray(target)) target.push(copyJSON(mutation.value));
        else if (target !== null) setMember(target, mutation.key, copyJSON(mutation.value));
        break;
      }
    }
  }
  return root.value;
}

/** Every (container, key) pair of a document, the root holder first; iterative. */
function membersOf(root: Record<string, unknown>): Array<[Container, string | number]> {
  const members: Array<[Container, string | number]> = [];
  const pending: Container[] = [root];
  while (pending.length > 0) {
    const container = pending.pop() as Container;
    const keys: Array<string | number> = Array.isArray(container) ? container.map((_, index) => index) : Object.keys(container);
    for (const key of keys) {
      members.push([container, key]);
      const value = (container as Record<string | number, unknown>)[key];
      if (typeof value === 'object' && value !== null) pending.push(value as Container);
    }
  }
  return members;
}

function setMember(container: Container, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Renames a key in place, keeping its position among the other keys. */
function renameKey(object: Record<string, unknown>, from: string, to: string): void {
  if (from === to) return;
  const entries = Object.entries(object).map(([key, value]) => [key === from ? to : key, value] as const);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries) setMember(object, key, value);
}

/** A deep copy that keeps `__proto__` keys as own properties. */
function copyJSON(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJSON);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setMember(copy, key, copyJSON(item));
  return copy;
}

/** A token entry with any subset of the fields, each of the right type or of any JSON type. */
export const tokenEntry: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    resource_server: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), jsonReplacement),
    identity_id: fc.oneof(fc.uuid(), fc.constant(null), jsonReplacement),
    scope: fc.oneof(fc.string({ maxLength: 40 }), jsonReplacement),
    access_token: fc.oneof(fc.string({ maxLength: 40 }), jsonReplacement),
    refresh_token: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null), jsonReplacement),
    expires_at_seconds: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), jsonReplacement),
    token_type: fc.oneof(fc.constant('Bearer'), fc.constant(null), jsonReplacement),
  },
  { requiredKeys: [] },
);

/** A valid token entry with arbitrary (and extreme) values and unknown keys. */
export const validTokenEntry: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        resource_server: fc.string({ minLength: 1, maxLength: 20 }),
        identity_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 }), fc.constant(null)),
        scope: fc.string({ maxLength: 40 }),
        access_token: fc.string({ maxLength: 40 }),
        refresh_token: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
        expires_at_seconds: fc.oneof(fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 2_000_000_000)),
        token_type: fc.oneof(fc.constant('Bearer'), fc.string({ maxLength: 8 }), fc.constant(null)),
      },
      { requiredKeys: ['resource_server', 'scope', 'access_token', 'expires_at_seconds'] },
    ),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  )
  .map(([entry, extra]) => ({ ...extra, ...entry }));

/** A format 2.0 or 1.0 token file with generated namespaces and entries (often valid, often not). */
export const tokenFileDocument: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({
    data: fc.dictionary(jsonKey, fc.dictionary(jsonKey, validTokenEntry, { maxKeys: 3 }), { maxKeys: 3 }),
    format_version: fc.constant('2.0'),
    'globus-sdk.version': fc.string(),
  }),
  fc.record(
    {
      data: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.dictionary(
            jsonKey,
            fc.oneof(fc.dictionary(jsonKey, fc.oneof(tokenEntry, jsonReplacement), { maxKeys: 3 }), jsonReplacement),
            { maxKeys: 3 },
          ),
        },
        { weight: 1, arbitrary: jsonReplacement },
      ),
      format_version: fc.oneof({ weight: 4, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: jsonReplacement }),
      'globus-sdk.version': fc.oneof({ weight: 4, arbitrary: fc.constant('4.9.0') }, { weight: 1, arbitrary: jsonReplacement }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      by_rs: fc.oneof(fc.dictionary(jsonKey, fc.oneof(tokenEntry, jsonReplacement), { maxKeys: 3 }), jsonReplacement),
      format_version: fc.oneof({ weight: 4, arbitrary: fc.constant('1.0') }, { weight: 1, arbitrary: jsonReplacement }),
      globus_sdk_version: fc.string(),
    },
    { requiredKeys: [] },
  ),
  tokenEntry.map((entry) => ({ ...entry, 'globus-sdk-tokenstorage.version': '0.1.0' })),
);

/** JSON text of a document, compact or indented. */
export function jsonText(document: unknown, indented: boolean): Buffer {
  return Buffer.from(JSON.stringify(document, null, indented ? 2 : undefined) ?? 'null', 'utf8');
}

/**
 * Runs `action` and accepts its result or a `TokenStorageError` subclass; anything else (a raw
 * `TypeError`, `SyntaxError`, `RangeError`…) is rethrown so the property fails.
 */
export function resultOrTypedError<T>(action: () => T): T | TokenStorageError {
  try {
    return action();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return error;
    throw error;
  }
}
