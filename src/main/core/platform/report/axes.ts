// Scales, ticks, tick labels and the axis frame of the report's SVG charts (charts.ts). Pure string building: no
// DOM. Every number written into markup goes through px() (2 decimals, never NaN/Infinity) and every text through
// escapeHtml, so the output is deterministic and safe.

import { escapeHtml } from './html';

export const INK = '#333333';
export const AXIS = '#555555';
export const GRID = '#e6e6e6';
export const TICK_FONT = 11;
export const TITLE_FONT = 12;
/** Rough advance of one character at font size 1 (a sans-serif average; generous so labels don't collide). */
const CHAR_EM = 0.6;

/** A coordinate for markup: rounded to 2 decimals, -0 -> 0, non-finite -> 0 (callers skip non-finite data first). */
export function px(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(Math.max(-1e6, Math.min(1e6, v)) * 100) / 100;
  return String(r === 0 ? 0 : r);
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Estimated width in px of a text at a font size (no DOM to measure with). */
export function textWidth(s: string, size: number): number {
  return Math.ceil(s.length * size * CHAR_EM);
}

/** Cut a label to at most maxWidth px, ending it with an ellipsis when cut. */
export function fitText(s: string, size: number, maxWidth: number): string {
  const max = Math.max(1, Math.floor(maxWidth / (size * CHAR_EM)));
  return s.length <= max ? s : s.slice(0, Math.max(1, max - 1)) + '…';
}

function trimMantissa(m: string): string {
  return m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
}

/** Compact tick label: 3 significant digits; exponent form (2.5e4, 1e-3) for |v| >= 1e4 or 0 < |v| < 1e-2. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) {
    const [m, e] = v.toExponential(2).split('e');
    return `${trimMantissa(m)}e${Number(e)}`;
  }
  const s = String(Number(v.toPrecision(3)));
  return s === '-0' ? '0' : s;
}

/** Share as a percentage tick label: 0.25 -> "25%", 3 significant digits. */
export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return '';
  const p = Number((v * 100).toPrecision(3));
  return `${p === 0 ? 0 : p}%`;
}

/** A 1, 2 or 5 x 10^k step near span / count. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  const f = raw / base;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * base;
}

const clean = (v: number) => {
  const r = Number(v.toPrecision(12));
  return r === 0 ? 0 : r;
};

export interface Ticks {
  domain: [number, number];
  ticks: number[];
}

/**
 * Nice linear ticks over [lo, hi]. extend: widen the domain to the enclosing ticks (auto domains); otherwise the
 * domain stays exactly [lo, hi] and only the ticks inside it are kept. A degenerate or empty range is widened.
 */
export function linearTicks(lo: number, hi: number, count = 5, extend = true): Ticks {
  if (!isNum(lo) || !isNum(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) / 2;
    [lo, hi] = [lo - d, hi + d];
  }
  const step = niceStep(hi - lo, count);
  const eps = 1e-9;
  const first = extend ? Math.floor(lo / step + eps) : Math.ceil(lo / step - eps);
  const last = extend ? Math.ceil(hi / step - eps) : Math.floor(hi / step + eps);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(clean(k * step));
  return { domain: extend ? [clean(first * step), clean(last * step)] : [lo, hi], ticks };
}

/** Log-10 ticks: the domain widened to whole decades, a tick per decade (every few decades over a long span). */
export function logTicks(lo: number, hi: number): Ticks {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [1, 10];
  if (lo > hi) [lo, hi] = [hi, lo];
  const eps = 1e-9;
  const a = Math.floor(Math.log10(lo) + eps);
  let b = Math.ceil(Math.log10(hi) - eps);
  if (b === a) b = a + 1;
  const every = Math.max(1, Math.ceil((b - a) / 8));
  const ticks: number[] = [];
  for (let e = a; e <= b; e += every) ticks.push(Number(`1e${e}`));
  return { domain: [Number(`1e${a}`), Number(`1e${b}`)], ticks };
}

export type Scale = (v: number) => number;

export function linearScale([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

export function logScale([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const k = l1 === l0 ? 0 : (r1 - r0) / (l1 - l0);
  return (v) => r0 + (Math.log10(v) - l0) * k;
}

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Liang-Barsky: the part of segment p-q inside the rectangle, or null. */
function clipSegment(p: [number, number], q: [number, number], r: Rect): [[number, number], [number, number]] | null {
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, p[0] - r.left],
    [dx, r.right - p[0]],
    [-dy, p[1] - r.top],
    [dy, r.bottom - p[1]],
  ];
  for (const [pp, qq] of edges) {
    if (pp === 0) {
      if (qq < 0) return null;
      continue;
    }
    const t = qq / pp;
    if (pp < 0) {
      if (t > t1) return null;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return null;
      if (t < t1) t1 = t;
    }
  }
  return [
    [p[0] + t0 * dx, p[1] + t0 * dy],
    [p[0] + t1 * dx, p[1] + t1 * dy],
  ];
}

/**
 * Pixel runs (null = a gap) -> the polylines inside the rectangle: a gap or a leaving segment ends a polyline.
 * Non-finite points count as gaps.
 */
export function clipPolylines(points: ([number, number] | null)[], r: Rect): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  const flush = () => {
    if (cur.length >= 2) out.push(cur);
    cur = [];
  };
  const ok = (p: [number, number] | null): p is [number, number] => p !== null && isNum(p[0]) && isNum(p[1]);
  for (let i = 0; i + 1 < points.length; i++) {
    const p = points[i];
    const q = points[i + 1];
    if (!ok(p) || !ok(q)) {
      flush();
      continue;
    }
    const seg = clipSegment(p, q, r);
    if (!seg) {
      flush();
      continue;
    }
    const last = cur[cur.length - 1];
    if (!last || last[0] !== seg[0][0] || last[1] !== seg[0][1]) {
      flush();
      cur.push(seg[0]);
    }
    cur.push(seg[1]);
    if (seg[1][0] !== q[0] || seg[1][1] !== q[1]) flush();
  }
  flush();
  return out;
}

export const pointsAttr = (pts: [number, number][]) => pts.map(([x, y]) => `${px(x)},${px(y)}`).join(' ');

export function text(
  x: number,
  y: number,
  s: string,
  cls: string,
  o: { size?: number; anchor?: 'start' | 'middle' | 'end'; dy?: string; rotate?: boolean } = {},
): string {
  const size = o.size ?? TICK_FONT;
  const t = o.rotate ? ` transform="rotate(-90 ${px(x)} ${px(y)})"` : '';
  const dy = o.dy ? ` dy="${o.dy}"` : '';
  return `<text class="${cls}" x="${px(x)}" y="${px(y)}"${dy}${t} text-anchor="${o.anchor ?? 'start'}" font-size="${size}" fill="${INK}">${escapeHtml(s)}</text>`;
}

export const line = (x1: number, y1: number, x2: number, y2: number, cls: string, stroke: string, extra = '') =>
  `<line class="${cls}" x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" stroke="${stroke}" stroke-width="1"${extra}/>`;

export interface AxisSpec {
  ticks: number[];
  scale: Scale;
  format: (v: number) => string;
  title?: string;
  grid?: boolean;
}

/** Width the y tick labels take (for the left margin). */
export function yLabelWidth(ticks: number[], format: (v: number) => string): number {
  return Math.max(0, ...ticks.map((t) => textWidth(format(t), TICK_FONT)));
}

/** Left margin that fits the y tick labels and the rotated y title. */
export function leftMargin(ticks: number[], format: (v: number) => string, hasTitle: boolean): number {
  return Math.max(40, yLabelWidth(ticks, format) + 12 + (hasTitle ? TITLE_FONT + 10 : 4));
}

export const BOTTOM_MARGIN = 46;
export const RIGHT_MARGIN = 16;

/** Grid lines (drawn under the data). */
export function gridMarkup(r: Rect, y: AxisSpec, x?: AxisSpec): string {
  const parts: string[] = [];
  if (y.grid !== false) for (const t of y.ticks) parts.push(line(r.left, y.scale(t), r.right, y.scale(t), 'grid', GRID));
  if (x && x.grid) for (const t of x.ticks) parts.push(line(x.scale(t), r.top, x.scale(t), r.bottom, 'grid', GRID));
  return parts.join('');
}

/** Axis lines, ticks, tick labels and titles (drawn over the data). x may be omitted (categorical charts draw their own). */
export function axesMarkup(r: Rect, y: AxisSpec, x?: AxisSpec, xTitle?: string): string {
  const parts: string[] = [];
  parts.push(line(r.left, r.top, r.left, r.bottom, 'axis', AXIS));
  parts.push(line(r.left, r.bottom, r.right, r.bottom, 'axis', AXIS));
  for (const t of y.ticks) {
    const yy = y.scale(t);
    parts.push(line(r.left - 4, yy, r.left, yy, 'tick-mark', AXIS));
    parts.push(text(r.left - 7, yy, y.format(t), 'tick y-tick', { anchor: 'end', dy: '0.32em' }));
  }
  if (x) {
    for (const t of x.ticks) {
      const xx = x.scale(t);
      parts.push(line(xx, r.bottom, xx, r.bottom + 4, 'tick-mark', AXIS));
      parts.push(text(xx, r.bottom + 16, x.format(t), 'tick x-tick', { anchor: 'middle' }));
    }
  }
  const xt = x?.title ?? xTitle;
  if (xt) parts.push(text((r.left + r.right) / 2, r.bottom + 36, xt, 'axis-title x-title', { anchor: 'middle', size: TITLE_FONT }));
  if (y.title) {
    const yx = r.left - yLabelWidth(y.ticks, y.format) - 16;
    parts.push(text(yx, (r.top + r.bottom) / 2, y.title, 'axis-title y-title', { anchor: 'middle', size: TITLE_FONT, rotate: true }));
  }
  return parts.join('');
}
