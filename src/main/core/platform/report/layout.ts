import { html, raw, type Markup } from './html';

// Building blocks of report pages: numbers as the app shows them, tables that paginate, captioned figures.

/** A score as the app shows it (3 decimals), '—' for none. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

/** mean ± SE (n), the papers' form. */
export function meanSE(m: { mean: number | null; standardError: number | null; n?: number } | null | undefined, digits = 3): string {
  if (!m || m.mean === null) return '—';
  const se = m.standardError === null ? '' : ` ± ${m.standardError.toFixed(digits)}`;
  return `${m.mean.toFixed(digits)}${se}`;
}

/** Short numbers for activations (3 significant digits; exponent form when tiny or huge). */
export function short(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

export interface Column<R> {
  head: string;
  cell: (row: R) => string | number | Markup;
  num?: boolean;
  wrap?: boolean;
  /** Column width, e.g. '12%'. */
  width?: string;
}

export function table<R>(columns: Column<R>[], rows: R[], cls = 'rows'): Markup {
  return html`<table class="${cls}">
    <colgroup>
      ${columns.map((c) => (c.width ? html`<col width="${c.width}" />` : html`<col />`))}
    </colgroup>
    <thead>
      <tr>
        ${columns.map((c) => html`<th class="${c.num ? 'num' : ''}">${c.head}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            ${columns.map((c) => html`<td class="${c.num ? 'num' : c.wrap ? 'wrap' : ''}">${c.cell(r)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Key/value table (provenance). */
export function kvTable(rows: [string, string | Markup][]): Markup {
  return html`<table class="kv">
    <tbody>
      ${rows.map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Splits rows into pages of at most `per` (at least one page, possibly empty). */
export function chunks<R>(rows: R[], per: number): R[][] {
  if (!rows.length) return [[]];
  const out: R[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

/** A chart with its caption; `name` identifies it in the figure export (data-figure). */
export function figure(name: string, svg: Markup, caption: string | Markup): Markup {
  return html`<figure class="figure" data-figure="${name}">
    ${svg}
    <figcaption>${caption}</figcaption>
  </figure>`;
}

export const note = (text: string | Markup): Markup => html`<p class="note">${text}</p>`;

export { html, raw };
