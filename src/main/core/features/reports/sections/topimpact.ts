import type { TopImpactResults } from '../../../../../shared/contract';
import { lineSvg } from '../../../platform/report/charts';
import { figure, fmt, html, note, table, type Column } from '../../../platform/report/layout';
import type { ReportSection } from '../section';

// Top Impact: the share of a neuron's effect carried by its top beta of images, layer mean curve and table.

const TOP_NEURONS = 20;
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`);

export const topImpactSection: ReportSection<TopImpactResults> = {
  id: 'topimpact',
  title: 'Top Impact',
  availability: (scope) =>
    scope.topImpact
      ? { available: true, reason: null, source: `Top Impact run ${scope.topImpact.id}` }
      : {
          available: false,
          reason: `no finished Top Impact run of this layer: run topimpact.run --activationSetId ${scope.set.id} (or the Ablation screen).`,
          source: null,
        },
  collect: (scope) => scope.source('topimpact.results', { topImpactRunId: scope.topImpact!.id }),
  pages(res) {
    const mid = res.betas.indexOf(0.02) >= 0 ? res.betas.indexOf(0.02) : Math.floor(res.betas.length / 2);
    const top = res.neurons
      .filter((n) => n.atBetas[mid] !== null)
      .sort((a, b) => (b.atBetas[mid] ?? 0) - (a.atBetas[mid] ?? 0) || a.neuron - b.neuron)
      .slice(0, TOP_NEURONS);
    const betaCols = res.betas.map((b, i) => ({
      head: `TI(${b})`,
      num: true,
      cell: (n: { atBetas: (number | null)[] }) => pct(n.atBetas[i]),
    }));
    const neuronCols: Column<(typeof top)[number]>[] = [{ head: 'Neuron', num: true, cell: (n) => n.neuron, width: '16%' }, ...betaCols];
    const curve = lineSvg(
      {
        x: res.curveBetas,
        series: [{ name: 'layer mean', values: res.meanCurve }],
        logX: true,
        xLabel: 'beta: top share of images by activation',
        yLabel: 'share of the effect',
        yDomain: [0, 1],
      },
      { width: 680, height: 280 },
    );
    return [
      {
        title: 'Top Impact',
        toc: null,
        body: html`<h2>Top Impact</h2>
          <p class="small muted">
            Top Impact run ${res.run.id}: each neuron zero-ablated; TI(beta) = share of its total effect on the loss carried by the top beta
            of images by activation (T = ${fmt(res.run.temperature, 3)}, ${res.run.temperatureSource}). Means over the ${res.definedNeurons}
            neurons with an effect.
          </p>
          ${figure('topimpact-curve', curve, html`<b>Mean Top Impact curve</b> of the layer (log beta).`)}
          ${table([{ head: '', cell: () => 'layer mean', width: '16%' }, ...betaCols.map((c, i) => ({ ...c, cell: () => pct(res.meanAtBetas[i]) }))], [0])}
          <h3>The ${top.length} neurons with the highest TI(${res.betas[mid]})</h3>
          ${table(neuronCols, top)}
          ${res.accTermUsed ? '' : note('Some neurons were scored without the accuracy term (see docs/methods.md, Top Impact).')}`,
      },
    ];
  },
};
