import type { CalibrationReport, EncoderInfo } from '../../../../../shared/contract';
import { scatterSvg } from '../../../platform/report/charts';
import { figure, fmt, html, kvTable, table } from '../../../platform/report/layout';
import type { ReportScope, ReportSection } from '../section';

// The calibration of every image-text encoder this run used (explainer or simulator) that was fitted on a probe
// set: the reliability diagram before/after, BCE, ECE and per-concept AUROC. Presets and typed constants have no
// reliability data and are named on the title page only.

interface CalibrationData {
  reports: { encoder: EncoderInfo; report: CalibrationReport }[];
}

function usedEncoders(scope: ReportScope): EncoderInfo[] {
  const keys = new Set(scope.rows.flatMap((r) => r.simulated.map((s) => s.simulator)));
  return scope.encoders.filter((e) => e.id === scope.run.encoderId || keys.has(e.sha256));
}

const fitted = (scope: ReportScope) => usedEncoders(scope).filter((e) => e.calibration?.source === 'fitted');

export const calibrationSection: ReportSection<CalibrationData> = {
  id: 'calibration',
  title: 'Calibration',
  availability(scope) {
    const list = fitted(scope);
    if (list.length)
      return { available: true, reason: null, source: list.map((e) => `${e.name} calibration ${e.calibration!.id}`).join(', ') };
    return {
      available: false,
      reason: usedEncoders(scope).length
        ? 'the encoders of this run use preset or typed calibrations (no reliability data): fit one with calibration.run.'
        : 'this run used no image-text encoder (label concepts, label simulator only).',
      source: null,
    };
  },
  async collect(scope) {
    const reports: CalibrationData['reports'] = [];
    for (const encoder of fitted(scope)) {
      const report = await scope.source('calibration.report', { calibrationId: encoder.calibration!.id });
      if (report) reports.push({ encoder, report });
    }
    return { reports };
  },
  pages(data) {
    return data.reports.map(({ encoder, report: r }) => {
      const bins = (b: CalibrationReport['reliabilityBefore']) =>
        b.map((x) => [x.meanPredicted, x.observed] as [number | null, number | null]);
      const chart = scatterSvg(
        {
          series: [
            { name: 'before', points: bins(r.reliabilityBefore) },
            { name: 'after', points: bins(r.reliabilityAfter) },
          ],
          diagonal: true,
          xLabel: 'mean predicted P(concept | image)',
          yLabel: 'observed frequency',
          legend: true,
        },
        { width: 460, height: 340 },
      );
      const worst = [...r.perConcept]
        .filter((c) => c.auroc !== null)
        .sort((a, b) => (a.auroc ?? 0) - (b.auroc ?? 0))
        .slice(0, 12);
      return {
        title: `Calibration: ${encoder.name}`,
        toc: `Calibration: ${encoder.name}`,
        body: html`<h2>Calibration of ${encoder.name}</h2>
          ${kvTable([
            ['Calibration', `${r.calibration.id}, ${r.calibration.label}, ${r.images} images, ${r.concepts.length} label concepts`],
            ['Before: a, b, BCE, ECE', `${fmt(r.before.a)}, ${fmt(r.before.b)}, ${fmt(r.before.bce, 4)}, ${fmt(r.eceBefore, 4)}`],
            ['After: a, b, BCE, ECE', `${fmt(r.after.a)}, ${fmt(r.after.b)}, ${fmt(r.after.bce, 4)}, ${fmt(r.eceAfter, 4)}`],
            ['Mean AUROC over concepts', fmt(r.meanAuroc)],
          ])}
          ${figure(
            'reliability',
            chart,
            html`<b>Reliability diagram</b> of P = sigmoid(a·(cos + b)) over the probe set's label concepts, before and after calibration
              (bins of predicted P; the diagonal is perfect calibration).`,
          )}
          <h3>Concepts the encoder separates worst (AUROC)</h3>
          ${table(
            [
              { head: 'Concept', cell: (c: (typeof worst)[number]) => c.concept },
              { head: 'positives', num: true, cell: (c) => c.positives },
              { head: 'AUROC', num: true, cell: (c) => fmt(c.auroc) },
            ],
            worst,
          )}`,
      };
    });
  },
};
