import { useState } from 'react';
import type { ActivationSetInfo, ModelSummary } from '../../../../shared/contract';
import type { ConceptSource } from '../../../../shared/contract';
import { JobStatus } from '../jobs';
import { useApp } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import { jobKey, useJob, useJobStore } from '../jobs';
import type { SplitResult } from './types';
import { expensiveThreshold, formatDuration, UNITS_PER_SECOND, workUnits, type ParamDraft, type ParamValues } from './wizardParams';

/** Step 4: what will run, a warning when it is expensive, then the job with progress and Cancel. */
export function StepReview({
  set,
  model,
  concepts,
  conceptSource,
  sourceLabel,
  split,
  params,
  values,
  onRun,
}: {
  set: ActivationSetInfo;
  model: ModelSummary | undefined;
  concepts: number;
  conceptSource: ConceptSource;
  sourceLabel: string;
  split: SplitResult;
  params: ParamDraft;
  /** The draft as explain.run's schema parsed it. */
  values: ParamValues;
  onRun: (runId: number) => void;
}) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('explain.run', project?.path, set.id);
  const run = useJob(key);
  const running = run?.status === 'running';
  const units = workUnits(set.nNeurons, set.nImages, concepts, params);
  const expensive = units > expensiveThreshold();
  const [confirmed, setConfirmed] = useState(false);

  function start() {
    store.dismiss(key);
    const input = {
      activationSetId: set.id,
      conceptSource,
      seed: split.seed,
      ...(split.source === 'imported' ? { splitId: split.id } : {}),
      eta: values.eta,
      lambdaSelection: values.lambdaSelection,
      maxConcepts: values.maxConcepts,
      width: values.width,
      eps: values.eps,
      order: values.order,
      ...(values.lambdaSelection === 'fixed' ? { lambda: values.lambda } : {}),
    };
    const title = conceptSource.kind === 'encoder' ? `Explain ${set.tensorName} (LE(SigLIP))` : `Explain ${set.tensorName}`;
    void store.start(key, title, 'explain.run', input).then((out) => {
      if (out) onRun(out.run.id);
    });
  }

  return (
    <div className="stack" data-testid="wiz-review">
      <dl className="facts">
        <dt>Model</dt>
        <dd>{model?.name ?? set.modelId}</dd>
        <dt>Layer</dt>
        <dd className="mono">{set.tensorName}</dd>
        <dt>Concepts</dt>
        <dd data-testid="wiz-source">{sourceLabel}</dd>
        <dt>Neurons × concepts</dt>
        <dd data-testid="wiz-size">
          {formatCount(set.nNeurons)} × {formatCount(concepts)}
          {conceptSource.kind === 'encoder' && conceptSource.filter ? ' (before the top-5 filter)' : ''}
        </dd>
        <dt>Split</dt>
        <dd>
          {split.source === 'imported' ? `imported (${split.name ?? `split ${split.id}`})` : `seed ${split.seed}`}: {split.counts.train} /{' '}
          {split.counts.val} / {split.counts.test}
        </dd>
        <dt>Parameters</dt>
        <dd className="mono">
          η {params.eta}, λ {params.lambdaSelection === 'val' ? 'chosen on val' : Number(params.lambda).toPrecision(3)}, v{' '}
          {params.maxConcepts}, r {params.width}, ε {params.eps}, order {params.order}
        </dd>
      </dl>
      <p className="hint" data-testid="wiz-estimate">
        Rough estimate: {formatDuration(units / UNITS_PER_SECOND)} on this machine.
      </p>
      <p className="hint">Also computed for comparison: the best single concept and the top-5 concepts without search (baselines).</p>
      {expensive && (
        <div className="banner banner-warn wiz-expensive" role="alert" data-testid="wiz-expensive">
          This is a large run ({formatCount(set.nNeurons)} neurons × {formatCount(concepts)} concepts × {formatCount(set.nImages)} images)
          and may take a long time. Progress is saved per block of neurons: it can be cancelled and resumed from the Jobs screen.
          <label className="inline-field">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} data-testid="wiz-confirm" /> Start
            it anyway
          </label>
        </div>
      )}
      <div className="actions">
        <button type="button" className="primary" disabled={running || (expensive && !confirmed)} onClick={start} data-testid="wiz-start">
          {running ? 'Explaining…' : 'Start explanation run'}
        </button>
      </div>
      <JobStatus runKey={key} testId="explain" />
    </div>
  );
}
