import type { CompareLayer, CompareLayerRow } from '../../../../../shared/contract';
import { barSvg } from '../../../platform/report/charts';
import { figure, html, meanSE, note, table, type Column } from '../../../platform/report/layout';
import type { ReportSection } from '../section';
import { methodName } from '../words';

// Every method of the layer side by side (the LE paper's main table, on the user's model): per finished explain run
// and explanation method, the mean test correlation ± SE under each simulator and the newest ablation's Optim / Norm,
// exactly as compare.layer (and so simulate.means / ablation.results) gives them.

const MAX_ROWS = 24;

const rowName = (r: CompareLayerRow) => `run ${r.explainRunId} · ${methodName(r.method)}${r.runFile ? ` (${r.runFile})` : ''}`;

export const compareSection: ReportSection<CompareLayer> = {
  id: 'compare',
  title: 'All methods of this layer',
  availability: (scope) =>
    scope.otherRuns.length
      ? { available: true, reason: null, source: `compare.layer of activation set ${scope.set.id}` }
      : {
          available: false,
          reason: `this is the only finished explain run of layer ${scope.set.tensorName}: run another method (LE(SigLIP), dnd.run, clipDissect.run, labels.import) to compare.`,
          source: null,
        },
  collect: (scope) => scope.source('compare.layer', { activationSetId: scope.set.id }),
  pages(data) {
    const rows = data.rows.slice(0, MAX_ROWS);
    const cols: Column<CompareLayerRow>[] = [
      { head: 'Run · method', wrap: true, cell: rowName, width: '30%' },
      { head: 'n', num: true, cell: (r) => r.n, width: '6%' },
      ...data.simulators.map((s) => ({
        head: `test r ± SE, ${s.id === 'label' ? 'label simulator' : s.name}`,
        num: true,
        cell: (r: CompareLayerRow) => (r.correlation[s.id] ? meanSE(r.correlation[s.id]) : '—'),
      })),
      { head: 'Optim ± SE', num: true, cell: (r) => (r.ablations[0] ? meanSE(r.ablations[0].optim) : '—') },
      { head: 'Norm ± SE', num: true, cell: (r) => (r.ablations[0] ? meanSE(r.ablations[0].norm) : '—') },
    ];
    const bars = barSvg(
      {
        groups: rows.map(rowName),
        series: data.simulators.map((s) => ({
          name: s.id === 'label' ? 'label simulator' : s.name,
          values: rows.map((r) => r.correlation[s.id]?.mean ?? null),
          errors: rows.map((r) => r.correlation[s.id]?.standardError ?? null),
        })),
        yLabel: 'mean test correlation',
        legend: true,
      },
      { width: 680, height: 260 },
    );
    return [
      {
        title: 'All methods of this layer',
        toc: 'All methods of this layer',
        body: html`<h2>All methods of this layer</h2>
          <p class="small muted">
            Every finished explain run of the layer (LE, baselines, Describe-and-Dissect, CLIP-Dissect, imported labels) and each
            explanation method in it: mean Pearson correlation ± standard error between simulated and true activation on the test split, one
            column per simulator the run was scored with; Optim / Norm: the newest finished ablation run of that explain run (test split).
          </p>
          ${table(cols, rows)}
          ${data.rows.length > MAX_ROWS ? note(`${data.rows.length - MAX_ROWS} more rows: see the Compare methods screen.`) : ''}
          ${figure('compare-methods', bars, html`<b>Mean test correlation per run and method</b>, per simulator; whiskers ± 1 SE.`)}`,
      },
    ];
  },
};
