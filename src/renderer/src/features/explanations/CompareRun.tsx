import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { ExplanationCompare } from './ExplanationCompare';
import { runMethodLabel } from './format';
import { runSimulatorKey, useSimulatorNamer } from './simulators';
import type { RunInfo } from './types';
import { useContractQuery } from '../../lib/query';

/** The same neuron's explanations from another run of the same activation set (e.g. an imported file), side by side. */
export function CompareRun({ runs, current, neuron }: { runs: RunInfo[]; current: RunInfo; neuron: number }) {
  const others = runs.filter((r) => r.id !== current.id && r.activationSetId === current.activationSetId);
  const [otherId, setOtherId] = useState<number | null>(null);
  const name = useSimulatorNamer();
  const other = others.find((r) => r.id === otherId);
  const view = useContractQuery(
    'explain.neuron',
    other ? { runId: other.id, neuron, topK: 0, perBand: 0, randomK: 0, scatterMax: 10 } : null,
  );
  if (others.length === 0) return null;
  return (
    <div className="compare-run" data-testid="compare-run">
      <label className="inline-field">
        Compare with run{' '}
        <select
          value={otherId ?? ''}
          onChange={(e) => setOtherId(e.target.value ? Number(e.target.value) : null)}
          data-testid="compare-run-select"
        >
          <option value="">—</option>
          {others.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.id} {runMethodLabel(r)} · {r.status}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={view.error} />
      {other && view.data && (
        <div data-testid="compare-run-explanations" data-run={other.id}>
          <ExplanationCompare explanations={view.data.explanations} ownSimulator={runSimulatorKey(other)} name={name} />
        </div>
      )}
    </div>
  );
}
