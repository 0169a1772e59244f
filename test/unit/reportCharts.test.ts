import { describe, expect, it } from 'vitest';
import { formatPercent, formatTick, linearTicks, logTicks } from '../../src/main/core/platform/report/axes';
import { areaSvg, barSvg, histogramSvg, lineSvg, scatterSvg } from '../../src/main/core/platform/report/charts';
import { PALETTE, seriesColor } from '../../src/shared/colors';

// A tiny SVG reader: the attributes of every <tag ...> (the charts write attributes as name="value", no nesting quirks).
type Attrs = Record<string, string>;
function elements(svg: string, tag: string): Attrs[] {
  const out: Attrs[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag}\\b([^>]*?)/?>`, 'g'))) {
    const a: Attrs = {};
    for (const kv of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) a[kv[1]] = kv[2];
    out.push(a);
  }
  return out;
}
const hasClass = (a: Attrs, c: string) => (a.class ?? '').split(/\s+/).includes(c);
const num = (a: Attrs, k: string) => Number(a[k]);
const pairs = (s: string): [number, number][] =>
  s
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number) as [number, number]);
/** The plot rectangle, read from the two axis lines (left: vertical, bottom: horizontal). */
function plotRect(svg: string) {
  const axes = elements(svg, 'line').filter((a) => hasClass(a, 'axis'));
  const v = axes.find((a) => a.x1 === a.x2)!;
  const h = axes.find((a) => a.y1 === a.y2)!;
  return { left: num(v, 'x1'), top: num(v, 'y1'), bottom: num(v, 'y2'), right: num(h, 'x2') };
}
const svgSize = (svg: string) => {
  const a = elements(svg, 'svg')[0];
  return { w: num(a, 'width'), h: num(a, 'height'), viewBox: a.viewBox };
};
const clean = (svg: string) => {
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  expect(svg).not.toMatch(/\sstyle=/);
};

describe('tick formatting and nice ticks', () => {
  it('formats 3 significant digits, exponent form outside [1e-2, 1e4)', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.5)).toBe('0.5');
    expect(formatTick(1234)).toBe('1230');
    expect(formatTick(0.0123)).toBe('0.0123');
    expect(formatTick(12345)).toBe('1.23e4');
    expect(formatTick(20000)).toBe('2e4');
    expect(formatTick(0.001)).toBe('1e-3');
    expect(formatTick(-0.00025)).toBe('-2.5e-4');
    expect(formatTick(0.1 + 0.2)).toBe('0.3');
    expect(formatPercent(0.25)).toBe('25%');
    expect(formatPercent(1)).toBe('100%');
  });

  it('uses 1/2/5 x 10^k steps and widens to them', () => {
    expect(linearTicks(0, 0.93)).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(linearTicks(3, 47)).toEqual({ domain: [0, 50], ticks: [0, 10, 20, 30, 40, 50] });
    expect(linearTicks(-0.3, 0.3, 5).ticks).toEqual([-0.4, -0.2, 0, 0.2, 0.4]);
    // a fixed domain keeps its ends; only the ticks inside it
    expect(linearTicks(0.05, 0.95, 5, false)).toEqual({ domain: [0.05, 0.95], ticks: [0.2, 0.4, 0.6, 0.8] });
    // a sum that is 1 up to rounding stays on 1
    expect(linearTicks(0, 1.0000000000000002).domain).toEqual([0, 1]);
    expect(logTicks(1e-4, 1)).toEqual({ domain: [1e-4, 1], ticks: [1e-4, 1e-3, 1e-2, 0.1, 1] });
  });
});

describe('scatterSvg', () => {
  it('puts points at the expected pixels on a known domain', () => {
    const svg = scatterSvg(
      {
        series: [
          {
            name: 'a',
            points: [
              [0, 0],
              [1, 1],
              [0.5, 0.25],
            ],
          },
        ],
        xLabel: 'x',
        yLabel: 'y',
        legend: false,
        xDomain: [0, 1],
        yDomain: [0, 1],
      },
      { width: 640, height: 300 },
    ).text;
    clean(svg);
    expect(svgSize(svg)).toEqual({ w: 640, h: 300, viewBox: '0 0 640 300' });
    // left margin: widest y label "0.2" (3 chars x 11px x 0.6 = 20) + 12 + the y title 22 = 54; right 640 - 16;
    // top 10 (no legend); bottom 300 - 46
    expect(plotRect(svg)).toEqual({ left: 54, top: 10, right: 624, bottom: 254 });
    const c = elements(svg, 'circle').filter((a) => hasClass(a, 'point'));
    expect(c.map((a) => [num(a, 'cx'), num(a, 'cy')])).toEqual([
      [54, 254],
      [624, 10],
      [54 + 570 * 0.5, 254 - 244 * 0.25],
    ]);
    expect(c[0].fill).toBe(seriesColor(0));
  });

  it('draws fits as y = a x^2 + b x + c (the quadraticFit convention) over the data x range', () => {
    const fit = { name: 'fit', a: 0.42, b: -0.1, c: 0.0057 };
    const svg = scatterSvg({
      series: [
        {
          name: 's',
          points: [
            [-0.5, 0.2],
            [0, 0],
            [0.8, 0.3],
          ],
        },
      ],
      fits: [fit],
      xLabel: 'correlation',
      yLabel: 'ablation',
      xDomain: [-1, 1],
      yDomain: [-0.2, 0.6],
    }).text;
    clean(svg);
    const r = plotRect(svg);
    const poly = elements(svg, 'polyline').filter((a) => hasClass(a, 'fit'));
    expect(poly).toHaveLength(1);
    const pts = pairs(poly[0].points);
    expect(pts.length).toBe(65);
    const toX = (px: number) => -1 + ((px - r.left) / (r.right - r.left)) * 2;
    const toY = (py: number) => -0.2 + ((r.bottom - py) / (r.bottom - r.top)) * 0.8;
    // from the data's min x to its max x
    expect(toX(pts[0][0])).toBeCloseTo(-0.5, 2);
    expect(toX(pts[pts.length - 1][0])).toBeCloseTo(0.8, 2);
    for (const [px, py] of pts) {
      const x = toX(px);
      expect(toY(py)).toBeCloseTo(fit.a * x * x + fit.b * x + fit.c, 2);
    }
  });

  it('skips null and non-finite points and fits with NaN coefficients', () => {
    const svg = scatterSvg({
      series: [
        {
          name: 's',
          points: [
            [null, 1],
            [1, null],
            [NaN, 2],
            [Infinity, 3],
            [1, 2],
            [3, 3],
          ],
        },
      ],
      fits: [{ name: 'bad', a: NaN, b: 1, c: 0 }],
      diagonal: true,
      xLabel: 'x',
      yLabel: 'y',
    }).text;
    clean(svg);
    expect(elements(svg, 'circle').filter((a) => hasClass(a, 'point'))).toHaveLength(2);
    expect(elements(svg, 'polyline').filter((a) => hasClass(a, 'fit'))).toHaveLength(0);
    expect(elements(svg, 'polyline').filter((a) => hasClass(a, 'diagonal'))).toHaveLength(1);
  });

  it('draws the dashed diagonal on y = x', () => {
    const svg = scatterSvg({
      series: [
        {
          name: 's',
          points: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
      diagonal: true,
      xLabel: 'true',
      yLabel: 'simulated',
      xDomain: [0, 1],
      yDomain: [0, 1],
      legend: false,
    }).text;
    const r = plotRect(svg);
    const d = elements(svg, 'polyline').find((a) => hasClass(a, 'diagonal'))!;
    expect(d['stroke-dasharray']).toBeTruthy();
    expect(pairs(d.points)).toEqual([
      [r.left, r.bottom],
      [r.right, r.top],
    ]);
  });
});

describe('histogramSvg', () => {
  it('draws a bar per bin, height proportional to its count, spanning its edges', () => {
    const svg = histogramSvg({ edges: [0, 1, 2, 3, 4], counts: [10, 20, 5, 0] }).text;
    clean(svg);
    const r = plotRect(svg);
    const bars = elements(svg, 'rect').filter((a) => hasClass(a, 'bar'));
    expect(bars).toHaveLength(3); // the empty bin draws nothing
    const h = bars.map((b) => num(b, 'height'));
    expect(h[1] / h[0]).toBeCloseTo(2, 2);
    expect(h[2] / h[0]).toBeCloseTo(0.5, 2);
    // y axis 0..20: the 20-image bar reaches the top; every bar stands on the x axis
    expect(num(bars[1], 'y')).toBe(r.top);
    for (const b of bars) expect(num(b, 'y') + num(b, 'height')).toBeCloseTo(r.bottom, 1);
    // x domain is the edges: bin 0 starts at the left, bin 2 at 2/4 of the width
    expect(num(bars[0], 'x')).toBe(r.left);
    expect(num(bars[2], 'x')).toBeCloseTo(r.left + (r.right - r.left) / 2, 1);
    expect(svg).toContain('>activation</text>');
    expect(svg).toContain('>images</text>');
  });

  it('survives junk: NaN edges/counts, empty input', () => {
    clean(histogramSvg({ edges: [0, NaN, 2, 3], counts: [1, 2, Infinity] }).text);
    clean(histogramSvg({ edges: [], counts: [] }).text);
    clean(histogramSvg({ edges: [5, 5], counts: [3] }).text);
  });
});

describe('areaSvg', () => {
  const shares = {
    categories: ['0–0.1', '0.1–0.2', '0.2–0.3'],
    series: [
      { name: 'cat', values: [0.5, 0.2, 0.1] },
      { name: 'dog', values: [0.3, 0.3, 0.1] },
      { name: 'car', values: [0.2, 0.5, 0.8] },
    ],
    stacked: true,
    yFormat: 'percent' as const,
    xLabel: 'activation',
    yLabel: 'share of images',
    legend: true as const,
  };

  it('stacks shares: the top edge of the last series is at 100%', () => {
    const svg = areaSvg(shares).text;
    clean(svg);
    const r = plotRect(svg);
    const paths = elements(svg, 'path').filter((a) => hasClass(a, 'area'));
    expect(paths).toHaveLength(3);
    const poly = (d: string) => pairs(d.replace(/^M/, '').replace(/Z$/, '').split('L').join(' '));
    const last = poly(paths[2].d);
    // top edge: the first 3 points, left to right at the categories
    expect(last.slice(0, 3)).toEqual([
      [r.left, r.top],
      [(r.left + r.right) / 2, r.top],
      [r.right, r.top],
    ]);
    // the first series' top edge: 50%, 20%, 10% of the height; its bottom is the axis
    const first = poly(paths[0].d);
    const yAt = (share: number) => Math.round((r.bottom - share * (r.bottom - r.top)) * 100) / 100;
    expect(first.slice(0, 3).map((p) => p[1])).toEqual([yAt(0.5), yAt(0.2), yAt(0.1)]);
    expect(first.slice(3).map((p) => p[1])).toEqual([r.bottom, r.bottom, r.bottom]);
    // the second series sits on the first
    expect(
      poly(paths[1].d)
        .slice(3)
        .map((p) => p[1]),
    ).toEqual([yAt(0.1), yAt(0.2), yAt(0.5)]);
    expect(svg).toContain('>100%</text>');
    expect(elements(svg, 'path')[0].fill).toBe(seriesColor(0));
  });

  it('wraps a long legend into rows above the plot and grows the chart to fit', () => {
    const names = Array.from({ length: 30 }, (_, i) => `a rather long class name number ${i}`);
    const svg = areaSvg(
      {
        ...shares,
        series: names.map((name) => ({ name, values: [1 / 30, 1 / 30, 1 / 30] })),
      },
      { width: 640, height: 300 },
    ).text;
    clean(svg);
    const r = plotRect(svg);
    const { w, h } = svgSize(svg);
    expect(w).toBe(640);
    expect(h).toBeGreaterThan(300);
    expect(r.bottom - r.top).toBeGreaterThanOrEqual(140);
    const labels = elements(svg, 'text').filter((a) => hasClass(a, 'legend-label'));
    expect(labels).toHaveLength(30);
    const rows = new Set(labels.map((a) => a.y));
    expect(rows.size).toBeGreaterThan(3);
    for (const a of labels) {
      expect(num(a, 'y')).toBeLessThan(r.top);
      // within the width: start + estimated text width
      const name = names[labels.indexOf(a)];
      expect(num(a, 'x') + name.length * 11 * 0.6).toBeLessThanOrEqual(640);
    }
  });

  it('overlays unstacked series with gaps at non-finite values', () => {
    const svg = areaSvg({
      categories: ['a', 'b', 'c', 'd'],
      series: [{ name: 'P(dog)', values: [0.1, NaN, 0.3, 0.4] }],
      stacked: false,
      yFormat: 'number',
      xLabel: 'activation',
      yLabel: 'P',
      legend: true,
    }).text;
    clean(svg);
    const area = elements(svg, 'path').find((a) => hasClass(a, 'area'))!;
    expect(area.d.match(/M/g)).toHaveLength(2); // two runs: [a], [c, d]
    expect(elements(svg, 'polyline').filter((a) => hasClass(a, 'line'))).toHaveLength(1);
  });
});

describe('lineSvg', () => {
  it('places 1e-3 halfway between 1e-4 and 1e-2 on a log axis', () => {
    const svg = lineSvg({
      x: [1e-4, 1e-3, 1e-2, 1e-1, 1],
      series: [{ name: 'top impact', values: [0.1, 0.2, 0.3, 0.4, 0.5] }],
      logX: true,
      markers: true,
      xLabel: 'beta',
      yLabel: 'score',
    }).text;
    clean(svg);
    const r = plotRect(svg);
    const m = elements(svg, 'circle').filter((a) => hasClass(a, 'marker'));
    const xs = m.map((a) => num(a, 'cx'));
    expect(xs[1] - xs[0]).toBeCloseTo(xs[2] - xs[1], 1);
    expect(xs[0]).toBe(r.left);
    expect(xs[4]).toBe(r.right);
    expect(xs[1]).toBeCloseTo(r.left + (r.right - r.left) / 4, 1);
    const ticks = elements(svg, 'text').filter((a) => hasClass(a, 'x-tick'));
    expect(ticks).toHaveLength(5);
    expect(svg).toMatch(/>1e-4<\/text>[\s\S]*>1e-3<\/text>[\s\S]*>0\.01<\/text>[\s\S]*>0\.1<\/text>[\s\S]*>1<\/text>/);
  });

  it('breaks lines at nulls, clips to a fixed domain, and draws the reliability diagonal', () => {
    const svg = lineSvg({
      x: [0.05, 0.15, 0.25, 0.35, 0.45],
      series: [
        { name: 'before', values: [0.1, null, 0.3, NaN, 0.5] },
        { name: 'after', values: [0.05, 0.15, 0.25, 1.5, 0.45], dashed: true },
      ],
      xLabel: 'mean predicted',
      yLabel: 'observed',
      xDomain: [0, 1],
      yDomain: [0, 1],
      diagonal: true,
      markers: true,
    }).text;
    clean(svg);
    const r = plotRect(svg);
    const s0 = svg.match(/<g class="series series-0">([\s\S]*?)<\/g>/)![1];
    expect(elements(s0, 'polyline')).toHaveLength(0); // no two consecutive finite points
    expect(elements(s0, 'circle')).toHaveLength(3);
    const s1 = svg.match(/<g class="series series-1">([\s\S]*?)<\/g>/)![1];
    const lines = elements(s1, 'polyline');
    expect(lines[0]['stroke-dasharray']).toBeTruthy();
    for (const l of lines)
      for (const [x, y] of pairs(l.points)) {
        expect(y).toBeGreaterThanOrEqual(r.top);
        expect(y).toBeLessThanOrEqual(r.bottom);
        expect(x).toBeGreaterThanOrEqual(r.left);
      }
    expect(elements(s1, 'circle')).toHaveLength(4); // the out-of-domain point has no marker
    const d = elements(svg, 'polyline').find((a) => hasClass(a, 'diagonal'))!;
    expect(pairs(d.points)).toEqual([
      [r.left, r.bottom],
      [r.right, r.top],
    ]);
  });
});

describe('barSvg', () => {
  it('groups bars per series with ± standard-error whiskers', () => {
    const svg = barSvg({
      groups: ['optim', 'norm'],
      series: [
        { name: 'mean', values: [0.4, 0.2], errors: [0.1, null] },
        { name: 'other', values: [null, 0.3] },
      ],
      yLabel: 'score',
    }).text;
    clean(svg);
    const r = plotRect(svg);
    const bars = elements(svg, 'rect').filter((a) => hasClass(a, 'bar'));
    expect(bars).toHaveLength(3);
    // y domain 0..0.5 (0.4 + 0.1): heights are value / 0.5 of the plot
    const H = r.bottom - r.top;
    expect(num(bars[0], 'height')).toBeCloseTo(0.8 * H, 1);
    expect(num(bars[1], 'height')).toBeCloseTo(0.4 * H, 1);
    expect(num(bars[2], 'height')).toBeCloseTo(0.6 * H, 1);
    // series 0 of group 1 sits left of series 1 of group 1, both in the right half
    expect(num(bars[1], 'x')).toBeLessThan(num(bars[2], 'x'));
    expect(num(bars[1], 'x')).toBeGreaterThan((r.left + r.right) / 2);
    const w = elements(svg, 'line').filter((a) => hasClass(a, 'whisker-line'));
    expect(w).toHaveLength(1);
    expect(num(w[0], 'y1')).toBeCloseTo(r.top, 1); // 0.5
    expect(num(w[0], 'y2')).toBeCloseTo(r.bottom - 0.6 * H, 1); // 0.3
    expect(num(w[0], 'x1')).toBeCloseTo(num(bars[0], 'x') + num(bars[0], 'width') / 2, 1);
  });

  it('handles negative means: bars hang from the zero line', () => {
    const svg = barSvg({ groups: ['g'], series: [{ name: 's', values: [-0.2], errors: [0.05] }], yLabel: 'score', legend: false }).text;
    clean(svg);
    const bar = elements(svg, 'rect').find((a) => hasClass(a, 'bar'))!;
    const zero = elements(svg, 'line').find((a) => hasClass(a, 'zero'))!;
    expect(num(bar, 'y')).toBeCloseTo(num(zero, 'y1'), 1);
  });
});

describe('all charts', () => {
  const evil = '<b>&"x"';
  const make = (name: string) => [
    histogramSvg({ edges: [0, 1], counts: [1], xLabel: name, yLabel: name }),
    scatterSvg({
      series: [{ name, points: [[1, 2]] }],
      fits: [{ name, a: 1, b: 0, c: 0 }],
      xLabel: name,
      yLabel: name,
    }),
    areaSvg({ categories: [name, 'b'], series: [{ name, values: [1, 1] }], stacked: true, yFormat: 'percent', xLabel: name, yLabel: name }),
    lineSvg({ x: [1, 2], series: [{ name, values: [1, 2] }], xLabel: name, yLabel: name }),
    barSvg({ groups: [name], series: [{ name, values: [1], errors: [0.1] }], yLabel: name, xLabel: name }),
  ];

  it('escape user text (names, labels, aria-label)', () => {
    for (const m of make(evil)) {
      const svg = m.text;
      expect(svg).not.toContain('<b>');
      expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;');
      expect(svg.match(/^<svg [^>]*>/)![0]).toMatch(/role="img" aria-label="[^"<]*"/);
    }
    expect(lineSvg({ x: [1], series: [{ name: 'a', values: [1] }], xLabel: 'x', yLabel: 'y' }, { label: evil }).text).toContain(
      'aria-label="&lt;b&gt;&amp;&quot;x&quot;"',
    );
    // a colour is attribute text too
    expect(barSvg({ groups: ['g'], series: [{ name: 's', color: '"><script>', values: [1] }], yLabel: 'y' }).text).not.toContain(
      '<script>',
    );
  });

  it('are deterministic, one svg root with the size, no inline styles, no NaN', () => {
    const a = make('cat').map(String);
    const b = make('cat').map(String);
    expect(a).toEqual(b);
    for (const svg of a) {
      clean(svg);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(svg.match(/<svg\b/g)).toHaveLength(1);
      const { w, h, viewBox } = svgSize(svg);
      expect(viewBox).toBe(`0 0 ${w} ${h}`);
      // every coordinate has at most 2 decimals
      for (const n of svg.matchAll(/(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="(-?[\d.]+)"/g)) expect(n[1]).toMatch(/^-?\d+(\.\d{1,2})?$/);
    }
  });

  it('never emit NaN or Infinity for empty or junk input', () => {
    const junk = [NaN, Infinity, -Infinity, null] as (number | null)[];
    const svgs = [
      scatterSvg({ series: [{ name: 's', points: junk.map((v) => [v, v]) }], xLabel: 'x', yLabel: 'y', diagonal: true }),
      scatterSvg({ series: [], xLabel: 'x', yLabel: 'y' }),
      areaSvg({ categories: [], series: [], stacked: true, yFormat: 'percent', xLabel: 'x', yLabel: 'y' }),
      areaSvg({ categories: ['a'], series: [{ name: 's', values: [NaN] }], stacked: false, yFormat: 'number', xLabel: 'x', yLabel: 'y' }),
      lineSvg({ x: [0, -1, NaN, 1], series: [{ name: 's', values: junk }], logX: true, markers: true, xLabel: 'x', yLabel: 'y' }),
      lineSvg({ x: [], series: [], xLabel: 'x', yLabel: 'y' }),
      barSvg({ groups: ['a', 'b'], series: [{ name: 's', values: [NaN, null], errors: [Infinity, -1] }], yLabel: 'y' }),
      barSvg({ groups: [], series: [], yLabel: 'y' }),
    ];
    for (const m of svgs) clean(m.text);
  });
});

describe('shared palette', () => {
  it('is the one the app uses: seriesColor(i) cycles PALETTE', () => {
    expect(seriesColor(0)).toBe('#4c78a8');
    expect(seriesColor(1)).toBe(PALETTE[1]);
    expect(seriesColor(PALETTE.length)).toBe(PALETTE[0]);
  });
});
