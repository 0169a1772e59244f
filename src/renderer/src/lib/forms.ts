import type { z } from 'zod';
import { describeForm, issueReason, unwrap } from '../../../shared/inputErrors';

// Forms check what the user typed with the contract's own zod schemas (the backend parses the same input with
// them), so bounds, integer-ness and defaults are written once, in src/shared/contract. Messages come from the
// shared formatter the CLI and the protocol use: "must be a number > 0 and <= 1 (got 2)".

type Shape = Record<string, z.ZodType>;

/** The shape of an object schema (a method's input). */
export function shapeOf(schema: z.ZodType): Shape {
  const base = unwrap(schema).base as z.ZodType & { shape?: Shape };
  if (!base.shape) throw new Error('not an object schema');
  return base.shape;
}

/** The default a field's schema declares (.default(...)), or undefined. */
export function defaultOf(field: z.ZodType): unknown {
  return unwrap(field).defaultValue;
}

/** A default as the text a form field starts with. */
export function defaultText(field: z.ZodType): string {
  const v = defaultOf(field);
  return v === undefined ? '' : String(v);
}

/** Text typed into a number field as the value to check: empty or unreadable text is NaN (never the default). */
export function numberFromText(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** Why a value of `field` is refused, in the shared words ("must be an integer between 1 and 10 (got 0)"), or null. */
export function fieldError(field: z.ZodType, value: unknown): string | null {
  if (typeof value === 'number' && Number.isNaN(value)) return `must be ${describeForm(field).one}`;
  const r = field.safeParse(value);
  return r.success ? null : issueReason(r.error.issues[0], field, value).replace(/^: /, '');
}

/**
 * A number typed into an optional field (empty: not given) checked with its schema: the value to send, or
 * why it is refused.
 */
export function optionalNumber(field: z.ZodType, text: string): { value: number | undefined; error: string | null } {
  if (text.trim() === '') return { value: undefined, error: null };
  const v = Number(text);
  const error = fieldError(field, Number.isFinite(v) ? v : Number.NaN);
  return { value: error === null ? v : undefined, error };
}

export type InputCheck<T> =
  { ok: true; value: T; errors: Record<string, never> } | { ok: false; value: null; errors: Partial<Record<string, string>> };

/**
 * `value` parsed with a method's input schema (or a pick of it): the parsed input, or one message per field
 * (the first segment of each issue's path), in the shared formatter's words.
 */
export function checkInput<S extends z.ZodType>(schema: S, value: unknown): InputCheck<z.output<S>> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data, errors: {} };
  const errors: Partial<Record<string, string>> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? '');
    const got = (value as Record<string, unknown> | null)?.[key];
    if (errors[key] !== undefined) continue;
    errors[key] =
      typeof got === 'number' && Number.isNaN(got)
        ? `must be ${describeForm(shapeOf(schema)[key] ?? schema).one}`
        : issueReason(issue, schema, value).replace(/^: /, '');
  }
  return { ok: false, value: null, errors };
}
