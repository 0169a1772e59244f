import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { useApp } from '../../lib/appContext';
import { jobKey, useJob, useJobStore } from '../jobs';
import { formatCount } from '../../lib/format';
import { formatBeta, formatPct } from './format';
import { JobStatus } from '../jobs';
import { ReportLink } from '../reports';
import { TopImpactCurve } from './TopImpactCurve';
import { TopImpactTable } from './TopImpactTable';
import type { AblationRun, Mapping, TopImpactData } from './types';

const REFERENCE = [0.00258, 0.0152, 0.102, 0.314, 0.775];

function WhyLowRange({ data }: { data: TopImpactData }) {
  const i = data.betas.indexOf(0.02);
  const at = i >= 0 ? data.meanAtBetas[i] : null;
  return (
    <p className="abl-why" data-testid="ti-why">
      {at !== null && `The top 2% most activating images carry only ${formatPct(at, 1)} of this layer's impact on the loss: `}
      most of what a neuron does to the model's predictions happens in its lower and middle activation range, so an explanation (and its
      ablation score) has to describe the whole range, not only the top examples.
    </p>
  );
}

function TopImpactResultsView({ run, label }: { run: AblationRun; label: string }) {
  const [neuron, setNeuron] = useState<number | null>(null);
  const res = useContractQuery('topimpact.results', { topImpactRunId: run.id, ...(neuron === null ? {} : { neuron }) });
  const data = res.data;
  useEffect(() => {
    if (neuron === null && data && data.neurons.length) setNeuron(data.neurons.find((n) => n.total > 0)?.neuron ?? data.neurons[0].neuron);
  }, [data, neuron]);
  return (
    <div className="stack" data-testid="ti-results" data-loaded={data !== null} data-run={run.id}>
      <ErrorBox error={res.error} />
      {data && (
        <>
          <p className="hint">
            Run #{run.id} · {formatCount(data.definedNeurons)} of {formatCount(data.neurons.length)} neurons with a non-zero impact · T ={' '}
            {run.temperature.toFixed(3)} ({run.temperatureSource}){data.accTermUsed ? '' : ' · accuracy term unused (loss only)'} ·
            reference (ResNet-50, all layers):{' '}
            {data.betas.map((b, i) => `${formatBeta(b)} → ${formatPct(REFERENCE[i] ?? null, 2)}`).join(', ')}
          </p>
          <WhyLowRange data={data} />
          <div className="abl-ti-grid">
            <TopImpactCurve data={data} about={{ runId: run.id, title: label }} />
            <TopImpactTable data={data} selected={neuron} onSelect={setNeuron} />
          </div>
        </>
      )}
    </div>
  );
}

/** Top Impact of a layer: run (or rerun) the job, then TI(β) per neuron and the layer mean with the full curve. */
export function TopImpactPanel({
  activationSetId,
  seed,
  mapping,
  label,
  explainRunId,
}: {
  activationSetId: number;
  seed: number;
  mapping: Mapping | null;
  label: string;
  /** The explain run a report of this Top Impact run is about (the layer's newest); undefined: the report asks. */
  explainRunId?: number;
}) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('topimpact.run', project?.path, activationSetId);
  const job = useJob(key);
  // Re-read when a Top Impact run ends (the ablation feature is invalidated).
  const runs = useContractQuery('ablation.runs', { activationSetId });
  const latest = runs.data?.find((r) => r.kind === 'topimpact' && r.status === 'done') ?? null;
  // The mapping's accuracy: near chance, the run is refused unless confirmed here.
  const mapInfo = useContractQuery('ablation.mapping', { activationSetId, ...(mapping ? { mapping } : {}) });
  const nearChance = mapInfo.data?.nearChance === true;
  const [confirmLow, setConfirmLow] = useState(false);
  function start() {
    store.dismiss(key);
    const input = {
      activationSetId,
      seed,
      blockSize: 16,
      ...(mapping ? { mapping } : {}),
      ...(nearChance && confirmLow ? { confirmLowAccuracy: true } : {}),
    };
    void store.start(key, `Top Impact of ${label}`, 'topimpact.run', input);
  }
  return (
    <section className="card" data-testid="ti-panel" data-set={activationSetId}>
      <div className="card-head">
        <h3>Top Impact · {label}</h3>
        {latest && (
          <ReportLink
            run={explainRunId}
            sections={['topimpact']}
            topImpactRunId={latest.id}
            what={`Top Impact run #${latest.id}`}
            testId="ti-report"
            className="report-link push-end"
          />
        )}
        <button
          type="button"
          className={latest ? '' : 'primary'}
          disabled={job?.status === 'running' || (nearChance && !confirmLow)}
          onClick={start}
          data-testid="ti-start"
        >
          {latest ? 'Run Top Impact again' : 'Run Top Impact'}
        </button>
      </div>
      <p className="hint">
        Zero-ablate each neuron; per image the impact mixes the change in accuracy and in (temperature-scaled) loss. Images ordered by
        activation, TI(β) is the share of the total |impact| from the top β fraction (it covers ⌈β·N⌉ of the N probe images, at least one:
        on a small probe set the smallest βs can coincide).
      </p>
      {nearChance && mapInfo.data && (
        <div className="banner banner-warn" role="alert" data-testid="ti-low-accuracy">
          The model agrees with the probe labels on only {((mapInfo.data.accuracy ?? 0) * 100).toFixed(1)}% of the images under this label
          mapping (chance is {((mapInfo.data.chance ?? 0) * 100).toFixed(1)}%; {mapInfo.data.sourceDetail}): the labels probably do not
          match the model&apos;s classes.{' '}
          <label>
            <input type="checkbox" checked={confirmLow} onChange={(e) => setConfirmLow(e.target.checked)} data-testid="ti-confirm-low" />{' '}
            Run anyway
          </label>
        </div>
      )}
      <JobStatus runKey={key} testId="ti" />
      <ErrorBox error={runs.error} />
      {latest ? (
        <TopImpactResultsView run={latest} label={label} />
      ) : (
        runs.data && <p className="hint">No Top Impact run for this layer yet.</p>
      )}
    </section>
  );
}
