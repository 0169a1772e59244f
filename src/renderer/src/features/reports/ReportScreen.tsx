import './reports.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReportSectionId, ReportSpecInput } from '../../../../shared/contract/reports';
import { methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { formatCount, formatDate } from '../../lib/format';
import type { Out } from '../../lib/contract';
import { useContractQuery } from '../../lib/query';
import { useDebounced } from '../../lib/useDebounced';
import { useScreenRoute } from '../../routes';
import { DEFAULT_NEURONS, describeSelection, draftOf, selectionOf, type NeuronDraft } from './neuronSelection';
import { ReportExport } from './ReportExport';
import { ReportPages, type ReportPagesHandle, type ZoomMode } from './ReportPages';
import { NeuronPicker, SectionPicker } from './ReportSetup';
import { SECTION_IDS, type ReportRoute } from './route';

// Report: the papers' tables and figures for one explain run, previewed exactly as they print (A4 pages) and
// exported as PDF, HTML or JSON. Every choice is in the address (#/report?run=3&sections=ablation&neurons=top:20),
// so the "Report…" links of the other screens preselect what they are about and a reload keeps the view.

type RunInfo = Out<'explain.runs'>[number];
type SetInfo = Out<'activations.list'>[number];
type ModelInfo = Out<'model.list'>[number];

function corr(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);
}

interface RunNames {
  set: SetInfo | undefined;
  model: ModelInfo | undefined;
}

function runLabel(r: RunInfo, n: RunNames): string {
  const method = r.method === 'imported' ? 'Imported' : methodLabel(r.method);
  return `#${r.id} ${method} · ${n.model?.name ?? 'model'} · ${n.set?.tensorName ?? `activation set ${r.activationSetId}`}`;
}

/** The run picker of the bare address (#/report): every explain run with its layer, method and scores. */
function RunList({ runs, names, onPick }: { runs: RunInfo[]; names: (r: RunInfo) => RunNames; onPick: (id: number) => void }) {
  if (!runs.length)
    return (
      <p className="empty" data-testid="report-no-runs">
        No explain runs yet: a report is about one run. Explain a layer on the Explanations screen first.
      </p>
    );
  return (
    <div className="table-scroll">
      <table className="table report-runs" data-testid="report-runs">
        <caption className="sr-only">Explain runs</caption>
        <thead>
          <tr>
            <th>Run</th>
            <th>Method</th>
            <th>Model</th>
            <th>Layer</th>
            <th className="num">Neurons done</th>
            <th className="num" title="Mean Pearson correlation of the LE simulation on the test split">
              Mean test r
            </th>
            <th>Status</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const n = names(r);
            return (
              <tr key={r.id} data-testid="report-run-row" data-id={r.id}>
                <td>#{r.id}</td>
                <td>{r.method === 'imported' ? 'Imported' : methodLabel(r.method)}</td>
                <td>{n.model?.name ?? '—'}</td>
                <td className="mono">{n.set?.tensorName ?? `activation set ${r.activationSetId}`}</td>
                <td className="num">
                  {formatCount(r.neuronsDone)} / {formatCount(r.neuronsTotal)}
                </td>
                <td className="num">{corr(r.means.testCorrelation)}</td>
                <td>
                  <span className={`badge status-${r.status === 'done' ? 'done' : r.status === 'running' ? 'running' : 'cancelled'}`}>
                    {r.status}
                  </span>
                </td>
                <td className="nowrap">{formatDate(r.createdAt)}</td>
                <td className="actions-cell">
                  <button type="button" className="primary" onClick={() => onPick(r.id)} data-testid={`report-pick-${r.id}`}>
                    Report…
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const PAGE_SECTION: Record<string, string> = { title: 'Title page', contents: 'Contents' };

export function ReportScreen() {
  const route = useScreenRoute('report');
  const { navigate } = useApp();
  const runsQ = useContractQuery('explain.runs', {});
  const setsQ = useContractQuery('activations.list', {});
  const modelsQ = useContractQuery('model.list', {});
  const runs = runsQ.data;
  const run = route.run !== undefined ? runs?.find((r) => r.id === route.run) : undefined;

  const names = useCallback(
    (r: RunInfo): RunNames => {
      const set = setsQ.data?.find((s) => s.id === r.activationSetId);
      return { set, model: modelsQ.data?.find((m) => m.id === set?.modelId) };
    },
    [setsQ.data, modelsQ.data],
  );

  /** Change the report's choices in place (the address is the state; no new history entry per click). */
  const update = useCallback(
    (patch: Partial<Omit<ReportRoute, 'screen'>>) => {
      const next: ReportRoute = { ...route, ...patch };
      for (const k of Object.keys(next) as (keyof ReportRoute)[]) if (next[k] === undefined) delete next[k];
      navigate(next, { replace: true });
    },
    [route, navigate],
  );
  const pickRun = (id: number) =>
    navigate({
      screen: 'report',
      run: id,
      ...(route.neurons ? { neurons: route.neurons } : {}),
      ...(route.images === false ? { images: false } : {}),
      ...(route.title ? { title: route.title } : {}),
    });

  return (
    <div className="report-screen" data-testid="report-screen" data-run={route.run ?? ''}>
      <div className="report-head">
        <h1>Report</h1>
        <p className="hint">
          The tables and figures of one explain run as A4 pages: previewed here exactly as they print, exported as PDF, HTML or JSON.
        </p>
      </div>
      <ErrorBox error={runsQ.error ?? setsQ.error ?? modelsQ.error} />
      {route.run === undefined && runs && (
        <section className="card" aria-labelledby="report-pick-title">
          <h3 id="report-pick-title">Pick the explain run to report</h3>
          <RunList runs={runs} names={names} onPick={pickRun} />
        </section>
      )}
      {route.run !== undefined && runs && !run && (
        <p className="error-text" data-testid="report-run-missing">
          Explain run #{route.run} is not in this project.{' '}
          <button type="button" className="link" onClick={() => navigate({ screen: 'report' })}>
            Pick another run
          </button>
        </p>
      )}
      {!runs && !runsQ.error && <p className="hint">Loading explain runs…</p>}
      {run && runs && <ReportOfRun key={run.id} run={run} runs={runs} names={names} route={route} update={update} onPickRun={pickRun} />}
    </div>
  );
}

function ReportOfRun({
  run,
  runs,
  names,
  route,
  update,
  onPickRun,
}: {
  run: RunInfo;
  runs: RunInfo[];
  names: (r: RunInfo) => RunNames;
  route: ReportRoute;
  update: (patch: Partial<Omit<ReportRoute, 'screen'>>) => void;
  onPickRun: (id: number) => void;
}) {
  const sectionsQ = useContractQuery('report.sections', { run: run.id });
  const bookmarksQ = useContractQuery('bookmark.list', { activationSetId: run.activationSetId });
  const info = sectionsQ.data;
  const set = names(run).set;

  // Sections: the address's choice, or every section the run has results for.
  const chosen = useMemo<ReadonlySet<ReportSectionId>>(
    () => new Set(route.sections ?? info?.filter((s) => s.available).map((s) => s.id) ?? []),
    [route.sections, info],
  );
  const toggleSection = (id: ReportSectionId, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    update({ sections: SECTION_IDS.filter((s) => next.has(s)) });
  };
  const usable = useMemo(
    () => (info ? SECTION_IDS.filter((s) => chosen.has(s) && info.some((i) => i.id === s && i.available)) : null),
    [info, chosen],
  );

  // Neurons: a draft the form edits; once it is a valid selection it goes into the address.
  const routeNeurons = route.neurons ?? DEFAULT_NEURONS;
  const [draft, setDraft] = useState<NeuronDraft>(() => draftOf(routeNeurons));
  const checked = selectionOf(draft);
  const draftRef = useRef(draft);
  draftRef.current = draft;
  useEffect(() => {
    if ('text' in checked && checked.text !== routeNeurons)
      update({ neurons: checked.text === DEFAULT_NEURONS ? undefined : checked.text });
    // Only when the draft changes (the address follows the form, not the other way round).
  }, [draft]);
  useEffect(() => {
    const now = selectionOf(draftRef.current);
    if (!('text' in now) || now.text !== routeNeurons) setDraft(draftOf(routeNeurons)); // Back / Forward, a link
  }, [routeNeurons]);

  // Title: typed freely here, trimmed into the address.
  const [title, setTitle] = useState(route.title ?? '');
  useEffect(() => {
    const t = title.trim() || undefined;
    if (t !== route.title) update({ title: t });
    // Only when the typed title changes.
  }, [title]);

  const images = route.images !== false;
  // Without the Neurons section there are no neuron pages, whatever the selection says (it is kept for later).
  const neuronsOn = usable?.includes('neurons') ?? true;
  const blocked = !info
    ? 'Reading the sections…'
    : usable && usable.length === 0
      ? 'Choose at least one available section.'
      : neuronsOn && 'error' in checked
        ? 'Fix the neuron selection.'
        : null;
  const spec = useMemo<ReportSpecInput | null>(
    () =>
      blocked || !usable || (neuronsOn && !('text' in checked))
        ? null
        : {
            run: run.id,
            sections: usable,
            neurons: neuronsOn && 'text' in checked ? checked.text : 'none',
            images,
            ...(route.ablationRunId !== undefined && usable.includes('ablation') ? { ablationRunId: route.ablationRunId } : {}),
            ...(route.topImpactRunId !== undefined && usable.includes('topimpact') ? { topImpactRunId: route.topImpactRunId } : {}),
            ...(route.title ? { title: route.title } : {}),
          },
    // `checked` is derived from the draft: its text is the dependency.
    [
      blocked,
      usable,
      neuronsOn,
      'text' in checked ? checked.text : null,
      images,
      run.id,
      route.ablationRunId,
      route.topImpactRunId,
      route.title,
    ],
  );

  const pinned: Partial<Record<ReportSectionId, { text: string; clear: () => void }>> = {};
  if (route.ablationRunId !== undefined)
    pinned.ablation = { text: `ablation run ${route.ablationRunId} (from the link)`, clear: () => update({ ablationRunId: undefined }) };
  if (route.topImpactRunId !== undefined)
    pinned.topimpact = {
      text: `Top Impact run ${route.topImpactRunId} (from the link)`,
      clear: () => update({ topImpactRunId: undefined }),
    };

  return (
    <div className="report-layout">
      <div className="report-setup" data-testid="report-setup">
        <section className="card" aria-labelledby="report-setup-title">
          <h3 id="report-setup-title">Contents</h3>
          <div className="field">
            <label htmlFor="report-run">Explain run</label>
            <select id="report-run" value={run.id} onChange={(e) => onPickRun(Number(e.target.value))} data-testid="report-run">
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {runLabel(r, names(r))} ({r.status})
                </option>
              ))}
            </select>
            <span className="hint" data-testid="report-run-facts">
              Layer <span className="mono">{set?.tensorName ?? '?'}</span> of {names(run).model?.name ?? 'its model'} ·{' '}
              {formatCount(run.neuronsDone)} / {formatCount(run.neuronsTotal)} neurons explained · mean test r{' '}
              {corr(run.means.testCorrelation)}
            </span>
          </div>
          <div className="field">
            <label htmlFor="report-title">Title (optional)</label>
            <input
              id="report-title"
              value={title}
              maxLength={200}
              onChange={(e) => setTitle(e.target.value)}
              placeholder="default: Neuron report: <layer> of <model>"
              data-testid="report-title"
            />
          </div>
          <ErrorBox error={sectionsQ.error} />
          {!info && !sectionsQ.error && <p className="hint">Reading which sections this run has…</p>}
          {info && <SectionPicker sections={info} chosen={chosen} onToggle={toggleSection} pinned={pinned} />}
          <NeuronPicker
            draft={draft}
            onChange={setDraft}
            error={'error' in checked ? checked.error : null}
            layerNeurons={set?.nNeurons ?? null}
            bookmarks={bookmarksQ.data?.length ?? null}
            disabled={!neuronsOn}
          />
          <label className="inline-field report-images">
            <input
              type="checkbox"
              checked={images}
              disabled={!neuronsOn}
              onChange={(e) => update({ images: e.target.checked ? undefined : false })}
              data-testid="report-images"
            />
            Example images on the neuron pages (top activations, activation bands, random)
          </label>
        </section>
        <ReportExport runId={run.id} spec={spec} blocked={blocked} />
      </div>
      <PreviewCard spec={spec} blocked={blocked} sectionTitles={info} />
    </div>
  );
}

function PreviewCard({
  spec,
  blocked,
  sectionTitles,
}: {
  spec: ReportSpecInput | null;
  blocked: string | null;
  sectionTitles: Out<'report.sections'> | undefined | null;
}) {
  // Big previews take seconds: wait for a pause in the typing, and let a newer choice cancel the older preview.
  const settled = useDebounced(spec, 350);
  const preview = useContractQuery('report.preview', settled);
  const data = spec ? preview.data : null;
  const busy = spec !== null && (preview.loading || settled !== spec);
  const pagesRef = useRef<ReportPagesHandle>(null);
  const [current, setCurrent] = useState(1);
  const [zoomMode, setZoomMode] = useState<ZoomMode>('fit');
  const [scale, setScale] = useState(1);
  const titleOf = (section: string) => PAGE_SECTION[section] ?? sectionTitles?.find((s) => s.id === section)?.title ?? section;

  return (
    <section
      className="card report-preview"
      aria-labelledby="report-preview-title"
      aria-busy={busy}
      data-testid="report-preview"
      data-loading={busy}
      data-pages={data?.pages.length ?? ''}
    >
      <div className="report-preview-head">
        <h3 id="report-preview-title">Preview</h3>
        {data && (
          <dl className="report-counts">
            <div>
              <dt>Pages (A4)</dt>
              <dd data-testid="report-page-count" data-value={data.pages.length}>
                {formatCount(data.pages.length)}
              </dd>
            </div>
            <div>
              <dt>Neuron pages</dt>
              <dd data-testid="report-neuron-count" data-value={data.neurons.length}>
                {formatCount(data.neurons.length)}
              </dd>
            </div>
          </dl>
        )}
        <span className="report-preview-status" role="status">
          {busy ? (
            <span className="report-spinner" data-testid="report-preview-loading">
              {data ? 'Updating the preview…' : 'Building the preview…'}
            </span>
          ) : data && spec ? (
            <span className="hint">{describeSelection(spec.neurons ?? DEFAULT_NEURONS)}</span>
          ) : null}
        </span>
        <label className="inline-field report-zoom">
          Zoom
          <select value={zoomMode} onChange={(e) => setZoomMode(e.target.value === '1' ? '1' : 'fit')} data-testid="report-zoom">
            <option value="fit">Fit width ({Math.round(scale * 100)}%)</option>
            <option value="1">100%</option>
          </select>
        </label>
      </div>
      {blocked && !data && <p className="hint report-blocked">{blocked}</p>}
      <ErrorBox error={spec ? preview.error : null} testId="report-preview-error" />
      {data && (
        <div className={`report-preview-body${busy ? ' stale' : ''}`}>
          <nav className="report-page-list" aria-label="Pages">
            <ol>
              {data.pages.map((p, i) => {
                const first = i === 0 || data.pages[i - 1].section !== p.section;
                return (
                  <li key={p.number} className={first ? 'first' : ''}>
                    {first && p.section !== 'title' && p.section !== 'contents' && (
                      <span className="report-page-section">{titleOf(p.section)}</span>
                    )}
                    <button
                      type="button"
                      className={`report-page-link${current === p.number ? ' active' : ''}`}
                      aria-current={current === p.number ? 'page' : undefined}
                      onClick={() => pagesRef.current?.showPage(p.number)}
                      data-testid={`report-page-${p.number}`}
                    >
                      <span className="report-page-no">
                        <span className="sr-only">Page </span>
                        {p.number}
                      </span>{' '}
                      {p.title}
                    </button>
                  </li>
                );
              })}
            </ol>
          </nav>
          <ReportPages
            ref={pagesRef}
            html={data.html}
            title={data.title}
            zoomMode={zoomMode}
            onPageInView={setCurrent}
            onScale={setScale}
          />
        </div>
      )}
      {!data && busy && (
        <div className="report-preview-empty">Building the preview… (a report with many neuron pages takes a few seconds)</div>
      )}
    </section>
  );
}
