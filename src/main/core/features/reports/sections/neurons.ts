import sharp from 'sharp';
import type {
  AblationNeuronRow,
  ExampleImage,
  HeatmapsOutput,
  NeuronView,
  ResultRow,
  TopImpactResults,
} from '../../../../../shared/contract';
import { heatmapRgba, inputRegion, scaleLabel } from '../../../../../shared/heatmap';
import { areaSvg, histogramSvg, scatterSvg } from '../../../platform/report/charts';
import { figure, fmt, html, short, table, type Column } from '../../../platform/report/layout';
import type { Markup } from '../../../platform/report/html';
import type { ReportScope, ReportSection, SectionPage } from '../section';
import { methodName } from '../words';

// One page per chosen neuron: its explanations from every method and run of the layer with their scores, the
// activation histogram, simulated vs true on the test split, the activation-range chart and example images
// (top, one per activation band, random), each with its activation. On a spatial layer (a conv map, ViT patch
// tokens) each example carries the unit's heatmap, drawn into its thumbnail JPEG (viridis on one scale per
// neuron, HEAT_OPACITY), so the page stays self-contained and needs no styles of its own.

const THUMB = 96;
const EXAMPLES = 8;
const THUMB_BATCH = 500;
const HEAT_OPACITY = 0.5;

interface NeuronData {
  views: NeuronView[];
  /** imageId -> JPEG data URL (not in the JSON export). */
  thumbs: Map<number, string>;
  /** `${neuron}:${imageId}` -> the thumbnail with the neuron's heatmap drawn in (spatial layers only). */
  heated: Map<string, string>;
  /** Per neuron: its maps' scale and unit words, or why there are none. */
  heat: Map<number, Pick<HeatmapsOutput, 'kind' | 'reason' | 'unit' | 'scale'>>;
  ablation: Map<number, AblationNeuronRow[]>;
  others: { runId: number; method: string; rows: Map<number, ResultRow> }[];
  topImpact: TopImpactResults | null;
}

async function allAblationRows(scope: ReportScope): Promise<Map<number, AblationNeuronRow[]>> {
  const out = new Map<number, AblationNeuronRow[]>();
  if (!scope.ablation) return out;
  for (let offset = 0; ; offset += 5000) {
    const page = await scope.source('ablation.results', { ablationRunId: scope.ablation.id, offset, limit: 5000 });
    for (const r of page.rows) out.set(r.neuron, [...(out.get(r.neuron) ?? []), r]);
    if (offset + page.rows.length >= page.total || !page.rows.length) return out;
  }
}

async function thumbnails(scope: ReportScope, ids: number[], into: Map<number, string>): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !into.has(id));
  for (let i = 0; i < missing.length; i += THUMB_BATCH) {
    const got = await scope.source('probe.thumbnails', { imageIds: missing.slice(i, i + THUMB_BATCH), size: THUMB });
    for (const t of got) if (t.dataUrl) into.set(t.id, t.dataUrl);
  }
}

/** The thumbnail (JPEG data URL) with the map drawn over the part of the image the model saw. */
async function overlay(thumb: string, heat: HeatmapsOutput, map: HeatmapsOutput['maps'][number]): Promise<string> {
  const jpeg = Buffer.from(thumb.slice(thumb.indexOf(',') + 1), 'base64');
  const meta = await sharp(jpeg).metadata();
  const [w, h] = [meta.width ?? 0, meta.height ?? 0];
  const r = inputRegion(w, h, heat.input);
  const box = {
    left: Math.round(r.x * w),
    top: Math.round(r.y * h),
    width: Math.max(1, Math.round(r.w * w)),
    height: Math.max(1, Math.round(r.h * h)),
  };
  const rgba = heatmapRgba(map.values, heat.grid!.height, heat.grid!.width, box.height, box.width, heat.scale);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = Math.round(255 * HEAT_OPACITY);
  const out = await sharp(jpeg)
    .composite([
      { input: Buffer.from(rgba.buffer), raw: { width: box.width, height: box.height, channels: 4 }, left: box.left, top: box.top },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
  return `data:image/jpeg;base64,${out.toString('base64')}`;
}

/** The neuron's maps on its example images (one scale), drawn into their thumbnails; kept out when the layer is pooled. */
async function heatmaps(scope: ReportScope, neuron: number, ids: number[], data: NeuronData): Promise<void> {
  const heat = await scope.source('activations.heatmaps', {
    activationSetId: scope.set.id,
    neuron,
    imageIds: [...new Set(ids)].slice(0, 200),
  });
  data.heat.set(neuron, { kind: heat.kind, reason: heat.reason, unit: heat.unit, scale: heat.scale });
  if (heat.kind === 'none') return;
  for (const m of heat.maps) {
    const thumb = data.thumbs.get(m.imageId);
    if (thumb) data.heated.set(`${neuron}:${m.imageId}`, await overlay(thumb, heat, m));
  }
}

export const neuronsSection: ReportSection<NeuronData> = {
  id: 'neurons',
  title: 'Neurons',
  availability: (scope) => ({
    available: scope.rows.length > 0,
    reason: scope.rows.length ? null : 'the run has no neurons',
    source: `explain run ${scope.run.id}`,
  }),
  async collect(scope) {
    const data: NeuronData = {
      views: [],
      thumbs: new Map(),
      heated: new Map(),
      heat: new Map(),
      ablation: await allAblationRows(scope),
      others: [],
      topImpact: scope.topImpact ? await scope.source('topimpact.results', { topImpactRunId: scope.topImpact.id }) : null,
    };
    for (const r of scope.otherRuns.slice(0, 4)) {
      const page = await scope.source('explain.results', { runId: r.id, limit: 5000, search: undefined });
      data.others.push({ runId: r.id, method: r.method, rows: new Map(page.rows.map((x) => [x.neuron, x])) });
    }
    for (const [i, neuron] of scope.neurons.entries()) {
      if (scope.signal.aborted) break;
      const view = await scope.source('explain.neuron', {
        runId: scope.run.id,
        neuron,
        topK: EXAMPLES,
        perBand: 1,
        randomK: EXAMPLES,
        scatterMax: 1500,
      });
      data.views.push(view);
      if (scope.spec.images) {
        const ex = view.examples;
        const ids = [...ex.top, ...ex.bands.flatMap((b) => b.examples), ...ex.random].map((e) => e.imageId);
        await thumbnails(scope, ids, data.thumbs);
        if (ids.length) await heatmaps(scope, neuron, ids, data);
      }
      scope.progress(i + 1, scope.neurons.length, `neuron ${neuron}`);
    }
    return data;
  },
  pages: (data, scope) => data.views.map((v) => neuronPage(v, data, scope)),
};

interface ExplRow {
  method: string;
  text: string;
  /** Val correlation under the run's own simulator (the explainer's, or labels). */
  val: number | null;
  /** Test correlation per simulator key ('label', an encoder's sha256, 'reported'). */
  test: Map<string, number | null>;
  optim: number | null;
  norm: number | null;
}

const isCorr = (metric: string) => metric.includes('corr');

function explanationRows(v: NeuronView, data: NeuronData, own: string): ExplRow[] {
  const abl = data.ablation.get(v.neuron) ?? [];
  const rows: ExplRow[] = v.explanations.map((e) => {
    const a = abl.find((x) => x.explanationId === e.id);
    const corr = e.scores.filter((x) => isCorr(x.metric));
    return {
      method: methodName(e.method),
      text: e.text,
      val: corr.find((x) => x.split === 'val' && x.simulator === own)?.value ?? corr.find((x) => x.split === 'val')?.value ?? null,
      test: new Map(corr.filter((x) => x.split === 'test').map((x) => [x.simulator, x.value])),
      optim: a?.optim?.score ?? null,
      norm: a?.norm?.score ?? null,
    };
  });
  for (const o of data.others) {
    const r = o.rows.get(v.neuron);
    if (!r) continue;
    const test = new Map<string, number | null>(r.simulated.map((x) => [x.simulator, x.testCorrelation]));
    if (!test.has('label')) test.set('label', r.testCorrelation);
    rows.push({
      method: `${methodName(o.method)} (run ${o.runId})`,
      text: r.dead ? 'dead' : r.text,
      val: r.valCorrelation,
      test,
      optim: null,
      norm: null,
    });
  }
  // At most 6 rows of at most 2 lines each (clamped): the page's other blocks have fixed sizes, so it never overflows.
  return rows.slice(0, 6);
}

function strip(
  label: string | Markup,
  images: ExampleImage[],
  thumbs: Map<number, string>,
  heated?: (id: number) => string | undefined,
): Markup {
  const img = (e: ExampleImage) => {
    const url = heated?.(e.imageId) ?? thumbs.get(e.imageId);
    return url ? html`<img src="${url}" alt="${e.relPath}" />` : html`<img alt="${e.relPath} (not readable)" />`;
  };
  return html`<div class="strip">
    <p class="strip-label">${label}</p>
    ${images.map(
      (e) =>
        html`<figure>
          ${img(e)}
          <figcaption>${short(e.activation)}${e.className ? ` · ${e.className}` : ''}</figcaption>
        </figure>`,
    )}
  </div>`;
}

function neuronPage(v: NeuronView, data: NeuronData, scope: ReportScope): SectionPage {
  const s = v.stat;
  const explainer = scope.run.encoderId ? scope.encoders.find((e) => e.id === scope.run.encoderId) : undefined;
  const own = explainer?.sha256 ?? 'label';
  const simName = (key: string) =>
    key === 'label' ? 'labels' : key === 'reported' ? 'file' : (scope.encoders.find((e) => e.sha256 === key)?.name ?? key.slice(0, 8));
  const rows = explanationRows(v, data, own);
  // One test-r column per simulator any row was scored with, the run's own first.
  const sims = [...new Set(rows.flatMap((r) => [...r.test.keys()]))].sort(
    (a, b) => Number(b === own) - Number(a === own) || a.localeCompare(b),
  );
  const anyAblation = rows.some((r) => r.optim !== null || r.norm !== null);
  const cols: Column<ExplRow>[] = [
    { head: 'Method', cell: (r) => r.method, width: '18%' },
    { head: 'Explanation', cell: (r) => html`<span class="clamp2" title="${r.text}">${r.text}</span>`, wrap: true },
    { head: `val r (${simName(own)})`, num: true, cell: (r) => fmt(r.val), width: '10%' },
    ...sims.slice(0, 3).map((k) => ({ head: `test r (${simName(k)})`, num: true, cell: (r: ExplRow) => fmt(r.test.get(k)), width: '10%' })),
    ...(anyAblation
      ? [
          { head: 'Optim', num: true, cell: (r: ExplRow) => fmt(r.optim), width: '7%' },
          { head: 'Norm', num: true, cell: (r: ExplRow) => fmt(r.norm), width: '7%' },
        ]
      : []),
  ];
  const ti = data.topImpact?.neurons.find((n) => n.neuron === v.neuron);
  const kinds = ['class', 'superclass', 'csv', 'concept'] as const;
  const kind = kinds.find((k) => v.range.labels.some((l) => l.kind === k)) ?? 'class';
  const series = v.range.labels.map((l, i) => ({ ...l, i })).filter((l) => l.kind === kind);
  const range = areaSvg(
    {
      categories: v.range.buckets.map((b) => `${short(b.lo)}–${short(b.hi)}`),
      series: series.map((l) => ({ name: l.name, values: v.range.buckets.map((b) => b.share[l.i] ?? 0) })),
      stacked: kind !== 'concept',
      yFormat: kind === 'concept' ? 'number' : 'percent',
      xLabel: 'activation range',
      yLabel: kind === 'concept' ? 'mean P(concept)' : 'share of images',
      legend: true,
    },
    { width: 680, height: 150, minPlotHeight: 85 },
  );
  const hist = histogramSvg({ ...v.histogram, xLabel: 'activation', yLabel: 'images' }, { width: 330, height: 140, minPlotHeight: 80 });
  const sc = v.scatter;
  const scatter = sc
    ? scatterSvg(
        {
          series: [{ name: 'test images', points: sc.simulated.map((x, i) => [x, sc.actual[i]] as [number, number]) }],
          diagonal: true,
          xLabel: 'simulated',
          yLabel: 'true activation',
          legend: false,
        },
        { width: 330, height: 140, minPlotHeight: 80 },
      )
    : null;
  const ex = v.examples;
  const heat = data.heat.get(v.neuron);
  const heated = (id: number) => data.heated.get(`${v.neuron}:${id}`);
  // The heatmap's scale rides on the first strip's label: the page's block sizes stay as they are.
  const topLabel =
    heat && heat.kind !== 'none'
      ? html`Top activations<br /><span class="muted">maps ${scaleLabel(heat.scale.lo)}–${scaleLabel(heat.scale.hi)}, viridis</span>`
      : 'Top activations';
  const beta = data.topImpact?.betas[2];
  const tiText =
    ti && beta !== undefined
      ? html`<span>TI(${beta}) ${ti.atBetas[2] === null ? '—' : `${((ti.atBetas[2] ?? 0) * 100).toFixed(1)}%`}</span>`
      : '';
  return {
    title: `Neuron ${v.neuron}`,
    toc: `Neuron ${v.neuron}${v.dead ? ' (dead)' : ''}`,
    body: html`<h2>Neuron ${v.neuron} <span class="muted small">· ${scope.set.tensorName} · explain run ${scope.run.id}</span></h2>
      <div class="stat-line">
        <span>min ${short(s.min)}</span><span>max ${short(s.max)}</span><span>mean ${short(s.mean)}</span><span>std ${short(s.std)}</span>
        <span>zero ${(s.zeroShare * 100).toFixed(1)}%</span>${v.dead ? html`<span><b>dead</b>: constant on the probe set</span>` : ''}
        ${s.nonFinite ? html`<span><b>${s.nonFinite} non-finite values</b></span>` : ''} ${tiText}
      </div>
      ${table(cols, rows)}
      <p class="small muted">
        r: Pearson correlation of simulated and true activation on the val / test split, under the named
        simulator${anyAblation ? `; Optim / Norm: ablation run ${scope.ablation?.id}` : ''}.
      </p>
      <div class="row">
        ${figure('histogram', hist, html`<b>Activation histogram</b>, ${scope.set.nImages} probe images.`)}
        ${
          scatter
            ? figure('scatter', scatter, html`<b>Simulated vs true</b>, test split (${sc!.testImages} images), ${simName(own)} simulator.`)
            : html`<p class="note">No simulation to plot (dead neuron or no explanation).</p>`
        }
      </div>
      ${figure(
        'range',
        range,
        html`<b>Activation range</b>: ${kind === 'concept' ? 'mean P of each explanation concept' : `share of each ${kind}`} per bucket
          (images: ${v.range.buckets.map((b) => b.images).join(' · ')}).`,
      )}
      ${
        scope.spec.images
          ? html`<div class="examples">
              ${strip(topLabel, ex.top, data.thumbs, heated)}
              ${strip(
                'One per band, high to low',
                ex.bands.flatMap((b) => b.examples),
                data.thumbs,
                heated,
              )}
              ${strip('Random', ex.random, data.thumbs, heated)}
            </div>`
          : ''
      }`,
  };
}
