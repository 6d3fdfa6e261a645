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
  const walk: Walk = { root: schema, refs: new Map(), segments: [], problems: [] };
  check(schema as SchemaNode, value, walk);
  return walk.problems;
}

/** Where the check is: the root schema, the keys leading to the value, the problems so far. */
interface Walk {
  root: JSONSchemaDocument;
  /** The schemas `$ref`s resolved to so far (a file's every entry refers to the same one). */
  refs: Map<string, SchemaNode>;
  /** Unescaped; a path is only built for a problem, valid data costs no string. */
  segments: string[];
  problems: SchemaProblem[];
}

function check(node: SchemaNode, value: unknown, walk: Walk): void {
  if (node.$ref !== undefined) check(resolved(node.$ref, walk), value, walk);
  if (node.type !== undefined && !hasSomeType(value, node.type)) report(walk, `must be ${String(node.type)}`);
  if (node.enum !== undefined && !node.enum.includes(value)) report(walk, 'must be equal to one of the allowed values');
  if (!isObject(value)) return;
  if (node.required !== undefined) {
    for (const key of node.required) if (value[key] === undefined) report(walk, 'is required', key);
  }
  const { properties, additionalProperties } = node;
  if (properties !== undefined) {
    for (const key in properties) if (value[key] !== undefined) checkChild(properties[key] as SchemaNode, value, key, walk);
  }
  if (typeof additionalProperties !== 'object') return;
  // `for…in`, as ajv's generated code iterates.
  for (const key in value) {
    if (properties === undefined || !Object.hasOwn(properties, key)) checkChild(additionalProperties, value, key, walk);
  }
}

function checkChild(node: SchemaNode, parent: Record<string, unknown>, key: string, walk: Walk): void {
  walk.segments.push(key);
  check(node, parent[key], walk);
  walk.segments.pop();
}

function report(walk: Walk, message: string, missingKey?: string): void {
  const segments = missingKey === undefined ? walk.segments : [...walk.segments, missingKey];
  walk.problems.push({ path: segments.map((segment) => `/${escapePointer(segment)}`).join(''), message });
}

function hasSomeType(value: unknown, type: string | readonly string[]): boolean {
  if (typeof type === 'string') return hasType(value, type);
  for (const one of type) if (hasType(value, one)) return true;
  return false;
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
function resolved(ref: string, walk: Walk): SchemaNode {
  let node = walk.refs.get(ref);
  if (node === undefined) {
    let target: unknown = walk.root;
    for (const part of ref.split('/').slice(1)) target = (target as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    node = target as SchemaNode;
    walk.refs.set(ref, node);
  }
  return node;
}

/** A key as one JSON Pointer segment (RFC 6901). */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
