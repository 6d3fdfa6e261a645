// Validates a value against one of the exported JSON Schemas by reading the schema itself, with
// ajv's semantics and messages for the keywords these schemas use (test/schemas.test.ts compares
// both on generated files). It replaces ajv's generated code, which weighed 22 kB in a browser
// bundle, and like it needs no `eval` (browsers with a strict CSP and edge runtimes forbid it).
import type { JSONSchemaDocument, SchemaProblem } from './index';

/** The keywords of JSON Schema draft-07 that the token schemas use, all that this module reads. */
interface SchemaNode {
  $ref?: string;
  type?: string | readonly string[];
  enum?: readonly unknown[];
  required?: readonly string[];
  properties?: Readonly<Record<string, SchemaNode>>;
  additionalProperties?: boolean | SchemaNode;
}

/**
 * Every way in which `value` does not match `schema`, in ajv's order (with `allErrors`), except
 * that a missing property is reported at its own path as `is required`.
 *
 * @param schema - One of the exported schema documents.
 * @param value - Any parsed JSON value.
 * @returns The problems, empty when the value is valid.
 */
export function schemaProblems(schema: JSONSchemaDocument, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  check(schema as SchemaNode, schema, value, '', problems);
  return problems;
}

function check(node: SchemaNode, root: JSONSchemaDocument, value: unknown, path: string, problems: SchemaProblem[]): void {
  if (node.$ref !== undefined) check(resolve(root, node.$ref), root, value, path, problems);
  if (node.type !== undefined && !(typeof node.type === 'string' ? hasType(value, node.type) : node.type.some((type) => hasType(value, type)))) {
    problems.push({ path, message: `must be ${String(node.type)}` });
  }
  if (node.enum !== undefined && !node.enum.includes(value)) problems.push({ path, message: 'must be equal to one of the allowed values' });
  if (!isObject(value)) return;
  for (const key of node.required ?? []) {
    if (value[key] === undefined) problems.push({ path: `${path}/${escapePointer(key)}`, message: 'is required' });
  }
  const properties = node.properties ?? {};
  for (const key of Object.keys(properties)) {
    if (value[key] !== undefined) check(properties[key] as SchemaNode, root, value[key], `${path}/${escapePointer(key)}`, problems);
  }
  const additional = node.additionalProperties;
  if (typeof additional !== 'object') return;
  // `for…in`, as ajv's generated code iterates.
  for (const key in value) {
    if (!Object.hasOwn(properties, key)) check(additional, root, value[key], `${path}/${escapePointer(key)}`, problems);
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      // 'string' and 'boolean'
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema a local `$ref` (`#/definitions/…`) points to. */
function resolve(root: JSONSchemaDocument, ref: string): SchemaNode {
  let node: unknown = root;
  for (const part of ref.split('/').slice(1)) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node as SchemaNode;
}

/** A key as one JSON Pointer segment (RFC 6901). */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
