import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { describeForm, exampleText, listExample, showRaw, unwrap } from '../../shared/inputErrors';

// Command-line flags to a contract method's input, driven by the method's own zod schema, so every method the
// contract gains is a CLI command with no extra code. Each flag's text is parsed by the base type of its schema
// (number, list, boolean, enum, text, JSON) and refused with the flag, the value and the expected form when it
// cannot be: nothing is guessed and nothing is dropped.

export interface ParsedArgs {
  command: string | null;
  flags: Map<string, string | true>;
  positional: string[];
  /** For each positional word, the boolean flag right before it (it did not take the word), else null. */
  afterSwitch: (string | null)[];
}

const BOOL_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** True when `s` is a word a boolean flag takes as its value ("--includeDead false"). */
export const isBoolWord = (s: string): boolean => Object.prototype.hasOwnProperty.call(BOOL_WORDS, s.toLowerCase());

/**
 * Split argv into the command, its flags and stray words. `--name value`, `--name=value`, and a bare `--name`
 * (true). A boolean flag (`isBoolean`) takes the next word only when it is true/false/1/0/yes/no, so
 * `--quiet explain.run` keeps the command. A flag given twice is refused.
 */
export function parseArgv(argv: string[], isBoolean: (command: string | null, flag: string) => boolean = () => false): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const afterSwitch: (string | null)[] = [];
  let command: string | null = null;
  let lastSwitch: string | null = null;
  const set = (name: string, value: string | true) => {
    if (flags.has(name))
      throw new AppError(
        'bad_input',
        `--${name} is given more than once; give each flag once (a list flag takes one comma-separated value).`,
      );
    flags.set(name, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 2) {
        set(a.slice(2, eq), a.slice(eq + 1));
        continue;
      }
      const name = a.slice(2);
      const next = argv[i + 1];
      const takes = next !== undefined && !next.startsWith('--') && (!isBoolean(command, name) || isBoolWord(next));
      set(name, takes ? argv[++i] : true);
      lastSwitch = takes ? null : name;
      continue;
    } else if (a === '-h') set('help', true);
    else if (command === null) command = a;
    else {
      positional.push(a);
      afterSwitch.push(lastSwitch);
    }
    lastSwitch = null;
  }
  return { command, flags, positional, afterSwitch };
}

/** The object shape of a method's input schema (all contract inputs are z.object). */
export function inputShape(schema: z.ZodType): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

/** True when a flag of this schema is a switch (a bare --flag means true). */
export function isBooleanSchema(schema: z.ZodType | undefined): boolean {
  return schema !== undefined && unwrap(schema).base instanceof z.ZodBoolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number written in full (no '', 'abc', 'NaN', 'Infinity', '1x', '0x10'), else undefined. */
export function strictNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function bad(message: string): AppError {
  return new AppError('bad_input', message);
}

/** One scalar from text by its schema's base type; the thrown message names `subject`. */
function parseScalar(subject: string, schema: z.ZodType, text: string, context = ''): unknown {
  const base = unwrap(schema).base;
  const got = `(got ${showRaw(text)}${context})`;
  if (base instanceof z.ZodNumber) {
    const v = strictNumber(text);
    if (v === undefined) throw bad(`${subject} must be ${describeForm(base).one} ${got}.`);
    return v;
  }
  if (base instanceof z.ZodBoolean) {
    const k = text.trim().toLowerCase();
    if (!isBoolWord(k)) throw bad(`${subject} must be true or false (also 1/0, yes/no) ${got}.`);
    return BOOL_WORDS[k];
  }
  if (base instanceof z.ZodUnion) {
    const options = (base.options as z.ZodType[]).map((o) => unwrap(o).base);
    const n = strictNumber(text);
    if (n !== undefined && options.some((o) => o instanceof z.ZodNumber)) return n;
    if (isBoolWord(text) && options.some((o) => o instanceof z.ZodBoolean)) return BOOL_WORDS[text.toLowerCase()];
    return text;
  }
  if (base instanceof z.ZodLiteral && typeof [...(base._zod.def.values as unknown[])][0] === 'number') {
    return strictNumber(text) ?? text;
  }
  return text;
}

/** True when values of this schema are written as JSON (objects, records, unions of objects, lists of those). */
const isJsonValued = (schema: z.ZodType): boolean => describeForm(schema).json;

/** Where strict JSON parsing of `t` fails (0-based), or -1 when it does not. */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < t.length && ' \t\n\r'.includes(t[i])) i++;
  };
  const word = (w: string) => {
    let k = 0;
    while (k < w.length && t[i + k] === w[k]) k++;
    i += k;
    if (k < w.length) fail();
  };
  const str = () => {
    i++;
    while (i < t.length) {
      const c = t[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail();
      if (c === '\\') {
        i++;
        if (t[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(t[i] ?? '')) fail();
          continue;
        }
        if (!'"\\/bfnrt'.includes(t[i] ?? 'x')) fail();
      }
      i++;
    }
    fail();
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (t[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (t[i] !== '"') fail();
          str();
          ws();
          if (t[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(i, i + 400));
    if (!m) fail();
    else i += m[0].length;
  };
  try {
    value();
    ws();
    if (i < t.length) fail();
    return -1;
  } catch (e) {
    if (typeof e === 'number') return e;
    throw e;
  }
}

/** Why `raw` is not JSON, with the place: "unexpected "." at character 9", "it ends early (character 12)". */
export function jsonProblem(raw: string, error: unknown): string {
  const v8 = error instanceof Error ? error.message : String(error);
  const hint = /^(Expected [^]*?|Unterminated string|Bad control character in string literal|Bad escaped character)(?= in JSON)/.exec(
    v8,
  )?.[1];
  const at = jsonErrorOffset(raw);
  if (at < 0) return v8;
  const line = raw.slice(0, at).split('\n');
  const where = `at character ${at + 1}${line.length > 1 ? ` (line ${line.length}, column ${line[line.length - 1].length + 1})` : ''}`;
  if (at >= raw.length) return raw.trim() === '' ? 'it is empty' : `it ends early, ${where}${hint ? ` (${hint.toLowerCase()})` : ''}`;
  return `${hint ?? `unexpected ${JSON.stringify(raw[at])}`} ${where}`;
}

function parseJson(subject: string, schema: z.ZodType, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw bad(`${subject} is not valid JSON: ${jsonProblem(raw, e)} (got ${showRaw(raw)}); expected JSON like ${exampleText(schema)}.`);
  }
}

/**
 * One flag's text to the value its schema parses: a number, a comma list (each item by the item type), a
 * boolean, an enum or literal, text as-is, JSON for objects. Refuses what it cannot read, naming the flag;
 * the range and other rules are then checked by the schema itself.
 */
export function parseFlag(name: string, schema: z.ZodType, raw: string | true): unknown {
  const subject = `--${name}`;
  const base = unwrap(schema).base;
  const f = describeForm(schema);
  if (raw === true) {
    if (base instanceof z.ZodBoolean) return true;
    throw bad(`${subject} needs a value: ${f.one} (write --${name} VALUE or --${name}=VALUE).`);
  }
  if (base instanceof z.ZodArray || base instanceof z.ZodTuple) {
    if (isJsonValued(base) || raw.trim().startsWith('[')) return parseJson(subject, schema, raw);
    const items = raw.split(',');
    const itemSchema = (i: number): z.ZodType =>
      base instanceof z.ZodArray
        ? (base._zod.def.element as z.ZodType)
        : ((base._zod.def.items as z.ZodType[])[i] ?? (base._zod.def.items as z.ZodType[])[0]);
    const context = items.length > 1 ? ` in ${showRaw(raw)}` : '';
    return items.map((item, i) => {
      const itemSubject = `${subject} item ${i + 1}`;
      if (item.trim() === '') throw bad(`${itemSubject} is empty (got ${showRaw(raw)}); expected ${f.one}, e.g. ${listExample(schema)}.`);
      const el = unwrap(itemSchema(i)).base;
      return parseScalar(itemSubject, el, el instanceof z.ZodString || el instanceof z.ZodEnum ? item.trim() : item, context);
    });
  }
  if (isJsonValued(base)) {
    if (base instanceof z.ZodUnknown || base instanceof z.ZodAny) {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    }
    return parseJson(subject, schema, raw);
  }
  return parseScalar(subject, base, raw);
}

/**
 * The first key of `value` that `schema` would silently drop (zod objects strip unknown keys), with its path
 * and the keys allowed there; null when every key is known. Unions: the option that accepts the value decides.
 */
export function findUnknownKey(
  schema: z.ZodType,
  value: unknown,
  path: PropertyKey[] = [],
): { path: PropertyKey[]; key: string; allowed: string[] } | null {
  const s = unwrap(schema).base;
  if (value === null || typeof value !== 'object') return null;
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, z.ZodType>;
    const catchall = s._zod.def.catchall;
    const stripping = catchall === undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!(k in shape)) {
        if (stripping) return { path, key: k, allowed: Object.keys(shape) };
        continue;
      }
      const inner = findUnknownKey(shape[k], v, [...path, k]);
      if (inner) return inner;
    }
    return null;
  }
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = findUnknownKey(s._zod.def.element as z.ZodType, value[i], [...path, i]);
      if (inner) return inner;
    }
    return null;
  }
  if (s instanceof z.ZodTuple && Array.isArray(value)) {
    const items = s._zod.def.items as z.ZodType[];
    for (let i = 0; i < Math.min(items.length, value.length); i++) {
      const inner = findUnknownKey(items[i], value[i], [...path, i]);
      if (inner) return inner;
    }
    return null;
  }
  if (s instanceof z.ZodRecord) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const inner = findUnknownKey(s._zod.def.valueType as z.ZodType, v, [...path, k]);
      if (inner) return inner;
    }
    return null;
  }
  if (s instanceof z.ZodUnion) {
    const accepting = (s.options as z.ZodType[]).filter((o) => o.safeParse(value).success);
    let first: ReturnType<typeof findUnknownKey> = null;
    for (const o of accepting) {
      const inner = findUnknownKey(o, value, path);
      if (!inner) return null;
      first ??= inner;
    }
    return first;
  }
  return null;
}

/** One line of --help for a flag: `--neuron <integer >= 0>  (required)`. */
export function flagHelp(name: string, schema: z.ZodType): string {
  const u = unwrap(schema);
  const f = describeForm(schema);
  const notes: string[] = [];
  if (u.hasDefault)
    notes.push(
      `default: ${typeof u.defaultValue === 'string' ? u.defaultValue : Array.isArray(u.defaultValue) && !f.json ? u.defaultValue.join(',') : JSON.stringify(u.defaultValue)}`,
    );
  else if (u.optional) notes.push('optional');
  else notes.push('required');
  if (u.base instanceof z.ZodBoolean) return `  --${name} [true|false]  (${notes.join(', ')}; a bare --${name} means true)`;
  return `  --${name} <${f.bare}>  (${notes.join(', ')})`;
}
