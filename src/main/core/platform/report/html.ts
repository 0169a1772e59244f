// Markup as strings, escaped by construction: `html` escapes every interpolated value unless it is already
// markup (a Markup from html``/raw()), so report text from the project (concept names, file names, notes) can
// never become tags. Pure: the report renders in the backend, with no DOM.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Markup that is already safe (escaped or built here). */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Trusted markup built in code (an SVG chart, a style sheet): never pass user text here. */
export const raw = (text: string): Markup => new Markup(text);

type Value = Markup | string | number | boolean | null | undefined | readonly Value[];

function piece(v: Value): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return (v as readonly Value[]).map(piece).join('');
  return escapeHtml(String(v));
}

/** Tagged template: html`<td>${name}</td>` escapes name; arrays are joined; null/undefined/booleans render nothing. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new Markup(out);
}
