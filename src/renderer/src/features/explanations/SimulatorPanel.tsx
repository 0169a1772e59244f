import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { JobStatus } from '../jobs';
import { EncoderSelect } from '../concepts';
import type { SimulatorRef } from '../concepts';
import { useEncoders } from '../concepts';
import { useApp } from '../../lib/appContext';
import { jobKey, useJob, useJobStore } from '../jobs';
import { SimulatorMeansTable } from './SimulatorMeansTable';
import type { RunInfo } from './types';
import { useContractQuery } from '../../lib/query';

/** Score a run's explanations with an image-text simulator and compare the means with the label simulator's. */
export function SimulatorPanel({ run }: { run: RunInfo }) {
  const { project } = useApp();
  const store = useJobStore();
  const encoders = useEncoders();
  const [choice, setChoice] = useState<SimulatorRef | null>(null);
  // Re-read when a simulation ends: the job store invalidates the concepts and explanations features.
  const means = useContractQuery('simulate.means', { explainRunId: run.id });
  const list = encoders.data ?? [];
  const fallback =
    list.find((e) => e.calibration && e.status === 'ok' && e.id !== run.encoderId) ?? list.find((e) => e.calibration && e.status === 'ok');
  const encoderId = typeof choice === 'number' ? choice : (fallback?.id ?? null);
  const key = jobKey('simulate.run', project?.path, run.id);
  const job = useJob(key);
  const running = job?.status === 'running';
  const same = encoderId !== null && encoderId === run.encoderId;
  const lastWarning = job?.status === 'done' ? job.output?.warning : null;

  function start() {
    if (encoderId === null) return;
    store.dismiss(key);
    const name = list.find((e) => e.id === encoderId)?.name ?? `encoder ${encoderId}`;
    void store.start(key, `Simulate run #${run.id} with ${name}`, 'simulate.run', { explainRunId: run.id, encoderId });
  }

  return (
    <section className="card" data-testid="simulator-panel">
      <h3>Score with an image-text simulator</h3>
      <p className="hint">
        Simulates every explanation of this run with a second encoder's P (Σ wᵢ·P(cᵢ|x) + bias) and correlates it with the neuron on the
        test split — a check that does not depend on the labels.
      </p>
      <div className="inline-field wrap">
        <EncoderSelect encoders={list} value={encoderId} onChange={(v) => setChoice(v)} label="Simulator" testId="sim-encoder" />
        <button
          type="button"
          className="primary"
          disabled={encoderId === null || running || run.status !== 'done'}
          onClick={start}
          data-testid="sim-start"
        >
          {running ? 'Simulating…' : 'Score with this simulator'}
        </button>
      </div>
      {same && (
        <div className="banner banner-warn" role="alert" data-testid="sim-same-warning">
          This is the encoder that produced the explanations: its scores will be optimistic (the explainer grades itself). Prefer a
          different encoder.
        </div>
      )}
      {lastWarning && !same && (
        <p className="warn-text" data-testid="sim-warning">
          {lastWarning}
        </p>
      )}
      {job?.status !== 'done' && <JobStatus runKey={key} testId="sim" />}
      <ErrorBox error={means.error} />
      {means.data && means.data.length > 0 && (
        <>
          <h4>Mean test correlation per simulator</h4>
          <SimulatorMeansTable means={means.data} explainerSha={list.find((e) => e.id === run.encoderId)?.sha256} />
        </>
      )}
    </section>
  );
}
