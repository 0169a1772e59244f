import { useState } from 'react';
import { JobStatus } from '../jobs';
import { useApp } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import { jobKey, useJob, useJobStore } from '../jobs';
import type { ProbeSetInfo } from '../../lib/types';
import { EncoderSelect } from './EncoderSelect';
import { formatAB, type ConceptSetInfo, type EncoderInfo, type FilterReport, type SimulatorRef } from './types';
import { ProbeSetSelect } from '../probes';

/** The top-5 filter of a concept set under an encoder's calibration on a probe set: kept count, dropped concepts. */
export function FilterPanel({ set, encoders, probeSets }: { set: ConceptSetInfo; encoders: EncoderInfo[]; probeSets: ProbeSetInfo[] }) {
  const { project } = useApp();
  const store = useJobStore();
  // Until the user picks: the first calibrated encoder and the first probe set (the lists may still be loading).
  const [pickedEncoder, setEncoderId] = useState<SimulatorRef | null>(null);
  const [pickedProbeSet, setProbeSetId] = useState<number | null>(null);
  const encoderId = pickedEncoder ?? encoders.find((e) => e.calibration && e.status === 'ok')?.id ?? null;
  const probeSetId = pickedProbeSet ?? probeSets[0]?.id ?? null;
  const key = jobKey('conceptSet.filter', project?.path, set.id);
  const job = useJob(key);
  const [report, setReport] = useState<FilterReport | null>(job?.status === 'done' ? (job.output as FilterReport) : null);

  function start() {
    if (typeof encoderId !== 'number' || probeSetId === null) return;
    store.dismiss(key);
    setReport(null);
    void store
      .start(key, `Top-5 filter of ${set.name}`, 'conceptSet.filter', { conceptSetId: set.id, encoderId, probeSetId })
      .then((out) => {
        if (out) setReport(out);
      });
  }

  return (
    <div className="stack" data-testid="filter-panel">
      <p className="hint">
        Keeps a concept if the mean of its 5 highest P values on the probe set is at least 0.5 and its std at least 1e-5; the kept ones
        become a new set.
      </p>
      <div className="inline-field wrap">
        <EncoderSelect encoders={encoders} value={encoderId} onChange={setEncoderId} label="Encoder" testId="filter-encoder" />
        <ProbeSetSelect probeSets={probeSets} value={probeSetId} onChange={setProbeSetId} testId="filter-probeset" />
        <button
          type="button"
          className="primary"
          disabled={typeof encoderId !== 'number' || probeSetId === null || job?.status === 'running'}
          onClick={start}
          data-testid="filter-start"
        >
          Apply top-5 filter
        </button>
      </div>
      {job?.status !== 'done' && <JobStatus runKey={key} testId="filter" />}
      {report && (
        <div className="stack" data-testid="filter-result" data-kept={report.kept.count} data-dropped={report.dropped.length}>
          <p>
            Kept <strong>{formatCount(report.kept.count)}</strong> of {formatCount(report.total)} concepts as “{report.kept.name}”
            (calibration {formatAB(report.calibration)}; {report.seconds.toFixed(1)} s).
          </p>
          {report.warning && (
            <p className="warn-text" role="status" data-testid="filter-unknown" data-count={report.unknown.length}>
              {report.warning}
            </p>
          )}
          {report.dropped.length > 0 && (
            <div className="table-scroll auroc-scroll">
              <table className="table" data-testid="filter-dropped">
                <thead>
                  <tr>
                    <th>Dropped concept</th>
                    <th className="num">Top-5 mean P</th>
                    <th className="num">Std</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {report.dropped.map((d) => (
                    <tr key={d.concept}>
                      <td>{d.concept}</td>
                      <td className="num mono">{d.top5Mean.toFixed(3)}</td>
                      <td className="num mono">{d.std.toExponential(2)}</td>
                      <td>{d.reason === 'top5' ? 'top-5 mean < 0.5' : 'constant'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
