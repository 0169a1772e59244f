import type { ResultRow, SimulatorMeans } from '../../../../../shared/contract';
import { barSvg, histogramSvg } from '../../../platform/report/charts';
import { chunks, figure, fmt, html, meanSE, note, table, type Column } from '../../../platform/report/layout';
import type { ReportSection, ReportScope, SectionPage } from '../section';
import { methodName } from '../words';

// Per-method mean correlation ± SE under every simulator the run was scored with (the papers' main table), the
// other runs of the same layer, the distribution of test correlations, then the whole results table.

const ROWS_PER_PAGE = 36;

interface SummaryData {
  means: SimulatorMeans[];
}

const simulatorLabel = (s: { simulator: string; name: string }) =>
  s.simulator === 'label' ? 'label simulator' : s.simulator === 'reported' ? 'reported by the file' : `${s.name} simulator`;

function correlationHistogram(rows: ResultRow[]) {
  const vals = rows.map((r) => r.testCorrelation).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(0, Math.floor(Math.min(...vals, 0) * 20) / 20);
  const hi = Math.max(lo + 0.05, Math.ceil(Math.max(...vals, 0.05) * 20) / 20);
  const n = Math.max(1, Math.round((hi - lo) / 0.05));
  const edges = Array.from({ length: n + 1 }, (_, i) => Number((lo + (i * (hi - lo)) / n).toFixed(6)));
  const counts = new Array<number>(n).fill(0);
  for (const v of vals) counts[Math.min(n - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * n)))]++;
  return { edges, counts, n: vals.length };
}

export const summarySection: ReportSection<SummaryData> = {
  id: 'summary',
  title: 'Explanation scores',
  availability: (scope) => ({
    available: scope.rows.length > 0,
    reason: scope.rows.length ? null : 'the run has no result rows',
    source: `explain run ${scope.run.id} (${methodName(scope.run.method)})`,
  }),
  async collect(scope) {
    return { means: await scope.source('simulate.means', { explainRunId: scope.run.id }) };
  },
  pages(data, scope) {
    return [overviewPage(data, scope), ...tablePages(scope)];
  },
};

function overviewPage(data: SummaryData, scope: ReportScope): SectionPage {
  const methods = [...new Set(data.means.flatMap((s) => Object.keys(s.methods)))];
  const cols: Column<string>[] = [
    { head: 'Method', cell: (m) => methodName(m), width: '24%' },
    ...data.means.map((s) => ({
      head: `test r, ${simulatorLabel(s)}`,
      num: true,
      cell: (m: string) => (s.methods[m] ? `${meanSE(s.methods[m])} (n ${s.methods[m].n})` : '—'),
    })),
  ];
  const bars = barSvg(
    {
      groups: data.means.map(simulatorLabel),
      series: methods.map((m) => ({
        name: methodName(m),
        values: data.means.map((s) => s.methods[m]?.mean ?? null),
        errors: data.means.map((s) => s.methods[m]?.standardError ?? null),
      })),
      yLabel: 'mean test correlation',
      legend: true,
    },
    { width: 680, height: 250 },
  );
  const hist = correlationHistogram(scope.rows);
  const others = scope.otherRuns;
  return {
    title: 'Explanation scores',
    toc: null,
    body: html`<h2>Explanation scores</h2>
      ${table(cols, methods)}
      <p class="small muted">
        Mean Pearson correlation ± standard error between the simulated and the true activation on the test split, over the
        ${scope.run.neuronsTotal - scope.run.dead} explained neurons (dead ones left out); one column per simulator.
      </p>
      ${figure('method-means', bars, html`<b>Mean test correlation per method and simulator</b>, explain run ${scope.run.id}; whiskers ± 1 SE.`)}
      ${figure(
        'correlation-histogram',
        histogramSvg(
          { edges: hist.edges, counts: hist.counts, xLabel: `test correlation (${ownSimulator(scope)})`, yLabel: 'neurons' },
          { width: 680, height: 190 },
        ),
        html`<b>Distribution of test correlations</b> of the ${methodName(scope.run.method)} explanations (${hist.n} neurons,
          ${ownSimulator(scope)}).`,
      )}
      ${
        others.length
          ? html`<h3>Other runs of this layer</h3>
              ${table(
                [
                  { head: 'Run', cell: (r: (typeof others)[number]) => `run ${r.id}` },
                  { head: 'Method', cell: (r) => methodName(r.method) },
                  { head: 'neurons', num: true, cell: (r) => r.neuronsTotal },
                  { head: 'mean length', num: true, cell: (r) => fmt(r.means.length, 2) },
                  { head: "mean test r (the run's own simulator)", num: true, cell: (r) => fmt(r.means.testCorrelation) },
                ],
                others.slice(0, 6),
              )}`
          : note('No other finished explain run of this layer to compare with.')
      }`,
  };
}

/** The simulator a run's own scores are under: its explainer encoder (LE(SigLIP)) or the probe labels. */
function ownSimulator(scope: ReportScope): string {
  const e = scope.run.encoderId ? scope.encoders.find((x) => x.id === scope.run.encoderId) : undefined;
  return e ? `${e.name} simulator` : 'label simulator';
}

function tablePages(scope: ReportScope): SectionPage[] {
  const sims = [...new Map(scope.rows.flatMap((r) => r.simulated.map((s) => [s.simulator, s.name] as const))).entries()];
  const cols: Column<ResultRow>[] = [
    { head: 'Neuron', num: true, cell: (r) => r.neuron, width: '9%' },
    { head: 'Explanation', cell: (r) => (r.dead ? 'dead (constant on the probe set)' : r.text) },
    { head: 'len', num: true, cell: (r) => r.length, width: '5%' },
    { head: 'val r', num: true, cell: (r) => fmt(r.valCorrelation), width: '8%' },
    { head: 'test r', num: true, cell: (r) => fmt(r.testCorrelation), width: '8%' },
    { head: 'best concept', num: true, cell: (r) => fmt(r.bestConcept?.testCorrelation), width: '9%' },
    { head: 'top-5', num: true, cell: (r) => fmt(r.top5?.testCorrelation), width: '8%' },
    ...sims.map(([key, name]) => ({
      head: `test r, ${name}`,
      num: true,
      width: '10%',
      cell: (r: ResultRow) => fmt(r.simulated.find((s) => s.simulator === key)?.testCorrelation),
    })),
  ];
  const pages = chunks(scope.rows, ROWS_PER_PAGE);
  return pages.map((rows, i) => ({
    title: `Results table ${i + 1} of ${pages.length}`,
    toc: i === 0 ? 'Results table' : null,
    body: html`<h2>
        Results table
        <span class="muted small"
          >(${i + 1} of ${pages.length}; neurons ${rows[0]?.neuron ?? ''}–${rows[rows.length - 1]?.neuron ?? ''})</span
        >
      </h2>
      <p class="small muted">
        ${methodName(scope.run.method)}, explain run ${scope.run.id}. val r, test r: Pearson correlation on the val / test split under the
        run's own simulator (${ownSimulator(scope)}${scope.run.encoderId ? ', the explainer' : ': probe labels, P = 0/1'}), as are the
        baselines (best single concept, top-5 without search); further columns name their simulator.
      </p>
      ${table(cols, rows)}`,
  }));
}
