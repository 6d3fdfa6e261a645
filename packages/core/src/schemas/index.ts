import { schemaProblems } from './schema-problems';
import { frozenJsonCopy } from '../tokens/json-value';
import schemas from './token-schemas.json';

/** A JSON Schema document (draft-07), as a plain object that any JSON Schema validator accepts. */
export type JSONSchemaDocument = Readonly<Record<string, unknown>>;

// Frozen: the validators below read these objects, so a caller's change must not alter them.
/** Schema of one stored token entry (a 2.0 entry, a SQLite row's JSON, or a 1.0 / legacy dict). Deeply frozen. */
export const tokenEntrySchema = /* @__PURE__ */ frozenSchema(schemas.tokenEntry, 'tokenEntrySchema');
/** Schema of a format 2.0 token file (Python SDK `JSONTokenStorage`, `@globus-tokenstorage/json`). Deeply frozen. */
export const tokenFileV2Schema = /* @__PURE__ */ frozenSchema(schemas.tokenFileV2, 'tokenFileV2Schema');
/** Schema of a format 1.0 token file (the Python SDK's legacy `SimpleJSONFileAdapter`). Deeply frozen. */
export const tokenFileV1Schema = /* @__PURE__ */ frozenSchema(schemas.tokenFileV1, 'tokenFileV1Schema');
/** Schema of the single-token file of the contrib package `globus_sdk_tokenstorage`. Deeply frozen. */
export const legacySimpleJSONFileSchema = /* @__PURE__ */ frozenSchema(schemas.legacySimpleJSONFile, 'legacySimpleJSONFileSchema');

/** One way in which a value does not match a schema. Never contains a value from the data. */
export interface SchemaProblem {
  /** JSON Pointer to the offending value (`""` for the root). */
  path: string;
  /** What is wrong, e.g. `must be string`. */
  message: string;
}

/** The kinds of token file this project knows. */
export type TokenFileKind = '2.0' | '1.0' | 'legacy-simple';

/** Result of {@link validateTokenFile}. */
export interface TokenFileValidation {
  /** Whether the value is a valid file of the detected kind. */
  valid: boolean;
  /** The kind the value claims to be, or `null` when it matches none. */
  kind: TokenFileKind | null;
  /** Every problem found (empty when valid). */
  problems: SchemaProblem[];
}

/** Result of {@link validateTokenEntry}. */
export interface TokenEntryValidation {
  /** Whether the value is a valid token entry. */
  valid: boolean;
  /** Every problem found (empty when valid). */
  problems: SchemaProblem[];
}

/**
 * Checks a parsed token file against the schema of the kind it declares: `format_version` `"2.0"` or
 * `"1.0"`, or no `format_version` but a `globus-sdk-tokenstorage.version` key (legacy contrib file).
 *
 * @param value - The parsed JSON of a token file.
 * @returns Its kind and every problem found.
 */
export function validateTokenFile(value: unknown): TokenFileValidation {
  const kind = detectTokenFileKind(value);
  if (kind === null) {
    const message =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? 'has no known format_version ("2.0" or "1.0") and is not a legacy single-token file'
        : 'must be a JSON object';
    return { valid: false, kind: null, problems: [{ path: '', message }] };
  }
  const schema = { '2.0': tokenFileV2Schema, '1.0': tokenFileV1Schema, 'legacy-simple': legacySimpleJSONFileSchema }[kind];
  return { kind, ...validation(schemaProblems(schema, value)) };
}

/**
 * Checks one token entry against {@link tokenEntrySchema}.
 *
 * @param value - A parsed token entry.
 * @returns Whether it is valid, and every problem found.
 */
export function validateTokenEntry(value: unknown): TokenEntryValidation {
  return validation(schemaProblems(tokenEntrySchema, value));
}

function detectTokenFileKind(value: unknown): TokenFileKind | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record.format_version === '2.0') return '2.0';
  if (record.format_version === '1.0') return '1.0';
  if (!Object.hasOwn(record, 'format_version') && Object.hasOwn(record, 'globus-sdk-tokenstorage.version')) {
    return 'legacy-simple';
  }
  return null;
}

function validation(problems: SchemaProblem[]): TokenEntryValidation {
  return { valid: problems.length === 0, problems };
}

function frozenSchema(schema: object, label: string): JSONSchemaDocument {
  return frozenJsonCopy(schema, label) as JSONSchemaDocument;
}
