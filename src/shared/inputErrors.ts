import { z } from 'zod';

// Input errors in the user's terms, from the zod schema that refused the value: "--batchSize must be an integer
// between 1 and 1024 (got 0)" instead of "Too small: expected number to be >=1". One formatter for every zod
// issue, used by the protocol (the app) and the CLI, plus the schema descriptions the CLI's --help prints.
// Shared by main and renderer: no node:* here.

/** Longest echo of an input value in a message; longer values are cut and their length given. */
export const ECHO_MAX = 80;

/** A parsed value for a message: strings quoted as JSON, anything longer than `max` cut, with its full length. */
export function showValue(v: unknown, max = ECHO_MAX): string {
  if (typeof v === 'string') return v.length > max ? `${JSON.stringify(v.slice(0, max))}... (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === undefined) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}

/** Text as the user typed it (CLI): single-quoted verbatim, cut after `max` characters with the full length. */
export function showRaw(s: string, max = ECHO_MAX): string {
  return s.length > max ? `'${s.slice(0, max)}'... (${s.length} characters)` : `'${s}'`;
}

/** `s` unquoted, cut after `max` characters with the full length (names: flags, keys, commands). */
export function cut(s: string, max = ECHO_MAX): string {
  return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}

type AnySchema = z.ZodType;

export interface Unwrapped {
  base: AnySchema;
  optional: boolean;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue?: unknown;
}

/** Strip optional / nullable / default / pipe / readonly / catch wrappers down to the type that parses the value. */
export function unwrap(schema: AnySchema): Unwrapped {
  const out: Unwrapped = { base: schema, optional: false, nullable: false, hasDefault: false };
  let s: AnySchema = schema;
  for (let guard = 0; guard < 32; guard++) {
    if (s instanceof z.ZodOptional) {
      out.optional = true;
      s = s.unwrap() as AnySchema;
    } else if (s instanceof z.ZodNullable) {
      out.nullable = true;
      s = s.unwrap() as AnySchema;
    } else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      if (!out.hasDefault) {
        out.hasDefault = true;
        out.defaultValue = (s._zod.def as { defaultValue: unknown }).defaultValue;
      }
      out.optional = true;
      s = s._zod.def.innerType as AnySchema;
    } else if (s instanceof z.ZodReadonly || s instanceof z.ZodCatch || s instanceof z.ZodNonOptional) {
      s = s._zod.def.innerType as AnySchema;
    } else if (s instanceof z.ZodPipe) {
      s = s._zod.def.in as AnySchema;
    } else if (s instanceof z.ZodLazy) {
      s = s._zod.def.getter() as AnySchema;
    } else break;
  }
  out.base = s;
  return out;
}

interface Bound {
  value: number;
  inclusive: boolean;
}

export interface NumberRange {
  int: boolean;
  lo?: Bound;
  hi?: Bound;
  multipleOf?: number;
}

/** The explicit bounds of a number schema (an integer's exclusive bounds become inclusive ones). */
export function numberRange(s: z.ZodNumber): NumberRange {
  const r: NumberRange = { int: false };
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def as { check: string; value?: number; inclusive?: boolean; format?: string };
    if (d.check === 'number_format' && d.format && /int/.test(d.format)) r.int = true;
    else if (d.check === 'greater_than' && d.value !== undefined) {
      if (!r.lo || d.value > r.lo.value) r.lo = { value: d.value, inclusive: d.inclusive ?? true };
    } else if (d.check === 'less_than' && d.value !== undefined) {
      if (!r.hi || d.value < r.hi.value) r.hi = { value: d.value, inclusive: d.inclusive ?? true };
    } else if (d.check === 'multiple_of' && d.value !== undefined) r.multipleOf = d.value;
  }
  if (r.int) {
    if (r.lo && !r.lo.inclusive) r.lo = { value: Math.floor(r.lo.value) + 1, inclusive: true };
    if (r.hi && !r.hi.inclusive) r.hi = { value: Math.ceil(r.hi.value) - 1, inclusive: true };
  }
  return r;
}

function stringLengths(s: z.ZodString): { min?: number; max?: number } {
  const r: { min?: number; max?: number } = {};
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def as { check: string; minimum?: number; maximum?: number; length?: number };
    if (d.check === 'min_length') r.min = d.minimum;
    else if (d.check === 'max_length') r.max = d.maximum;
    else if (d.check === 'length_equals') r.min = r.max = d.length;
  }
  return r;
}

/** What a value must be, as words: singular ("an integer >= 0") and plural ("integers >= 0"). */
export interface Form {
  one: string;
  many: string;
  /** The bare type for --help ("integer >= 0", "list of integers >= 0"). */
  bare: string;
  /** Values of this form are written as JSON on the command line. */
  json: boolean;
}

function form(one: string, many: string, bare: string, json = false): Form {
  return { one, many, bare, json };
}

function rangeText(r: NumberRange): string {
  const { lo, hi } = r;
  if (lo && hi && lo.inclusive && hi.inclusive) return `between ${lo.value} and ${hi.value}`;
  const parts: string[] = [];
  if (lo) parts.push(`${lo.inclusive ? '>=' : '>'} ${lo.value}`);
  if (hi) parts.push(`${hi.inclusive ? '<=' : '<'} ${hi.value}`);
  return parts.join(' and ');
}

const isScalar = (s: AnySchema): boolean => {
  const b = unwrap(s).base;
  return (
    b instanceof z.ZodNumber ||
    b instanceof z.ZodString ||
    b instanceof z.ZodBoolean ||
    b instanceof z.ZodEnum ||
    b instanceof z.ZodLiteral ||
    b instanceof z.ZodNull
  );
};

const literalText = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The expected form of values of `schema`, in words. */
export function describeForm(schema: AnySchema): Form {
  const s = unwrap(schema).base;
  if (s instanceof z.ZodNumber) {
    const r = numberRange(s);
    const cond = [rangeText(r), r.multipleOf !== undefined ? `(a multiple of ${r.multipleOf})` : ''].filter(Boolean).join(' ');
    const tail = cond ? ` ${cond}` : '';
    return r.int
      ? form(`an integer${tail}`, `integers${tail}`, `integer${tail}`)
      : form(`a number${tail}`, `numbers${tail}`, `number${tail}`);
  }
  if (s instanceof z.ZodString) {
    const { min, max } = stringLengths(s);
    let cond = '';
    if (min !== undefined && max !== undefined && min > 1) cond = ` of ${min} to ${max} characters`;
    else if (max !== undefined) cond = ` of at most ${max} characters`;
    else if (min !== undefined && min > 1) cond = ` of at least ${min} characters`;
    const pre = min !== undefined && min === 1 ? 'non-empty ' : '';
    return form(`${pre}text${cond}`, `${pre}texts${cond}`, `${pre}text${cond}`);
  }
  if (s instanceof z.ZodBoolean) return form('true or false', 'true or false values', 'true|false');
  if (s instanceof z.ZodEnum) {
    const opts = (s.options as unknown[]).map(String);
    return form(`one of ${opts.join(', ')}`, `values from ${opts.join(', ')}`, opts.join('|'));
  }
  if (s instanceof z.ZodLiteral) {
    const vals = [...(s._zod.def.values as unknown[])].map(literalText);
    return form(vals.join(' or '), vals.join(' or '), vals.join('|'));
  }
  if (s instanceof z.ZodNull) return form('null', 'null', 'null');
  if (s instanceof z.ZodArray) {
    const el = describeForm(s._zod.def.element as AnySchema);
    if (el.json) return form(`a JSON list like ${exampleText(s)}`, `JSON lists`, `JSON list, e.g. ${exampleText(s)}`, true);
    return form(`a list of ${el.many}`, `lists of ${el.many}`, `list of ${el.many}, e.g. ${listExample(schema)}`);
  }
  if (s instanceof z.ZodTuple) {
    const items = s._zod.def.items as AnySchema[];
    const forms = items.map(describeForm);
    if (forms.some((f) => f.json))
      return form(`a JSON list like ${exampleText(s)}`, 'JSON lists', `JSON list, e.g. ${exampleText(s)}`, true);
    const same = forms.every((f) => f.many === forms[0].many);
    const what = same ? `${items.length} ${forms[0].many}` : forms.map((f) => f.one).join(', ');
    return form(`${what}, comma-separated`, `lists of ${what}`, `${what}, e.g. ${listExample(schema)}`);
  }
  if (s instanceof z.ZodUnion && (s.options as AnySchema[]).every(isScalar)) {
    const forms = (s.options as AnySchema[]).map(describeForm);
    return form(forms.map((f) => f.one).join(' or '), forms.map((f) => f.many).join(' or '), forms.map((f) => f.bare).join(' | '));
  }
  const ex = exampleText(s);
  return form(`JSON like ${ex}`, `JSON values like ${ex}`, `JSON, e.g. ${ex}`, true);
}

/** A value `schema` accepts, for "expected JSON like ..." and --help examples. */
export function exampleValue(schema: AnySchema): unknown {
  const u = unwrap(schema);
  const s = u.base;
  if (s instanceof z.ZodNumber) {
    const r = numberRange(s);
    let v = 1;
    if (r.lo && (v < r.lo.value || (v === r.lo.value && !r.lo.inclusive))) v = r.lo.inclusive ? r.lo.value : r.lo.value + 1;
    if (r.hi && (v > r.hi.value || (v === r.hi.value && !r.hi.inclusive))) v = r.lo ? (r.lo.value + r.hi.value) / 2 : r.hi.value - 1;
    return r.int ? Math.round(v) : v;
  }
  if (s instanceof z.ZodString) return 'text';
  if (s instanceof z.ZodBoolean) return true;
  if (s instanceof z.ZodEnum) return (s.options as unknown[])[0];
  if (s instanceof z.ZodLiteral) return [...(s._zod.def.values as unknown[])][0];
  if (s instanceof z.ZodArray) return [exampleValue(s._zod.def.element as AnySchema)];
  if (s instanceof z.ZodTuple) return (s._zod.def.items as AnySchema[]).map(exampleValue);
  if (s instanceof z.ZodRecord) return { name: exampleValue(s._zod.def.valueType as AnySchema) };
  if (s instanceof z.ZodUnion) return exampleValue((s.options as AnySchema[])[0]);
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, AnySchema>;
    const keys = Object.keys(shape);
    const required = keys.filter((k) => !unwrap(shape[k]).optional);
    const shown = required.length > 0 ? required : keys.slice(0, 2);
    return Object.fromEntries(shown.map((k) => [k, exampleValue(shape[k])]));
  }
  return null;
}

/** JSON examples of `schema`; a union of objects lists one per option ("{"kind":"labels"} or {...}"). */
export function exampleText(schema: AnySchema): string {
  const s = unwrap(schema).base;
  if (s instanceof z.ZodUnion) return (s.options as AnySchema[]).map((o) => JSON.stringify(exampleValue(o))).join(' or ');
  return JSON.stringify(exampleValue(s));
}

/** A comma-list example for a list or tuple flag: its default when it has one, else e.g. "1,2,3". */
export function listExample(schema: AnySchema): string {
  const u = unwrap(schema);
  if (Array.isArray(u.defaultValue)) return u.defaultValue.join(',');
  const s = u.base;
  if (s instanceof z.ZodTuple) return (s._zod.def.items as AnySchema[]).map(exampleValue).join(',');
  if (s instanceof z.ZodArray) {
    const el = unwrap(s._zod.def.element as AnySchema).base;
    if (el instanceof z.ZodNumber) {
      const r = numberRange(el);
      const start = Math.max(1, r.lo?.value ?? 1);
      if (r.int && (!r.hi || r.hi.value >= start + 2)) return [start, start + 1, start + 2].join(',');
    }
    if (el instanceof z.ZodEnum) return (el.options as unknown[]).slice(0, 2).join(',');
    return [exampleValue(el), exampleValue(el)].join(',');
  }
  return String(exampleValue(s));
}

/** The sub-schema at `path` (unwrapped), or undefined when the path leaves the schema. */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[], value?: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  let v: unknown = value;
  for (const seg of path) {
    if (!s) return undefined;
    let b: AnySchema = unwrap(s).base;
    if (b instanceof z.ZodUnion) {
      const options = b.options as AnySchema[];
      b = unwrap(options.find((o) => o.safeParse(v).success) ?? options.find((o) => schemaAt(o, [seg]) !== undefined) ?? options[0]).base;
    }
    if (b instanceof z.ZodObject) s = (b.shape as Record<string, AnySchema>)[String(seg)];
    else if (b instanceof z.ZodArray) s = b._zod.def.element as AnySchema;
    else if (b instanceof z.ZodTuple) s = (b._zod.def.items as AnySchema[])[Number(seg)];
    else if (b instanceof z.ZodRecord) s = b._zod.def.valueType as AnySchema;
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg as keyof object] : undefined;
  }
  return s ? unwrap(s).base : undefined;
}

/** The value at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** A path as people read it: options.std[0], sort.by. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

export type Issue = z.core.$ZodIssue;

const englishError = z.locales.en().localeError;

/** True when the schema author wrote the message (a refine, `.min(1, 'a path is required')`). */
function authorMessage(issue: Issue, got: unknown): boolean {
  if (issue.code === 'custom') return issue.message !== 'Invalid input';
  try {
    const raw = englishError({ ...issue, input: got } as never);
    const text = typeof raw === 'string' ? raw : raw?.message;
    return text !== undefined && text !== issue.message;
  } catch {
    return false;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The reason of one zod issue, to follow the name of the value: "must be an integer >= 0 (got -1)",
 * "is required", "must be one of csv, json (got "xml")". `root` and `input` are the schema and the value that
 * was parsed (they name the expected form and the value given).
 */
export function issueReason(issue: Issue, root?: AnySchema, input?: unknown): string {
  const got = 'input' in issue && issue.input !== undefined && issue.code !== 'invalid_union' ? issue.input : valueAt(input, issue.path);
  const at = root ? schemaAt(root, issue.path, input) : undefined;
  const gotText = got === undefined ? '' : ` (got ${showValue(got)})`;
  if (authorMessage(issue, got)) {
    const m = issue.message;
    return /^(must|is|has|needs|should|cannot|can't|may)\b/.test(m) ? `${m}${gotText}` : `: ${m}${gotText}`;
  }
  const expected = at ? describeForm(at).one : undefined;
  switch (issue.code) {
    case 'invalid_type': {
      if (got === undefined) return `is required${expected ? ` (${expected})` : ''}`;
      return `must be ${expected ?? (issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`)}${gotText}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const origin = issue.origin;
      if (origin === 'number' || origin === 'int' || origin === 'bigint') {
        if (expected && at instanceof z.ZodNumber) return `must be ${expected}${gotText}`;
        return `must be ${small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<'} ${limit}${gotText}`;
      }
      if (origin === 'string') {
        const len = typeof got === 'string' ? got.length : undefined;
        if (small && limit === 1) return 'must not be empty';
        const gotLen = len === undefined ? '' : small ? ` (got ${plural(len, 'character')})` : ` (got ${showValue(got)})`;
        return `must be at ${small ? 'least' : 'most'} ${plural(limit, 'character')}${gotLen}`;
      }
      const n = Array.isArray(got) ? got.length : undefined;
      const gotN = n === undefined ? '' : ` (got ${n})`;
      if (at instanceof z.ZodTuple) return `must have exactly ${plural((at._zod.def.items as unknown[]).length, 'item')}${gotN}`;
      if (small && limit === 1) return 'must not be empty';
      return `must have at ${small ? 'least' : 'most'} ${plural(limit, 'item')}${gotN}`;
    }
    case 'invalid_value': {
      const vals = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      return vals.length === 1 ? `must be ${literalText(issue.values[0])}${gotText}` : `must be one of ${vals.join(', ')}${gotText}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${gotText}`;
    case 'unrecognized_keys': {
      const allowed = at instanceof z.ZodObject ? Object.keys(at.shape as object) : [];
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `has unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${keys}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case 'invalid_union': {
      const disc = issue as { discriminator?: string; options?: unknown[] };
      if (disc.discriminator !== undefined && Array.isArray(disc.options)) {
        const vals = disc.options.map(String).join(', ');
        return got === undefined ? `is required (one of ${vals})` : `must be one of ${vals}${gotText}`;
      }
      if (got === undefined) return `is required${expected ? ` (${expected})` : ''}`;
      return `must be ${expected ?? 'a value of one of the allowed forms'}${gotText}`;
    }
    case 'invalid_key':
      return `has an invalid key${gotText}: ${issue.issues.map((i) => issueReason(i).replace(/^: /, '')).join('; ')}`;
    case 'invalid_element':
      return `has an invalid value at key ${JSON.stringify(String(issue.key))}: ${issue.issues.map((i) => issueReason(i).replace(/^: /, '')).join('; ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}${gotText}`;
    default:
      return `is not valid${gotText}`;
  }
}

/** "<subject> <reason>" with the subject before a reason that reads as a sentence of its own (": ..."). */
export function joinReason(subject: string, reason: string): string {
  return reason.startsWith(':') ? `${subject}${reason}` : `${subject} ${reason}`;
}

/**
 * Every issue of a failed parse as one line each, naming the value by `subject(path)`; duplicates (an integer
 * check and a range check on one value say the same) are dropped. 'sentence': "--neuron must be ...";
 * 'label': "neuron: must be ...".
 */
export function formatIssues(
  error: z.ZodError,
  root: AnySchema,
  input: unknown,
  subject: (path: readonly PropertyKey[]) => string,
  style: 'sentence' | 'label' = 'sentence',
): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const reason = issueReason(issue, root, input);
    const line = style === 'label' ? `${subject(issue.path)}: ${reason.replace(/^: /, '')}` : joinReason(subject(issue.path), reason);
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}
