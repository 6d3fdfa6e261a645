import Ajv from 'ajv';
import fc from 'fast-check';
import {
  legacySimpleJSONFileSchema,
  tokenEntrySchema,
  tokenFileV1Schema,
  tokenFileV2Schema,
  validateTokenEntry,
  validateTokenFile,
  type JSONSchemaDocument,
  type SchemaProblem,
} from '@globus-tokenstorage/core';
import { schemaProblems } from '../src/schemas/schema-problems';
import { readFixtureJson } from './support/fixtures';

const SCHEMAS: Record<string, JSONSchemaDocument> = {
  tokenEntrySchema,
  tokenFileV2Schema,
  tokenFileV1Schema,
  legacySimpleJSONFileSchema,
};

/** ajv's problems, in the form of ours (a missing property at its own path, as `is required`). */
function ajvProblems(ajv: Ajv, schema: JSONSchemaDocument, value: unknown): SchemaProblem[] {
  const validate = ajv.getSchema(schema.$id as string);
  if (validate === undefined) throw new Error(`ajv does not know ${String(schema.$id)}`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) =>
    error.keyword === 'required'
      ? {
          path: `${error.instancePath}/${String(error.params.missingProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
          message: 'is required',
        }
      : { path: error.instancePath, message: error.message ?? '' },
  );
}

/** Keywords that schema-problems.ts reads, and those that only annotate. */
const READ_KEYWORDS = ['$ref', 'type', 'enum', 'required', 'properties', 'additionalProperties'];
const ANNOTATIONS = ['$id', 'title', 'description', 'definitions'];

describe('JSON Schemas of the file formats', () => {
  it.each([
    ['v2.json', '2.0'],
    ['v1.json', '1.0'],
    ['legacy_simple.json', 'legacy-simple'],
  ])('accept the Python fixture %s as kind %s', (file, kind) => {
    expect(validateTokenFile(readFixtureJson(file))).toEqual({ valid: true, kind, problems: [] });
  });

  it('report every problem with a JSON Pointer and no value from the data', () => {
    const broken = readFixtureJson<{ data: Record<string, Record<string, Record<string, unknown>>> }>('v2.json');
    const entry = broken.data.DEFAULT?.['auth.globus.org'] as Record<string, unknown>;
    delete entry.access_token;
    entry.expires_at_seconds = 'SECRET-LOOKING-VALUE';
    const result = validateTokenFile(broken);
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: '/data/DEFAULT/auth.globus.org/access_token', message: 'is required' },
        { path: '/data/DEFAULT/auth.globus.org/expires_at_seconds', message: 'must be integer' },
      ]),
    );
    expect(JSON.stringify(result)).not.toContain('SECRET-LOOKING-VALUE');
  });

  it.each([
    [[], 'must be a JSON object'],
    [{ format_version: '3.0', data: {} }, 'has no known format_version'],
    [{ format_version: 2.0, data: {} }, 'has no known format_version'],
  ])('reject %p as an unknown kind', (value, message) => {
    const result = validateTokenFile(value);
    expect([result.valid, result.kind]).toEqual([false, null]);
    expect(result.problems[0]?.message).toContain(message);
  });

  it('escape keys in pointers', () => {
    const result = validateTokenFile({ format_version: '2.0', 'globus-sdk.version': 'x', data: { 'a/b': { '~rs': { scope: 's' } } } });
    expect(result.problems.map((problem) => problem.path)).toContain('/data/a~1b/~0rs/resource_server');
  });

  it('validate single entries', () => {
    expect(validateTokenEntry({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1 }).valid).toBe(true);
    expect(
      validateTokenEntry({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1, token_type: 5 }).problems,
    ).toEqual([{ path: '/token_type', message: 'must be string,null' }]);
  });

  it('are plain JSON Schema documents other tools can use', () => {
    expect(JSON.parse(JSON.stringify(tokenFileV2Schema))).toEqual(tokenFileV2Schema);
    expect(tokenFileV2Schema.$id).toBe('urn:globus-tokenstorage:schema:token-file-2.0');
  });

  it('are deeply frozen, so that no caller can change what the validators check', () => {
    expect(Object.isFrozen(tokenEntrySchema)).toBe(true);
    expect(Object.isFrozen((tokenFileV2Schema.definitions as { tokenEntry: { required: string[] } }).tokenEntry.required)).toBe(true);
    expect(() => (tokenEntrySchema.required as string[]).push('x')).toThrow(TypeError);
  });

  it('use only the keywords the validators read', () => {
    const keywords = new Set<string>();
    const visit = (node: Record<string, unknown>): void => {
      for (const [keyword, value] of Object.entries(node)) {
        keywords.add(keyword);
        if (keyword === 'properties' || keyword === 'definitions')
          Object.values(value as Record<string, Record<string, unknown>>).forEach(visit);
        if (keyword === 'additionalProperties' && typeof value === 'object') visit(value as Record<string, unknown>);
      }
    };
    Object.values(SCHEMAS).forEach(visit);
    expect([...keywords].filter((keyword) => !READ_KEYWORDS.includes(keyword) && !ANNOTATIONS.includes(keyword))).toEqual([]);
  });
});

describe('the schema validators', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  for (const schema of Object.values(SCHEMAS)) ajv.addSchema(structuredClone(schema) as object);

  const key = fc.oneof(fc.constantFrom('DEFAULT', 'auth.globus.org', 'a/b', '~rs', '', '__proto__', 'scope'), fc.string({ maxLength: 4 }));
  const anyValue = fc.oneof(
    fc.constantFrom(null, undefined, true, 0, -0, 1.5, 2 ** 53, '', 'x', [], {}, ['a'], '2.0', '1.0'),
    fc.integer(),
    fc.string({ maxLength: 3 }),
  );
  const tokenFields = [
    'resource_server',
    'identity_id',
    'scope',
    'access_token',
    'refresh_token',
    'expires_at_seconds',
    'token_type',
    'globus-sdk-tokenstorage.version',
    'other',
  ];
  const entry = fc.oneof(
    fc.record(Object.fromEntries(tokenFields.map((field) => [field, anyValue])), { requiredKeys: [] }),
    fc.constant({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1, 'globus-sdk-tokenstorage.version': '1' }),
    anyValue,
  );
  const tokenFile = fc.record(
    {
      data: fc.oneof(fc.dictionary(key, fc.oneof(fc.dictionary(key, entry, { maxKeys: 3 }), anyValue), { maxKeys: 3 }), anyValue),
      by_rs: fc.oneof(fc.dictionary(key, entry, { maxKeys: 3 }), anyValue),
      format_version: fc.oneof(fc.constantFrom('2.0', '1.0', 2, '3.0'), anyValue),
      'globus-sdk.version': anyValue,
      'globus-sdk-tokenstorage.version': anyValue,
    },
    { requiredKeys: [] },
  );

  it('report exactly what ajv reports, in its order, for every schema (generated files and entries)', () => {
    fc.assert(
      fc.property(fc.oneof(tokenFile, entry, fc.jsonValue({ maxDepth: 4 })), (value) => {
        for (const schema of Object.values(SCHEMAS)) expect(schemaProblems(schema, value)).toEqual(ajvProblems(ajv, schema, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('report exactly what ajv reports for the Python fixtures', () => {
    for (const file of ['v2.json', 'v1.json', 'legacy_simple.json']) {
      const value = readFixtureJson(file);
      for (const schema of Object.values(SCHEMAS)) expect(schemaProblems(schema, value)).toEqual(ajvProblems(ajv, schema, value));
    }
  });
});
