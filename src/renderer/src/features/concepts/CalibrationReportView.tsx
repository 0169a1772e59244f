import { formatCount } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { ReportLink } from '../reports';
import { AurocTable } from './AurocTable';
import { ReliabilityChart } from './ReliabilityChart';
import { formatLoss, type CalibrationReport } from './types';

/** A fitted calibration: BCE before / grid / after, ECE, the reliability diagram and per-concept AUROC. */
export function CalibrationReportView({ report }: { report: CalibrationReport }) {
  const r = report;
  const improved = r.after.bce < r.before.bce;
  // A report is about an explain run: the newest one of this encoder (else the Report screen asks for one).
  const runs = useContractQuery('explain.runs', {});
  const reportRun = runs.data?.filter((x) => x.encoderId === r.calibration.encoderId).sort((a, b) => b.id - a.id)[0]?.id;
  return (
    <div className="stack calibration-report" data-testid="calibration-report" data-improved={improved}>
      <div className="card-head">
        <p className="hint">
          {formatCount(r.images)} images · {r.concepts.length} label concepts
          {r.skipped.length ? ` (skipped, too broad: ${r.skipped.join(', ')})` : ''} · embeddings {formatCount(r.embeddings.computed)}{' '}
          computed, {formatCount(r.embeddings.cached)} cached · {r.seconds.toFixed(1)} s
        </p>
        <ReportLink
          run={reportRun}
          sections={['calibration']}
          what={reportRun === undefined ? 'an explain run with this calibration' : `explain run #${reportRun} with this calibration`}
          testId="cal-report"
        />
      </div>
      <div className="grid-2">
        <div>
          <table className="table" data-testid="bce-table">
            <thead>
              <tr>
                <th />
                <th className="num">a</th>
                <th className="num">b</th>
                <th className="num">BCE</th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  ['before', 'Before (a=1, b=0)', r.before],
                  ['grid', 'Grid search', r.grid],
                  ['after', 'After (refined)', r.after],
                ] as const
              ).map(([k, label, v]) => (
                <tr key={k} className={k === 'after' ? 'strong-row' : ''}>
                  <td>{label}</td>
                  <td className="num mono">{Number(v.a.toPrecision(4))}</td>
                  <td className="num mono">{v.b.toFixed(3)}</td>
                  <td className="num mono" data-testid={`bce-${k}`} data-value={v.bce}>
                    {formatLoss(v.bce)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="bce-verdict" className={improved ? 'ok-text' : 'warn-text'}>
            {improved
              ? `BCE after ${formatLoss(r.after.bce)} < before ${formatLoss(r.before.bce)}`
              : `BCE did not improve (${formatLoss(r.after.bce)} vs ${formatLoss(r.before.bce)})`}
          </p>
          <dl className="stat-row">
            <div className="stat">
              <dt>ECE before</dt>
              <dd data-testid="ece-before">{formatLoss(r.eceBefore)}</dd>
            </div>
            <div className="stat">
              <dt>ECE after</dt>
              <dd data-testid="ece-after">{formatLoss(r.eceAfter)}</dd>
            </div>
            <div className="stat">
              <dt>Mean AUROC</dt>
              <dd data-testid="mean-auroc">{r.meanAuroc === null ? '—' : r.meanAuroc.toFixed(3)}</dd>
            </div>
          </dl>
          <p className="hint">Reference (ImageNet val, ViT-L-16-SigLIP-384): a=60 b=−0.09, BCE 0.0152.</p>
        </div>
        <ReliabilityChart
          before={r.reliabilityBefore}
          after={r.reliabilityAfter}
          name={`calibration-${r.calibration.id}-reliability`}
          caption={{
            title: 'Reliability diagram: mean predicted P vs observed rate of positive labels, before and after calibration',
            lines: [
              `Calibration #${r.calibration.id} of encoder #${r.calibration.encoderId} (${r.calibration.source}, ${r.calibration.label}) · ${formatCount(r.images)} images · ${r.concepts.length} label concepts`,
              `Before: a = 1, b = 0, ECE ${formatLoss(r.eceBefore)} · after: a = ${Number(r.after.a.toPrecision(4))}, b = ${r.after.b.toFixed(3)}, ECE ${formatLoss(r.eceAfter)} · dashed diagonal: perfectly calibrated`,
            ],
          }}
        />
      </div>
      <details open>
        <summary>Per-concept AUROC ({r.perConcept.length})</summary>
        <AurocTable rows={r.perConcept} />
      </details>
    </div>
  );
}
