import { AppError } from '../../../../shared/errors';
import type { ReportPreview, ReportSectionId, ReportSectionInfo, ReportSpec } from '../../../../shared/contract';
import { REPORT_CSS } from '../../../../shared/reportStyle';
import { APP_NAME, APP_VERSION } from '../../platform/version';
import { html, raw, type Markup } from '../../platform/report/html';
import { fmt, kvTable } from '../../platform/report/layout';
import type { AnySection, ReportScope, SectionPage } from './section';
import { REPORT_SECTIONS } from './sections';
import { parseNeuronSelection, selectNeurons } from './selection';
import { resolveScope } from './scope';
import type { ReportSource } from './source';
import { methodName, paramsInWords } from './words';

// A report = title page + contents + each chosen section's pages, numbered before anything is printed (every
// page is a fixed A4 box: see shared/reportStyle.ts). The same pages are the preview, the HTML file and the PDF.

export interface ReportDocument {
  title: string;
  createdAt: string;
  /** What every page's footer names: the run and the date. */
  footer: string;
  pages: { number: number; section: string; title: string; body: Markup }[];
  sections: ReportSectionId[];
  neurons: number[];
  scope: ReportScope;
  /** Each section's collected data (the JSON export). */
  data: Record<string, unknown>;
}

const TOC_PER_PAGE = 36;
const TOC_PER_PAGE_MANY = 150;

/** Which sections this run can have, and why not when it cannot. */
export function sectionInfo(scope: Omit<ReportScope, 'neurons'>): ReportSectionInfo[] {
  return REPORT_SECTIONS.map((s) => ({ id: s.id, title: s.title, ...s.availability({ ...scope, neurons: [] }) }));
}

async function neuronsOf(spec: ReportSpec, scope: Omit<ReportScope, 'neurons'>): Promise<number[]> {
  const sel = parseNeuronSelection(spec.neurons);
  const key = sel.kind === 'top' || sel.kind === 'bottom' ? sel.by : 'testCorrelation';
  const value = (r: ReportScope['rows'][number]): number | null =>
    key === 'bestConceptTest'
      ? (r.bestConcept?.testCorrelation ?? null)
      : key === 'top5Test'
        ? (r.top5?.testCorrelation ?? null)
        : (r[key] as number | null);
  const marked =
    sel.kind === 'bookmarked' ? (await scope.source('bookmark.list', { activationSetId: scope.set.id })).map((b) => b.neuron) : [];
  const out = selectNeurons(
    sel,
    scope.rows.map((r) => ({ neuron: r.neuron, dead: r.dead, value: value(r) })),
    scope.set.nNeurons,
    () => marked,
  );
  if (sel.kind === 'bookmarked' && !out.length)
    throw new AppError(
      'bad_input',
      `No neuron of layer ${scope.set.tensorName} is bookmarked: bookmark some on their neuron pages, or choose top:N.`,
    );
  return out;
}

export async function buildReport(
  spec: ReportSpec,
  source: ReportSource,
  signal: AbortSignal,
  progress: (done: number, total: number, message: string) => void,
): Promise<ReportDocument> {
  const base = await resolveScope(spec, source, signal, () => undefined);
  const infos = sectionInfo(base);
  const neurons = await neuronsOf(spec, base);
  let chosen: ReportSectionId[];
  if (spec.sections) {
    chosen = REPORT_SECTIONS.map((s) => s.id).filter((id) => spec.sections!.includes(id));
    for (const id of chosen) {
      const info = infos.find((i) => i.id === id)!;
      if (!info.available)
        throw new AppError('bad_input', `The report section '${id}' has nothing to show for explain run ${spec.run}: ${info.reason}`);
    }
    if (chosen.includes('neurons') && !neurons.length)
      throw new AppError('bad_input', `The 'neurons' section needs neurons: --neurons '${spec.neurons}' chose none.`);
  } else {
    chosen = infos.filter((i) => i.available && (i.id !== 'neurons' || neurons.length > 0)).map((i) => i.id);
  }
  const scope: ReportScope = { ...base, neurons: chosen.includes('neurons') ? neurons : [] };

  // Progress: one step per section, the neurons section one per neuron.
  const sections = chosen.map((id) => REPORT_SECTIONS.find((s) => s.id === id)!);
  const total = sections.reduce((a, s) => a + (s.id === 'neurons' ? scope.neurons.length : 1), 0) + 1;
  let done = 0;
  const laid: { section: AnySection; pages: SectionPage[] }[] = [];
  const data: Record<string, unknown> = {};
  for (const s of sections) {
    if (signal.aborted) throw new AppError('cancelled', 'The report was cancelled.');
    const before = done;
    scope.progress = (d, _t, message) => progress(before + d, total, message);
    progress(done, total, `${s.title}`);
    const d = await s.collect(scope);
    data[s.id] = d;
    laid.push({ section: s, pages: s.pages(d, scope) });
    done += s.id === 'neurons' ? scope.neurons.length : 1;
  }

  const title = spec.title ?? `Neuron report: ${scope.set.tensorName}${scope.model ? ` of ${scope.model.name}` : ''}`;
  const createdAt = new Date().toISOString();

  // Contents entries: a section's first page, then its pages that name themselves (e.g. each neuron).
  const entries: { title: string; sub: boolean; page: number }[] = [];
  const tocCount = (n: number) => Math.max(1, Math.ceil(n / (n > TOC_PER_PAGE ? TOC_PER_PAGE_MANY : TOC_PER_PAGE)));
  const nEntries = laid.reduce((a, l) => a + 1 + l.pages.filter((p) => p.toc !== null).length, 0);
  const tocPages = tocCount(nEntries);
  let page = 2 + tocPages;
  for (const l of laid) {
    entries.push({ title: l.section.title, sub: false, page });
    for (const p of l.pages) {
      if (p.toc !== null) entries.push({ title: p.toc, sub: true, page });
      page++;
    }
  }

  const pages: ReportDocument['pages'] = [
    { number: 1, section: 'title', title: 'Title page', body: titlePage(scope, title, createdAt, chosen) },
  ];
  const many = entries.length > TOC_PER_PAGE;
  const per = many ? TOC_PER_PAGE_MANY : TOC_PER_PAGE;
  for (let t = 0; t < tocPages; t++) {
    const slice = entries.slice(t * per, (t + 1) * per);
    pages.push({
      number: 2 + t,
      section: 'contents',
      title: 'Contents',
      body: html`<h2>Contents${tocPages > 1 ? ` (${t + 1} of ${tocPages})` : ''}</h2>
        <ol class="toc${many ? ' many' : ''}">
          ${slice.map(
            (e) =>
              html`<li class="${e.sub ? 'sub' : ''}">
                <a href="#page-${e.page}">${e.title}</a><span class="dots"></span><a href="#page-${e.page}">${e.page}</a>
              </li>`,
          )}
        </ol>`,
    });
  }
  let n = 2 + tocPages;
  for (const l of laid) for (const p of l.pages) pages.push({ number: n++, section: l.section.id, title: p.title, body: p.body });
  progress(total, total, 'laid out');
  const footer = `explain run ${scope.run.id} · ${createdAt.slice(0, 10)}`;
  return { title, createdAt, footer, pages, sections: chosen, neurons: scope.neurons, scope, data };
}

function titlePage(scope: ReportScope, title: string, createdAt: string, chosen: ReportSectionId[]): Markup {
  const { run, set, model, probe } = scope;
  const hashes = run.provenance?.hashes ?? {};
  const seeds = run.provenance?.seeds ?? {};
  const explainer = run.encoderId ? scope.encoders.find((e) => e.id === run.encoderId) : undefined;
  const simulators = new Set(scope.rows.flatMap((r) => r.simulated.map((s) => s.name)));
  const calib = (e: (typeof scope.encoders)[number]) =>
    e.calibration
      ? `${e.name}: a = ${fmt(e.calibration.a, 3)}, b = ${fmt(e.calibration.b, 3)} (${e.calibration.source}, ${e.calibration.label})`
      : `${e.name}: not calibrated`;
  const rows: [string, string | Markup][] = [
    ['Model', model ? html`${model.name}<br /><span class="mono">${model.path}</span>` : `model ${set.modelId} (removed)`],
    ['Model sha256', html`<span class="mono">${model?.sha256 ?? hashes.model ?? '—'}</span>`],
    ['Layer', `${set.tensorName} (${set.nNeurons} neurons)`],
    [
      'Probe set',
      probe ? html`${probe.name}, ${probe.images} images<br /><span class="mono">${probe.rootPath}</span>` : `probe set ${set.probeSetId}`,
    ],
    ['Probe manifest sha256', html`<span class="mono">${hashes.manifest ?? probe?.manifestHash ?? '—'}</span>`],
    ['Explain run', `run ${run.id}: ${methodName(run.method)}, ${run.neuronsTotal} neurons (${run.dead} dead), created ${run.createdAt}`],
    [
      'Concept set',
      html`${run.conceptSetId ? `set ${run.conceptSetId}, ` : ''}${run.concepts} concepts<br /><span class="mono"
          >${hashes.conceptSet ?? '—'}</span
        >`,
    ],
    [
      'Explainer',
      explainer ? `${methodName(run.method)} with ${calib(explainer)}` : `${methodName(run.method)} (labels of the probe set, P = 0/1)`,
    ],
    [
      'Simulators',
      [
        'label simulator (probe labels)',
        ...[...simulators].map((name) => {
          const e = scope.encoders.find((x) => x.name === name);
          return e ? calib(e) : name;
        }),
      ].join('; '),
    ],
    [
      'Split',
      `the seeded train/val/test split of the probe set, seed ${String(run.params.seed ?? seeds.split ?? 0)}${run.splitId ? ` (split ${run.splitId})` : ''}`,
    ],
    ['Parameters', paramsInWords(run.params)],
    [
      'Ablation run',
      scope.ablation ? `run ${scope.ablation.id}, T = ${fmt(scope.ablation.temperature, 3)} (${scope.ablation.temperatureSource})` : 'none',
    ],
    ['Top Impact run', scope.topImpact ? `run ${scope.topImpact.id}` : 'none'],
    ['Made with', `${APP_NAME} ${APP_VERSION} (explain run made with ${run.provenance?.appVersion ?? 'unknown version'})`],
    ['Report date', createdAt.replace('T', ' ').slice(0, 19) + ' UTC'],
    ['Sections', chosen.join(', ')],
  ];
  return html`<div class="title-block">
      <h1>${title}</h1>
      <p class="sub">
        ${methodName(run.method)} of ${scope.neurons.length ? `${scope.neurons.length} chosen neurons and ` : ''}the whole layer
        ${set.tensorName}
      </p>
    </div>
    <h3>Provenance</h3>
    ${kvTable(rows)}
    <p class="note">
      Scores: Pearson correlation between simulated and true activations on the test split of the seeded split; each table names its
      simulator. Ablation scores (Optim, Norm) and Top Impact follow docs/methods.md.
    </p>`;
}

/** The standalone HTML file: the style sheet inline, images as data URLs, no script, and a policy that forbids any request. */
export function htmlDocument(doc: Pick<ReportDocument, 'title' | 'pages' | 'footer'>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${APP_NAME} ${APP_VERSION}">
<title>${html`${doc.title}`.text}</title>
<style>body { margin: 0; }${REPORT_CSS}</style>
</head>
<body>
<main class="nwb-report">
${pagesMarkup(doc)}
</main>
</body>
</html>
`;
}

export function pagesMarkup(doc: Pick<ReportDocument, 'title' | 'pages' | 'footer'>): string {
  const total = doc.pages.length;
  return doc.pages
    .map(
      (p) =>
        html`<section class="page" id="page-${p.number}" data-section="${p.section}" data-page="${p.number}">
          <header class="page-head"><span>${doc.title}</span><span>${p.title}</span></header>
          <div class="page-body">${p.body}</div>
          <footer class="page-foot">
            <span>${APP_NAME} ${APP_VERSION} · ${doc.footer}</span><span>page ${p.number} of ${total}</span>
          </footer>
        </section>`.text,
    )
    .join('\n');
}

export function previewOf(doc: ReportDocument): ReportPreview {
  return {
    title: doc.title,
    html: pagesMarkup(doc),
    pages: doc.pages.map((p) => ({ number: p.number, section: p.section, title: p.title })),
    neurons: doc.neurons,
    sections: doc.sections,
  };
}

export { raw };
