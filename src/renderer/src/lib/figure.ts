// A chart on screen as a standalone figure file: its SVG cloned with the computed styles written out as
// presentation attributes (CSS classes and theme variables resolve to real colours), the HTML legend folded
// in, a background and the caption (what the chart shows, of which run / neuron / split) as SVG text.
// PNG: that SVG drawn on a canvas at 2x. Pure DOM, no React; used by components/Figure.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** What a figure says about itself: a title line and detail lines (run, neuron, simulator, split, notes). */
export interface FigureCaption {
  title: string;
  lines?: readonly (string | null | undefined | false)[];
}

export interface BuiltFigure {
  markup: string;
  /** Size of the figure in CSS pixels (the chart plus its caption). */
  width: number;
  height: number;
}

/** Styles that decide how a chart looks, written out on every element. */
const SHAPE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'fill-opacity', 'stroke-opacity'] as const;
const TEXT_PROPS = ['font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline'] as const;
/** Values not worth writing (the SVG defaults). */
const DEFAULTS: Record<string, string> = {
  opacity: '1',
  'fill-opacity': '1',
  'stroke-opacity': '1',
  'stroke-dasharray': 'none',
  'dominant-baseline': 'auto',
  'text-anchor': 'start',
  'font-weight': '400',
};
/** Parts of a live chart that are interaction state, not the figure. */
const DROP = '.recharts-tooltip-cursor, .recharts-active-dot, .recharts-tooltip-wrapper';

/** '4px, 4px' -> '4, 4': plain numbers read the same in every SVG viewer. */
function unitless(v: string): string {
  return v.replace(/(\d)px\b/g, '$1');
}

/** Properties children inherit: written only where they differ from the parent's value. */
const INHERITED = new Set<string>([...SHAPE_PROPS.filter((p) => p !== 'opacity'), ...TEXT_PROPS]);

/**
 * Copy the computed styles of `live` (and its subtree) onto `copy`, a deep clone of it; hidden parts are removed.
 * `parent` is the computed style of `live`'s parent, null at the root of the copy (which gets every value).
 */
function inlineStyles(live: Element, copy: Element, parent: CSSStyleDeclaration | null = null): void {
  const cs = getComputedStyle(live);
  const tag = live.tagName.toLowerCase();
  if (
    cs.display === 'none' ||
    cs.visibility === 'hidden' ||
    live.matches(DROP) ||
    ((tag === 'title' || tag === 'desc') && !live.textContent)
  ) {
    copy.remove();
    return;
  }
  const text = tag === 'text' || tag === 'tspan';
  for (const p of text || !parent ? [...SHAPE_PROPS, ...TEXT_PROPS] : SHAPE_PROPS) {
    const v = cs.getPropertyValue(p).trim();
    const same = parent !== null && INHERITED.has(p) && parent.getPropertyValue(p).trim() === v;
    if (!v || same || (DEFAULTS[p] === v && (!parent || !INHERITED.has(p)))) copy.removeAttribute(p);
    else copy.setAttribute(p, unitless(v));
  }
  // Class names stay (they say what a shape is: recharts-rectangle, recharts-scatter-symbol); nothing styles them.
  copy.removeAttribute('style');
  copy.removeAttribute('tabindex');
  copy.removeAttribute('role');
  for (const a of Array.from(copy.attributes)) if (a.value === 'undefined' || a.value === 'NaN') copy.removeAttribute(a.name);
  // The two trees have the same shape: walk them together (copy's children may shrink as hidden ones go).
  const liveKids = Array.from(live.children);
  const copyKids = Array.from(copy.children);
  liveKids.forEach((k, i) => {
    if (copyKids[i]) inlineStyles(k, copyKids[i], cs);
  });
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

let measureCtx: CanvasRenderingContext2D | null = null;
/** Greedy word wrap to `width` pixels, measured with the font the file names. */
function wrap(line: string, font: string, width: number): string[] {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  const ctx = measureCtx;
  if (!ctx) return [line];
  ctx.font = font;
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(/\s+/).filter(Boolean)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && ctx.measureText(next).width > width) {
      out.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur) out.push(cur);
  return out.length ? out : [''];
}

/** The chart's drawing surface: recharts' main `svg.recharts-surface` (legend icons are small svgs of the same class). */
export function chartSurface(root: Element): SVGSVGElement | null {
  return root.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface') ?? root.querySelector<SVGSVGElement>('svg');
}

/** The HTML legend of a recharts chart, redrawn in SVG at the same place over the surface. */
function foldLegend(root: Element, surfaceBox: DOMRect, into: SVGElement): void {
  for (const item of Array.from(root.querySelectorAll('.recharts-legend-item'))) {
    const icon = item.querySelector('svg');
    const label = item.querySelector('.recharts-legend-item-text') ?? item;
    if (icon) {
      const b = icon.getBoundingClientRect();
      const copy = icon.cloneNode(true) as SVGSVGElement;
      inlineStyles(icon, copy);
      copy.setAttribute('x', String(Math.round(b.left - surfaceBox.left)));
      copy.setAttribute('y', String(Math.round(b.top - surfaceBox.top)));
      copy.setAttribute('width', String(Math.round(b.width)));
      copy.setAttribute('height', String(Math.round(b.height)));
      into.appendChild(copy);
    }
    const t = label.getBoundingClientRect();
    const cs = getComputedStyle(label);
    const size = parseFloat(cs.fontSize) || 12;
    into.appendChild(
      el(
        'text',
        {
          x: Math.round(t.left - surfaceBox.left),
          y: Math.round((t.top - surfaceBox.top + t.height / 2 + size * 0.35) * 10) / 10,
          fill: cs.color,
          'font-family': cs.fontFamily,
          'font-size': size,
        },
        label.textContent?.trim() ?? '',
      ),
    );
  }
}

/**
 * The chart under `root` as standalone SVG markup with its caption above it. Null when `root` holds no chart
 * (nothing drawn yet).
 */
export function buildFigureSvg(root: HTMLElement, caption: FigureCaption): BuiltFigure | null {
  const surface = chartSurface(root);
  if (!surface) return null;
  const box = surface.getBoundingClientRect();
  const w = Math.round(box.width);
  const h = Math.round(box.height);
  if (!w || !h) return null;

  const rootStyle = getComputedStyle(root);
  const docStyle = getComputedStyle(document.documentElement);
  const bg = docStyle.getPropertyValue('--surface').trim() || '#ffffff';
  const ink = rootStyle.color || '#1b1f24';
  const muted = docStyle.getPropertyValue('--muted').trim() || '#5d6877';
  const family = rootStyle.fontFamily || 'sans-serif';

  // The caption: the title (bold) and the detail lines, wrapped to the chart's width.
  const pad = 12;
  const titleSize = 14;
  const lineSize = 12;
  const captionTexts: SVGTextElement[] = [];
  let y = pad;
  for (const line of wrap(caption.title, `600 ${titleSize}px ${family}`, w - 2 * pad)) {
    y += titleSize * 1.3;
    captionTexts.push(el('text', { x: pad, y: y.toFixed(1), fill: ink, 'font-size': titleSize, 'font-weight': 600 }, line));
  }
  for (const detail of caption.lines ?? []) {
    if (!detail) continue;
    for (const line of wrap(detail, `${lineSize}px ${family}`, w - 2 * pad)) {
      y += lineSize * 1.4;
      captionTexts.push(el('text', { x: pad, y: y.toFixed(1), fill: muted, 'font-size': lineSize }, line));
    }
  }
  const top = Math.ceil(y + 8);
  const height = top + h + pad;

  const out = el('svg', { width: w, height, viewBox: `0 0 ${w} ${height}`, 'font-family': family });
  out.appendChild(el('title', {}, caption.title));
  out.appendChild(el('rect', { x: 0, y: 0, width: w, height, fill: bg }));
  const cap = el('g', { 'data-part': 'caption' });
  for (const t of captionTexts) cap.appendChild(t);
  out.appendChild(cap);

  const plot = surface.cloneNode(true) as SVGSVGElement;
  inlineStyles(surface, plot);
  for (const a of ['x', 'y', 'width', 'height']) plot.removeAttribute(a);
  plot.setAttribute('x', '0');
  plot.setAttribute('y', String(top));
  plot.setAttribute('width', String(w));
  plot.setAttribute('height', String(h));
  if (!plot.getAttribute('viewBox')) plot.setAttribute('viewBox', `0 0 ${w} ${h}`);
  plot.setAttribute('overflow', 'visible');
  foldLegend(root, box, plot);
  out.appendChild(plot);

  return { markup: new XMLSerializer().serializeToString(out), width: w, height };
}

function blobToBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('could not read the PNG'));
    r.readAsDataURL(blob);
  });
}

/** Draw a built figure on a canvas at `scale` (2 = sharp on print and high-density screens); the PNG file as base64. */
export async function figurePngBase64(fig: BuiltFigure, scale = 2): Promise<string> {
  const url = URL.createObjectURL(new Blob([fig.markup], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The figure could not be drawn as an image.'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(fig.width * scale);
    canvas.height = Math.round(fig.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas to draw the figure on.');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('The canvas gave no PNG.');
    return await blobToBase64(blob);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A file-name-safe stem: 'Neuron 42 histogram' -> 'neuron-42-histogram'. */
export function fileStem(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 120) || 'figure'
  );
}
