import { describe, expect, it } from 'vitest';
import { assertSupportedSchema, checkAnswer, validateJson } from '../../src/main/core/features/describers/jsonSchema';
import { AppError } from '../../src/shared/errors';

// The schema check that decides whether a language model's answer is used; expected results written by hand from the
// JSON Schema rules for each keyword.

const concept = {
  type: 'object',
  properties: { concept: { type: 'string', maxLength: 20 } },
  required: ['concept'],
  additionalProperties: false,
};
const list = {
  type: 'object',
  properties: {
    concepts: { type: 'array', items: { type: 'string', enum: ['coat', 'shirt', 'footwear'] }, minItems: 1, maxItems: 2 },
    n: { type: 'integer', minimum: 1, maximum: 5 },
    score: { type: 'number' },
    sure: { type: 'boolean' },
  },
  required: ['concepts'],
};

describe('validateJson', () => {
  it('accepts answers that fit', () => {
    expect(validateJson({ concept: 'ankle boot' }, concept)).toEqual([]);
    expect(validateJson({ concepts: ['coat'], n: 3, score: 0.5, sure: true }, list)).toEqual([]);
    expect(validateJson({ concepts: ['coat', 'shirt'], score: 2 }, list)).toEqual([]); // an integer is a number
    expect(validateJson('x', { type: ['string', 'null'] })).toEqual([]);
    expect(validateJson(null, { type: ['string', 'null'] })).toEqual([]);
  });

  it('names every way an answer breaks the schema, with its path', () => {
    expect(validateJson({}, concept)).toEqual(["$: missing required 'concept'"]);
    expect(validateJson({ concept: 'boot', extra: 1 }, concept)).toEqual(["$: unexpected property 'extra'"]);
    expect(validateJson({ concept: 7 }, concept)).toEqual(['$.concept: expected string, got integer']);
    expect(validateJson({ concept: 'a'.repeat(21) }, concept)).toEqual(['$.concept: 21 characters, at most 20']);
    expect(validateJson([], concept)).toEqual(['$: expected object, got array']);
    expect(validateJson({ concepts: [] }, list)).toEqual(['$.concepts: 0 items, at least 1']);
    expect(validateJson({ concepts: ['coat', 'shirt', 'coat'] }, list)).toEqual(['$.concepts: 3 items, at most 2']);
    expect(validateJson({ concepts: ['hat'] }, list)).toEqual(['$.concepts[0]: "hat" is not one of ["coat","shirt","footwear"]']);
    expect(validateJson({ concepts: ['coat'], n: 2.5 }, list)).toEqual(['$.n: expected integer, got number']);
    expect(validateJson({ concepts: ['coat'], n: 9 }, list)).toEqual(['$.n: 9 is above 5']);
    expect(validateJson({ concepts: ['coat'], n: 0 }, list)).toEqual(['$.n: 0 is below 1']);
    expect(validateJson({ concepts: ['coat'], sure: 'yes' }, list)).toEqual(['$.sure: expected boolean, got string']);
    expect(validateJson(3, { const: 4 })).toEqual(['$: must be 4']);
  });

  it('counts string length in code points', () => {
    expect(validateJson('ü😀', { type: 'string', maxLength: 2 })).toEqual([]);
    expect(validateJson('ab', { type: 'string', minLength: 3 })).toEqual(['$: 2 characters, at least 3']);
  });
});

describe('checkAnswer', () => {
  it('parses and validates an answer text', () => {
    expect(checkAnswer(' {"concept": "coat"}\n', concept)).toEqual({ ok: true, value: { concept: 'coat' } });
    const notJson = checkAnswer('coat', concept);
    expect(notJson.ok).toBe(false);
    expect(!notJson.ok && notJson.errors[0]).toMatch(/^not JSON/);
    expect(checkAnswer('{"concept": 1}', concept)).toEqual({ ok: false, errors: ['$.concept: expected string, got integer'] });
  });
});

describe('assertSupportedSchema', () => {
  it('accepts the subset and annotations', () => {
    expect(() => assertSupportedSchema({ ...list, title: 't', description: 'd', $schema: 'x' })).not.toThrow();
  });
  it('refuses keywords it cannot check, naming them and where', () => {
    const bad = { type: 'object', properties: { a: { type: 'string', pattern: '^x' } } };
    expect(() => assertSupportedSchema(bad)).toThrow(AppError);
    expect(() => assertSupportedSchema(bad)).toThrow(/'pattern' at \$\.a/);
    expect(() => assertSupportedSchema({ anyOf: [] })).toThrow(/'anyOf' at \$/);
    expect(() => assertSupportedSchema({ type: 'str' })).toThrow(/not a JSON type/);
    expect(() => assertSupportedSchema([])).toThrow(/not an object/);
  });
});
