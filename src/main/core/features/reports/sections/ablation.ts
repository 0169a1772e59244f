import type { AblationResults } from '../../../../../shared/contract';
import { scatterSvg } from '../../../platform/report/charts';
import { figure, fmt, html, meanSE, table, type Column } from '../../../platform/report/layout';
import type { ReportSection } from '../section';
import { methodName } from '../words';

// Ablation scores (Optim, Norm) per method with standard errors, and the correlation-vs-ablation scatter with
// its quadratic fits y = a r² + b r + c (the papers' figure; numeric/ablation's QuadraticFit), from the ablation
// run of this explain run.

type Method = AblationResults['methods'][number];
type Fit = Method['optimVsCorrelation'];

const signed = (v: number) => `${v < 0 ? '−' : '+'} ${fmt(Math.abs(v))}`;
const fitText = (q: Fit) =>
  q && q.a !== null && q.b !== null && q.c !== null ? `${fmt(q.a)}·r² ${signed(q.b)}·r ${signed(q.c)} (R² ${fmt(q.r2, 2)}, n ${q.n})` : '—';

function simulatorOf(r: AblationResults['run'], encoders: { id: number; name: string }[]): string {
  const sim = r.params.simulator;
  if (sim === undefined || sim === 'label') return 'label simulator';
  return `${encoders.find((e) => e.id === sim)?.name ?? `encoder ${String(sim)}`} simulator`;
}

export const ablationSection: ReportSection<AblationResults> = {
  id: 'ablation',
  title: 'Ablation scores',
  availability: (scope) =>
    scope.ablation
      ? { available: true, reason: null, source: `ablation run ${scope.ablation.id} (${simulatorOf(scope.ablation, scope.encoders)})` }
      : {
          available: false,
          reason: `no finished ablation run scores explain run ${scope.run.id}: run ablation.run --explainRunId ${scope.run.id} (or the Ablation screen).`,
          source: null,
        },
  collect: (scope) => scope.source('ablation.results', { ablationRunId: scope.ablation!.id, offset: 0, limit: 1 }),
  pages(res, scope) {
    const sim = simulatorOf(res.run, scope.encoders);
    const cols: Column<Method>[] = [
      { head: 'Method', cell: (m) => methodName(m.method), width: '24%' },
      { head: 'Optim', num: true, cell: (m) => meanSE(m.optim) },
      { head: 'Norm', num: true, cell: (m) => meanSE(m.norm) },
      { head: 'test r', num: true, cell: (m) => meanSE(m.correlation) },
      { head: 'flagged', num: true, cell: (m) => m.flagged, width: '8%' },
    ];
    const fits: Column<Method>[] = [
      { head: 'Method', cell: (m) => methodName(m.method), width: '24%' },
      { head: 'Optim ≈ (fit on test r)', cell: (m) => fitText(m.optimVsCorrelation), wrap: true },
      { head: 'Norm ≈ (fit on test r)', cell: (m) => fitText(m.normVsCorrelation), wrap: true },
    ];
    const chart = (which: 'optim' | 'norm') =>
      scatterSvg(
        {
          series: res.scatter.map((s) => ({
            name: methodName(s.method),
            points: s.correlation.map((c, i) => [c, s[which][i]] as [number | null, number | null]),
          })),
          fits: res.methods.flatMap((m) => {
            const q = which === 'optim' ? m.optimVsCorrelation : m.normVsCorrelation;
            return q && q.a !== null && q.b !== null && q.c !== null
              ? [{ name: `${methodName(m.method)} fit`, a: q.a, b: q.b, c: q.c }]
              : [];
          }),
          xLabel: `test correlation (${sim})`,
          yLabel: `ablation score (${which === 'optim' ? 'Optim' : 'Norm'})`,
          legend: true,
        },
        { width: 680, height: 270 },
      );
    return [
      {
        title: 'Ablation scores',
        toc: null,
        body: html`<h2>Ablation scores</h2>
          <p class="small muted">
            Ablation run ${res.run.id} of explain run ${scope.run.id}: replacing each neuron by its explanation's simulation (${sim}) on the
            test split; temperature T = ${fmt(res.run.temperature, 3)} (${res.run.temperatureSource}). Mean ± standard error over neurons;
            flagged neurons (no effect to explain) are left out of the means.
          </p>
          ${table(cols, res.methods)} ${table(fits, res.methods)}
          ${figure('ablation-optim', chart('optim'), html`<b>Correlation vs Optim ablation score</b> per neuron, with the quadratic fit of each method.`)}
          ${figure('ablation-norm', chart('norm'), html`<b>Correlation vs Norm ablation score</b> per neuron, with the quadratic fit of each method.`)}`,
      },
    ];
  },
};
