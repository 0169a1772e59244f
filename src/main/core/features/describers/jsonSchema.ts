// The JSON-schema subset a language model's answer is checked against, written once for both runtimes (node-llama-cpp
// grammars and OpenAI-compatible endpoints). A grammar or a server's response_format only shapes the output; this
// check decides whether an answer is used. Supported keywords: type (one or a list), properties, required,
// additionalProperties (false or a schema), items, enum, const, minItems, maxItems, minLength, maxLength, minimum,
// maximum. Annotations (title, description, $schema, default, examples, format) are ignored. Anything else (anyOf,
// $ref, pattern, ...) is refused up front: silently ignoring a keyword would let answers through unchecked.
import { AppError } from '../../../../shared/errors';
import type { JsonSchema } from './roles';

const CHECKED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
]);
const ANNOTATIONS = new Set(['title', 'description', '$schema', 'default', 'examples', 'format']);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws AppError('bad_input') naming the first keyword (and where) this validator cannot check. */
export function assertSupportedSchema(schema: unknown, at = '$'): asserts schema is JsonSchema {
  if (!isObject(schema)) throw new AppError('bad_input', `The JSON schema at ${at} is not an object.`);
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    if (!CHECKED.has(k))
      throw new AppError(
        'bad_input',
        `The JSON schema uses '${k}' at ${at}, which answers cannot be checked against: use type, properties, required, enum, items, min/maxItems, min/maxLength, minimum/maximum, additionalProperties.`,
      );
    if (k === 'type') {
      const types = Array.isArray(v) ? v : [v];
      for (const t of types)
        if (typeof t !== 'string' || !TYPES.has(t))
          throw new AppError('bad_input', `The JSON schema's type at ${at} is not a JSON type: ${JSON.stringify(t)}.`);
    }
    if (k === 'properties') {
      if (!isObject(v)) throw new AppError('bad_input', `The JSON schema's properties at ${at} is not an object.`);
      for (const [name, sub] of Object.entries(v)) assertSupportedSchema(sub, `${at}.${name}`);
    }
    if ((k === 'items' || (k === 'additionalProperties' && v !== false && v !== true)) && v !== undefined)
      assertSupportedSchema(v, `${at}[]`);
    if (k === 'required' && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
      throw new AppError('bad_input', `The JSON schema's required at ${at} is not a list of names.`);
    if (k === 'enum' && !Array.isArray(v)) throw new AppError('bad_input', `The JSON schema's enum at ${at} is not a list.`);
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every way `value` breaks `schema`, as 'path: what' lines; [] = valid. */
export function validateJson(value: unknown, schema: JsonSchema, at = '$'): string[] {
  const errors: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    // An integer is also a number (JSON Schema); a number is an integer only when it has no fraction.
    if (!allowed.includes(t) && !(t === 'integer' && allowed.includes('number')))
      return [`${at}: expected ${allowed.join(' or ')}, got ${t}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value)))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && !same(schema.const, value)) errors.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    const n = [...value].length; // code points, as JSON Schema counts
    if (typeof schema.maxLength === 'number' && n > schema.maxLength) errors.push(`${at}: ${n} characters, at most ${schema.maxLength}`);
    if (typeof schema.minLength === 'number' && n < schema.minLength) errors.push(`${at}: ${n} characters, at least ${schema.minLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: ${value} is below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: ${value} is above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errors.push(`${at}: ${value.length} items, at least ${schema.minItems}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errors.push(`${at}: ${value.length} items, at most ${schema.maxItems}`);
    if (isObject(schema.items)) value.forEach((v, i) => errors.push(...validateJson(v, schema.items as JsonSchema, `${at}[${i}]`)));
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : [])
      if (!(name in value)) errors.push(`${at}: missing required '${name}'`);
    for (const [k, v] of Object.entries(value)) {
      if (isObject(props[k])) errors.push(...validateJson(v, props[k] as JsonSchema, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property '${k}'`);
      else if (isObject(schema.additionalProperties)) errors.push(...validateJson(v, schema.additionalProperties, `${at}.${k}`));
    }
  }
  return errors;
}

/** An answer's text -> its parsed value when it is JSON valid under the schema, else why not. */
export function checkAnswer(text: string, schema: JsonSchema): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch (e) {
    return { ok: false, errors: [`not JSON (${(e as Error).message})`] };
  }
  const errors = validateJson(value, schema);
  return errors.length ? { ok: false, errors } : { ok: true, value };
}
