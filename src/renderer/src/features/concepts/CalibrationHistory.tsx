import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { CalibrationReportView } from './CalibrationReportView';
import { formatLoss } from './types';

/** Past calibrations of an encoder, newest (in use) first; a fitted one opens its stored report. */
export function CalibrationHistory({ encoderId }: { encoderId: number }) {
  // Re-read when a calibration is fitted or set (the concepts feature is invalidated).
  const list = useContractQuery('calibration.list', { encoderId });
  const [open, setOpen] = useState<number | null>(null);
  const report = useContractQuery('calibration.report', open === null ? null : { calibrationId: open });
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <p className="hint">Loading calibrations…</p>;
  if (list.data.length === 0) return <p className="hint">No calibrations yet.</p>;
  return (
    <div className="stack" data-testid="cal-history">
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>When</th>
              <th>Source</th>
              <th>Label</th>
              <th className="num">a</th>
              <th className="num">b</th>
              <th className="num">BCE before</th>
              <th className="num">BCE after</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((c, i) => (
              <tr key={c.id} data-testid="cal-history-row" data-source={c.source}>
                <td className="nowrap">
                  {c.createdAt.replace('T', ' ').slice(0, 16)} {i === 0 && <span className="badge status-done">in use</span>}
                </td>
                <td>{c.source}</td>
                <td>{c.label}</td>
                <td className="num mono">{Number(c.a.toPrecision(4))}</td>
                <td className="num mono">{c.b.toFixed(3)}</td>
                <td className="num mono">{formatLoss(c.bceBefore)}</td>
                <td className="num mono">{formatLoss(c.bceAfter)}</td>
                <td className="actions-cell">
                  {c.source === 'fitted' && (
                    <button type="button" onClick={() => setOpen(open === c.id ? null : c.id)} data-testid="cal-history-report">
                      {open === c.id ? 'Hide report' : 'Report'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open !== null && <ErrorBox error={report.error} />}
      {open !== null && report.data && <CalibrationReportView report={report.data} />}
      {open !== null && report.data === null && !report.loading && !report.error && (
        <p className="hint">No stored report for this calibration.</p>
      )}
    </div>
  );
}
