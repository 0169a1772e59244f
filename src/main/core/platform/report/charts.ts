// SVG charts for the printed report (issue #16): pure functions from data to one <svg> element as Markup. No DOM,
// no dependency, no inline style attributes (the report's CSP forbids them): classes plus presentation attributes.
// Deterministic (same input -> same string, coordinates to 2 decimals); null and non-finite data points are skipped,
// so the markup never holds NaN or Infinity. Text (concept and class names are user data) is escaped.

import { seriesColor } from '../../../../shared/colors';
import { escapeHtml, raw, type Markup } from './html';
import {
  type Ticks,
  AXIS,
  BOTTOM_MARGIN,
  INK,
  RIGHT_MARGIN,
  TICK_FONT,
  axesMarkup,
  clipPolylines,
  fitText,
  formatPercent,
  formatTick,
  gridMarkup,
  isNum,
  leftMargin,
  line,
  linearScale,
  linearTicks,
  logScale,
  logTicks,
  pointsAttr,
  px,
  text,
  textWidth,
  type Rect,
  type Scale,
} from './axes';

export interface ChartOptions {
  /** CSS px; default 640. */
  width?: number;
  /** CSS px; default 300. The chart grows taller when its legend needs the room. */
  height?: number;
  /** Accessible name (aria-label); a default is built from the axis titles. */
  label?: string;
  /** The plot's least height in CSS px when a legend takes room (default 140); a page with little room asks for less. */
  minPlotHeight?: number;
}

const DEFAULT_W = 640;
const DEFAULT_H = 300;
/** The plot keeps at least this height however long the legend is. */
const MIN_PLOT_H = 140;
const TOP_PAD = 10;

// ---------------------------------------------------------------------------------------------------------------
// Frame: size, legend, plot rectangle

type Swatch = 'box' | 'line' | 'dashed' | 'point';
interface LegendItem {
  name: string;
  color: string;
  swatch: Swatch;
}

const LEGEND_ROW = 16;
const SWATCH_W = 14;
const ITEM_GAP = 14;

interface Placed {
  item: LegendItem;
  x: number;
  row: number;
  label: string;
}

/**
 * Legend within [x0, x1]: one row when it fits, otherwise a grid of equal columns (as many as fit), row by row;
 * the positions and the height the rows take.
 */
function layoutLegend(items: LegendItem[], x0: number, x1: number): { placed: Placed[]; height: number } {
  const avail = Math.max(40, x1 - x0);
  const labels = items.map((item) => fitText(item.name, TICK_FONT, avail - SWATCH_W - 4));
  const widths = labels.map((l) => SWATCH_W + 4 + textWidth(l, TICK_FONT));
  const oneRow = widths.reduce((a, w) => a + w, 0) + ITEM_GAP * Math.max(0, items.length - 1);
  const placed: Placed[] = [];
  if (oneRow <= avail) {
    let x = x0;
    items.forEach((item, i) => {
      placed.push({ item, x, row: 0, label: labels[i] });
      x += widths[i] + ITEM_GAP;
    });
  } else {
    const colW = Math.max(...widths) + ITEM_GAP;
    const cols = Math.max(1, Math.floor((avail + ITEM_GAP) / colW));
    items.forEach((item, i) => placed.push({ item, x: x0 + (i % cols) * colW, row: Math.floor(i / cols), label: labels[i] }));
  }
  const rows = placed.length ? placed[placed.length - 1].row + 1 : 0;
  return { placed, height: rows ? rows * LEGEND_ROW + 12 : 0 };
}

function legendMarkup(layout: ReturnType<typeof layoutLegend>, top: number): string {
  const parts: string[] = [];
  for (const { item, x, row, label } of layout.placed) {
    const cy = top + row * LEGEND_ROW + LEGEND_ROW / 2;
    const c = escapeHtml(item.color);
    if (item.swatch === 'box') {
      parts.push(`<rect class="legend-swatch" x="${px(x)}" y="${px(cy - 5)}" width="10" height="10" fill="${c}" stroke="none"/>`);
    } else if (item.swatch === 'point') {
      parts.push(`<circle class="legend-swatch" cx="${px(x + 5)}" cy="${px(cy)}" r="3.5" fill="${c}" stroke="none"/>`);
    } else {
      const dash = item.swatch === 'dashed' ? ' stroke-dasharray="4 3"' : '';
      parts.push(line(x, cy, x + SWATCH_W, cy, 'legend-swatch', c, dash).replace('stroke-width="1"', 'stroke-width="2"'));
    }
    parts.push(text(x + SWATCH_W + 4, cy, label, 'legend-label', { dy: '0.32em' }));
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

interface Frame {
  W: number;
  H: number;
  rect: Rect;
  legend: string;
}

/** Size the chart: the legend sits above the plot; the height grows so the plot keeps MIN_PLOT_H. */
function frame(opts: ChartOptions, left: number, legendItems: LegendItem[] | null, bottom = BOTTOM_MARGIN): Frame {
  const W = Math.max(200, isNum(opts.width) ? opts.width : DEFAULT_W);
  const H0 = Math.max(120, isNum(opts.height) ? opts.height : DEFAULT_H);
  const right = W - RIGHT_MARGIN;
  const layout = legendItems && legendItems.length ? layoutLegend(legendItems, left, right) : null;
  const legendH = layout ? layout.height : 0;
  const top = TOP_PAD + legendH;
  const H = Math.max(H0, top + (isNum(opts.minPlotHeight) ? opts.minPlotHeight : MIN_PLOT_H) + bottom);
  return { W, H, rect: { left, top, right, bottom: H - bottom }, legend: layout ? legendMarkup(layout, TOP_PAD) : '' };
}

function svg(f: Frame, kind: string, label: string, body: string[]): Markup {
  const W = px(f.W);
  const H = px(f.H);
  return raw(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}" font-family="inherit" fill="${INK}">` +
      body.join('') +
      f.legend +
      '</svg>',
  );
}

const ariaLabel = (opts: ChartOptions, fallback: string) => opts.label ?? fallback;
const colorOf = (c: string | undefined, i: number) => (c && c.trim() ? c : seriesColor(i));
const minMax = (vs: number[]): [number, number] | null => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vs) {
    if (!isNum(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
};
const validDomain = (d: [number, number] | undefined): d is [number, number] => !!d && isNum(d[0]) && isNum(d[1]) && d[1] > d[0];
const inside = (r: Rect, x: number, y: number) => x >= r.left - 1e-6 && x <= r.right + 1e-6 && y >= r.top - 1e-6 && y <= r.bottom + 1e-6;

function polylinesMarkup(lines: [number, number][][], cls: string, color: string, width: number, dashed: boolean): string {
  const dash = dashed ? ' stroke-dasharray="5 4"' : '';
  return lines
    .map(
      (pts) =>
        `<polyline class="${cls}" points="${pointsAttr(pts)}" fill="none" stroke="${escapeHtml(color)}" stroke-width="${width}" stroke-linejoin="round"${dash}/>`,
    )
    .join('');
}

/** The y = x line across the plot (clipped to it), dashed. */
function diagonalMarkup(r: Rect, xs: Scale, ys: Scale, xd: [number, number], yd: [number, number]): string {
  const lo = Math.max(xd[0], yd[0]);
  const hi = Math.min(xd[1], yd[1]);
  if (!(hi > lo)) return '';
  const lines = clipPolylines(
    [
      [xs(lo), ys(lo)],
      [xs(hi), ys(hi)],
    ],
    r,
  );
  return polylinesMarkup(lines, 'diagonal', '#888888', 1, true);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Histogram

export interface HistogramSpec {
  /** Bin edges: counts.length + 1 ascending values. */
  edges: number[];
  counts: number[];
  xLabel?: string;
  yLabel?: string;
  color?: string;
}

/** Activation histogram: a bar per bin from edges[i] to edges[i+1], height = count (x = activation, y = images). */
export function histogramSvg(spec: HistogramSpec, opts: ChartOptions = {}): Markup {
  const xLabel = spec.xLabel ?? 'activation';
  const yLabel = spec.yLabel ?? 'images';
  const bins: { x0: number; x1: number; n: number }[] = [];
  for (let i = 0; i < spec.counts.length && i + 1 < spec.edges.length; i++) {
    const [x0, x1, n] = [spec.edges[i], spec.edges[i + 1], spec.counts[i]];
    if (isNum(x0) && isNum(x1) && isNum(n) && x1 > x0 && n > 0) bins.push({ x0, x1, n });
  }
  const edgeRange = minMax(spec.edges.filter(isNum)) ?? [0, 1];
  const xt = linearTicks(edgeRange[0], edgeRange[1], 6, false);
  const yt = linearTicks(0, Math.max(1, ...bins.map((b) => b.n)), 5, true);
  const left = leftMargin(yt.ticks, formatTick, true);
  const f = frame(opts, left, null);
  const r = f.rect;
  const xs = linearScale(xt.domain, [r.left, r.right]);
  const ys = linearScale(yt.domain, [r.bottom, r.top]);
  const color = escapeHtml(colorOf(spec.color, 0));
  const bars = bins.map((b) => {
    const x = xs(b.x0);
    const w = Math.max(0.5, xs(b.x1) - x - (xs(b.x1) - x > 3 ? 1 : 0));
    const y = ys(b.n);
    return `<rect class="bar" x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(r.bottom - y)}" fill="${color}" stroke="none"/>`;
  });
  const yAxis = { ticks: yt.ticks, scale: ys, format: formatTick, title: yLabel };
  const xAxis = { ticks: xt.ticks, scale: xs, format: formatTick, title: xLabel };
  return svg(f, 'histogram', ariaLabel(opts, `Histogram of ${xLabel}`), [gridMarkup(r, yAxis), ...bars, axesMarkup(r, yAxis, xAxis)]);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Scatter

/** The frame, scales, grid and optional y = x line shared by the scatter and line charts. */
function xyPlot(
  opts: ChartOptions,
  spec: { xLabel: string; yLabel: string; legend?: boolean; diagonal?: boolean },
  xt: Ticks,
  yt: Ticks,
  items: LegendItem[],
  xScale: typeof linearScale,
) {
  const f = frame(opts, leftMargin(yt.ticks, formatTick, true), spec.legend === false ? null : items);
  const r = f.rect;
  const xs = xScale(xt.domain, [r.left, r.right]);
  const ys = linearScale(yt.domain, [r.bottom, r.top]);
  const body: string[] = [];
  const yAxis = { ticks: yt.ticks, scale: ys, format: formatTick, title: spec.yLabel };
  const xAxis = { ticks: xt.ticks, scale: xs, format: formatTick, title: spec.xLabel, grid: true };
  body.push(gridMarkup(r, yAxis, xAxis));
  if (spec.diagonal) body.push(diagonalMarkup(r, xs, ys, xt.domain, yt.domain));
  return { f, r, xs, ys, body, yAxis, xAxis };
}

export interface ScatterSeries {
  name: string;
  color?: string;
  points: [number | null, number | null][];
}

/** A quadratic fit y = a x^2 + b x + c, the convention of numeric/ablation/aggregate.ts quadraticFit (a QuadraticFit fits here as is). */
export interface ScatterFit {
  name: string;
  color?: string;
  a: number;
  b: number;
  c: number;
  /** x range the curve is drawn over; default the x range of all points. */
  xRange?: [number, number];
}

export interface ScatterSpec {
  series: ScatterSeries[];
  fits?: ScatterFit[];
  /** Draw y = x dashed. */
  diagonal?: boolean;
  xLabel: string;
  yLabel: string;
  legend?: boolean;
  /** Fixed axis domains; default nice domains around the data. Points outside a fixed domain are left out. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

const FIT_SAMPLES = 64;

/** Scatter of one or more series, with optional quadratic fit curves and the y = x diagonal. */
export function scatterSvg(spec: ScatterSpec, opts: ChartOptions = {}): Markup {
  const fits = (spec.fits ?? []).filter((q) => isNum(q.a) && isNum(q.b) && isNum(q.c));
  const pts = spec.series.map((s) => s.points.filter((p): p is [number, number] => Array.isArray(p) && isNum(p[0]) && isNum(p[1])));
  const all = pts.flat();
  const dataX = minMax(all.map((p) => p[0]));
  const dataY = minMax(all.map((p) => p[1]));
  const fitX = (q: ScatterFit): [number, number] | null => (validDomain(q.xRange) ? q.xRange : dataX);
  const xr = minMax([...(dataX ?? []), ...fits.flatMap((q) => fitX(q) ?? [])]) ?? [0, 1];
  const yr = dataY ?? [0, 1];
  const xt = validDomain(spec.xDomain) ? linearTicks(spec.xDomain[0], spec.xDomain[1], 6, false) : linearTicks(xr[0], xr[1], 6, true);
  const yt = validDomain(spec.yDomain) ? linearTicks(spec.yDomain[0], spec.yDomain[1], 5, false) : linearTicks(yr[0], yr[1], 5, true);
  const items: LegendItem[] = [
    ...spec.series.map((s, i) => ({ name: s.name, color: colorOf(s.color, i), swatch: 'point' as const })),
    ...fits.map((q, i) => ({ name: q.name, color: colorOf(q.color, i), swatch: 'line' as const })),
  ];
  const { f, r, xs, ys, body, yAxis, xAxis } = xyPlot(opts, spec, xt, yt, items, linearScale);
  spec.series.forEach((s, i) => {
    const c = escapeHtml(colorOf(s.color, i));
    const circles = pts[i]
      .map(([x, y]) => [xs(x), ys(y)] as const)
      .filter(([x, y]) => inside(r, x, y))
      .map(([x, y]) => `<circle class="point" cx="${px(x)}" cy="${px(y)}" r="3" fill="${c}" fill-opacity="0.7" stroke="none"/>`);
    body.push(`<g class="series series-${i}">${circles.join('')}</g>`);
  });
  fits.forEach((q, i) => {
    const range = fitX(q);
    if (!range) return;
    const [x0, x1] = range;
    const samples: [number, number][] = [];
    const n = x1 > x0 ? FIT_SAMPLES : 0;
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / FIT_SAMPLES;
      samples.push([xs(x), ys(q.a * x * x + q.b * x + q.c)]);
    }
    body.push(polylinesMarkup(clipPolylines(samples, r), `fit fit-${i}`, colorOf(q.color, i), 2, false));
  });
  body.push(axesMarkup(r, yAxis, xAxis));
  return svg(f, 'scatter', ariaLabel(opts, `${spec.yLabel} vs ${spec.xLabel}`), body);
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Area

export interface AreaSeries {
  name: string;
  color?: string;
  /** One value per category; non-finite values count as 0 when stacked and leave a gap when not. */
  values: number[];
}

export interface AreaSpec {
  /** The x buckets, left to right. */
  categories: string[];
  series: AreaSeries[];
  /** Stack the series (shares that sum to 1 fill the plot to 100%); otherwise overlaid translucent areas. */
  stacked: boolean;
  yFormat: 'percent' | 'number';
  xLabel: string;
  yLabel: string;
  /** Shown unless false; wraps into rows above the plot (the chart grows taller for a long one). */
  legend?: boolean;
}

const CAT_LABEL_MAX = 16;

/** Area chart over categorical buckets, stacked (share of each class per activation bucket) or overlaid. */
export function areaSvg(spec: AreaSpec, opts: ChartOptions = {}): Markup {
  const n = spec.categories.length;
  const val = (s: AreaSeries, j: number) => (isNum(s.values[j]) ? s.values[j] : null);
  // cum[i][j]: the top of series i at category j when stacked
  const cum: number[][] = [];
  if (spec.stacked) {
    const run = new Array<number>(n).fill(0);
    for (const s of spec.series) {
      for (let j = 0; j < n; j++) run[j] += val(s, j) ?? 0;
      cum.push(run.slice());
    }
  }
  const values = spec.stacked ? (cum[cum.length - 1] ?? []) : spec.series.flatMap((s) => spec.categories.map((_, j) => val(s, j) ?? NaN));
  const mm = minMax(values);
  const lo = Math.min(0, mm ? mm[0] : 0);
  let hi = mm ? mm[1] : 1;
  if (spec.yFormat === 'percent' && spec.stacked) hi = Math.max(hi, 1);
  if (hi <= lo) hi = lo + 1;
  const yt = linearTicks(lo, hi, 5, true);
  const fmt = spec.yFormat === 'percent' ? formatPercent : formatTick;
  const items: LegendItem[] = spec.series.map((s, i) => ({ name: s.name, color: colorOf(s.color, i), swatch: 'box' }));
  const f = frame(opts, leftMargin(yt.ticks, fmt, true), spec.legend === false ? null : items);
  const r = f.rect;
  const ys = linearScale(yt.domain, [r.bottom, r.top]);
  // Category j at x: evenly spread over the plot; a single category spans it.
  const xOf = (j: number) => (n <= 1 ? (r.left + r.right) / 2 : r.left + ((r.right - r.left) * j) / (n - 1));
  const cols = n === 1 ? [r.left, r.right] : null;
  const body: string[] = [];
  const yAxis = { ticks: yt.ticks, scale: ys, format: fmt, title: spec.yLabel };
  body.push(gridMarkup(r, yAxis));
  spec.series.forEach((s, i) => {
    const c = escapeHtml(colorOf(s.color, i));
    const paths: string[] = [];
    const polygon = (top: [number, number][], bottom: [number, number][]) => {
      const pts = [...top, ...bottom.slice().reverse()];
      return `M${pts.map(([x, y]) => `${px(x)},${px(y)}`).join('L')}Z`;
    };
    const widen = (pts: [number, number][]) =>
      cols ? [[cols[0], pts[0][1]] as [number, number], [cols[1], pts[0][1]] as [number, number]] : pts;
    if (spec.stacked) {
      if (n === 0) return;
      const top = spec.categories.map((_, j) => [xOf(j), ys(cum[i][j])] as [number, number]);
      const bottom = spec.categories.map((_, j) => [xOf(j), ys(i === 0 ? 0 : cum[i - 1][j])] as [number, number]);
      paths.push(polygon(widen(top), widen(bottom)));
      body.push(`<path class="area series-${i}" d="${paths.join('')}" fill="${c}" fill-opacity="0.85" stroke="${c}" stroke-width="0.5"/>`);
    } else {
      // one polygon per run of finite values
      const runs: [number, number][][] = [];
      let cur: [number, number][] = [];
      for (let j = 0; j < n; j++) {
        const v = val(s, j);
        if (v === null) {
          if (cur.length) runs.push(cur);
          cur = [];
        } else cur.push([xOf(j), ys(v)]);
      }
      if (cur.length) runs.push(cur);
      const y0 = ys(Math.max(yt.domain[0], 0));
      const tops = runs.map((run) => (run.length === 1 && cols ? widen(run) : run));
      for (const top of tops)
        paths.push(
          polygon(
            top,
            top.map(([x]) => [x, y0] as [number, number]),
          ),
        );
      body.push(
        `<g class="series series-${i}"><path class="area" d="${paths.join('')}" fill="${c}" fill-opacity="0.2" stroke="none"/>` +
          polylinesMarkup(
            tops.filter((t) => t.length >= 2),
            'line',
            colorOf(s.color, i),
            1.5,
            false,
          ) +
          '</g>',
      );
    }
  });
  // categorical x labels, centred on their bucket, kept inside the chart; one is left out when it would touch the last shown
  const xt: string[] = [];
  let lastEnd = -Infinity;
  for (let j = 0; j < n; j++) {
    const label = fitText(String(spec.categories[j]), TICK_FONT, textWidth('x'.repeat(CAT_LABEL_MAX), TICK_FONT));
    const w = textWidth(label, TICK_FONT);
    const x = Math.min(Math.max(xOf(j), w / 2 + 2), f.W - w / 2 - 2);
    if (x - w / 2 < lastEnd + 8) continue;
    lastEnd = x + w / 2;
    xt.push(line(xOf(j), r.bottom, xOf(j), r.bottom + 4, 'tick-mark', AXIS));
    xt.push(text(x, r.bottom + 16, label, 'tick x-tick', { anchor: 'middle' }));
  }
  body.push(axesMarkup(r, yAxis, undefined, spec.xLabel), ...xt);
  return svg(f, 'area', ariaLabel(opts, `${spec.yLabel} by ${spec.xLabel}`), body);
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Line

export interface LineSeries {
  name: string;
  color?: string;
  /** One value per x; null or non-finite leaves a gap. */
  values: (number | null)[];
  dashed?: boolean;
}

export interface LineSpec {
  x: number[];
  series: LineSeries[];
  /** Log-10 x axis (x <= 0 is left out). */
  logX?: boolean;
  xLabel: string;
  yLabel: string;
  /** Fixed y domain (e.g. [0, 1]); lines leaving it are clipped. Default: nice domain around the values. */
  yDomain?: [number, number];
  /** Fixed x domain; default: around the x values (whole decades on a log axis). */
  xDomain?: [number, number];
  markers?: boolean;
  /** Draw y = x dashed (reliability diagrams). */
  diagonal?: boolean;
  legend?: boolean;
}

/** Line chart: Top Impact curves (log beta axis) and reliability diagrams (with the diagonal, domain [0, 1]). */
export function lineSvg(spec: LineSpec, opts: ChartOptions = {}): Markup {
  const okX = (v: number) => isNum(v) && (!spec.logX || v > 0);
  const xr = minMax(spec.x.filter(okX));
  const fixedX = validDomain(spec.xDomain) && (!spec.logX || spec.xDomain[0] > 0);
  const xt = spec.logX
    ? fixedX
      ? { ...logTicks(spec.xDomain![0], spec.xDomain![1]), domain: spec.xDomain! }
      : logTicks(xr ? xr[0] : 1, xr ? xr[1] : 10)
    : fixedX
      ? linearTicks(spec.xDomain![0], spec.xDomain![1], 6, false)
      : linearTicks(xr ? xr[0] : 0, xr ? xr[1] : 1, 6, true);
  if (spec.logX && fixedX) xt.ticks = xt.ticks.filter((t) => t >= xt.domain[0] * (1 - 1e-9) && t <= xt.domain[1] * (1 + 1e-9));
  const ys0 = spec.series.flatMap((s) => spec.x.map((x, j) => (okX(x) && isNum(s.values[j]) ? (s.values[j] as number) : NaN)));
  const yr = minMax(ys0) ?? [0, 1];
  const yt = validDomain(spec.yDomain) ? linearTicks(spec.yDomain[0], spec.yDomain[1], 5, false) : linearTicks(yr[0], yr[1], 5, true);
  const items: LegendItem[] = spec.series.map((s, i) => ({
    name: s.name,
    color: colorOf(s.color, i),
    swatch: s.dashed ? 'dashed' : 'line',
  }));
  const { f, r, xs, ys, body, yAxis, xAxis } = xyPlot(opts, spec, xt, yt, items, spec.logX ? logScale : linearScale);
  spec.series.forEach((s, i) => {
    const color = colorOf(s.color, i);
    const pts = spec.x.map((x, j): [number, number] | null => {
      const v = s.values[j];
      return okX(x) && isNum(v) ? [xs(x), ys(v)] : null;
    });
    let g = polylinesMarkup(clipPolylines(pts, r), 'line', color, 2, !!s.dashed);
    if (spec.markers) {
      const c = escapeHtml(color);
      g += pts
        .filter((p): p is [number, number] => p !== null && inside(r, p[0], p[1]))
        .map(([x, y]) => `<circle class="marker" cx="${px(x)}" cy="${px(y)}" r="3" fill="${c}" stroke="#ffffff" stroke-width="1"/>`)
        .join('');
    }
    body.push(`<g class="series series-${i}">${g}</g>`);
  });
  body.push(axesMarkup(r, yAxis, xAxis));
  return svg(f, 'line', ariaLabel(opts, `${spec.yLabel} vs ${spec.xLabel}`), body);
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Grouped bars

export interface BarSeries {
  name: string;
  color?: string;
  /** One value per group; null or non-finite draws no bar. */
  values: (number | null)[];
  /** Standard errors: a whisker value ± error, when finite and >= 0. */
  errors?: (number | null)[];
}

export interface BarSpec {
  groups: string[];
  series: BarSeries[];
  yLabel: string;
  xLabel?: string;
  legend?: boolean;
}

/** Grouped bars with ± standard-error whiskers (per-method mean scores). */
export function barSvg(spec: BarSpec, opts: ChartOptions = {}): Markup {
  const nG = spec.groups.length;
  const nS = Math.max(1, spec.series.length);
  const errOf = (s: BarSeries, j: number) => {
    const e = s.errors?.[j];
    return isNum(e) && e >= 0 ? e : null;
  };
  const extent: number[] = [0];
  for (const s of spec.series)
    for (let j = 0; j < nG; j++) {
      const v = s.values[j];
      if (!isNum(v)) continue;
      const e = errOf(s, j) ?? 0;
      extent.push(v - e, v + e);
    }
  const [lo, hi] = minMax(extent) ?? [0, 1];
  const yt = linearTicks(lo, hi === lo ? lo + 1 : hi, 5, true);
  const items: LegendItem[] = spec.series.map((s, i) => ({ name: s.name, color: colorOf(s.color, i), swatch: 'box' }));
  const f = frame(opts, leftMargin(yt.ticks, formatTick, true), spec.legend === false ? null : items, spec.xLabel ? BOTTOM_MARGIN : 30);
  const r = f.rect;
  const ys = linearScale(yt.domain, [r.bottom, r.top]);
  const band = (r.right - r.left) / Math.max(1, nG);
  const inner = (band * 0.8) / nS;
  const body: string[] = [];
  const yAxis = { ticks: yt.ticks, scale: ys, format: formatTick, title: spec.yLabel };
  body.push(gridMarkup(r, yAxis));
  const y0 = ys(Math.min(Math.max(0, yt.domain[0]), yt.domain[1]));
  spec.series.forEach((s, i) => {
    const color = escapeHtml(colorOf(s.color, i));
    const parts: string[] = [];
    for (let j = 0; j < nG; j++) {
      const v = s.values[j];
      if (!isNum(v)) continue;
      const x = r.left + band * j + band * 0.1 + inner * i;
      const yv = ys(v);
      const w = Math.max(0.5, inner - (inner > 4 ? 1 : 0));
      parts.push(
        `<rect class="bar" x="${px(x)}" y="${px(Math.min(yv, y0))}" width="${px(w)}" height="${px(Math.abs(y0 - yv))}" fill="${color}" stroke="none"/>`,
      );
      const e = errOf(s, j);
      if (e !== null && e > 0) {
        const cx = x + w / 2;
        const cap = Math.min(4, w / 3);
        const [t, b] = [ys(v + e), ys(v - e)];
        parts.push(
          `<g class="whisker">` +
            line(cx, t, cx, b, 'whisker-line', INK) +
            line(cx - cap, t, cx + cap, t, 'whisker-cap', INK) +
            line(cx - cap, b, cx + cap, b, 'whisker-cap', INK) +
            '</g>',
        );
      }
    }
    body.push(`<g class="series series-${i}">${parts.join('')}</g>`);
  });
  if (yt.domain[0] < 0) body.push(line(r.left, y0, r.right, y0, 'zero', AXIS));
  const labels: string[] = [];
  spec.groups.forEach((g, j) => {
    const cx = r.left + band * (j + 0.5);
    labels.push(text(cx, r.bottom + 16, fitText(String(g), TICK_FONT, Math.max(band - 4, 20)), 'tick x-tick', { anchor: 'middle' }));
  });
  body.push(axesMarkup(r, yAxis, undefined, spec.xLabel), ...labels);
  return svg(f, 'bar', ariaLabel(opts, `${spec.yLabel} by ${spec.xLabel ?? 'group'}`), body);
}
