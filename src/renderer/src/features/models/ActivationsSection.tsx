import { router } from '../../routes';
import { lazy, Suspense, useEffect, useState } from 'react';
import type { ActivationSetInfo, LayerInfo } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import type { ProbeSetInfo } from '../../lib/types';
import { ActivationSetList } from './ActivationSetList';
import { jobKey, useJob } from '../jobs';
import type { GoModel } from './ModelView';
import { NeuronStatsTable } from './NeuronStatsTable';

// recharts is large: load the histogram only when a neuron is opened.
const NeuronDetail = lazy(() => import('./NeuronDetail').then((m) => ({ default: m.NeuronDetail })));

/** Activation sets of a model; for the chosen one, every neuron's stats and one neuron's histogram. */
export function ActivationsSection({
  modelId,
  modelName,
  layers,
  probeSets,
  setId,
  neuron,
  go,
}: {
  modelId: number;
  /** For figure captions. */
  modelName: string;
  layers: LayerInfo[];
  probeSets: ProbeSetInfo[];
  /** The activation set the address names (#/models/2/set/5), and its neuron (…/neuron/7). */
  setId: number | null;
  neuron: number | null;
  go: GoModel;
}) {
  const { project } = useApp();
  const run = useJob(jobKey('activations.extract', project?.path, modelId));
  // Re-read when an extraction ends (the job store invalidates the models feature).
  const list = useContractQuery('activations.list', { modelId });
  const sets = list.data;
  const finishedSet = run?.status === 'done' ? (run.output?.activationSet.id ?? null) : null;
  const endedAt = run?.endedAt ?? null;
  // The set an extraction just produced is shown once the list has it.
  const [reveal, setReveal] = useState<number | null>(finishedSet);
  useEffect(() => setReveal(finishedSet), [endedAt, finishedSet]);

  // Which set is shown: a just-produced one; else the one in the address while the list has it; else the first complete one.
  useEffect(() => {
    if (!sets || list.loading) return;
    if (reveal !== null && sets.some((s) => s.id === reveal)) {
      setReveal(null);
      if (reveal !== setId) go({ tab: 'activations', setId: reveal }, { replace: true });
      return;
    }
    if (setId !== null && sets.some((s) => s.id === setId)) return;
    const first = sets.find((s) => s.complete)?.id;
    if (first !== undefined) go({ tab: 'activations', setId: first }, { replace: true });
  }, [sets, list.loading, reveal, setId, go]);

  const selectedId = setId;
  const selected = sets?.find((s) => s.id === selectedId) ?? null;
  return (
    <section className="card" aria-labelledby="actsets-title" data-testid="actsets">
      <div className="card-head">
        <h3 id="actsets-title">Activation sets</h3>
        <button type="button" onClick={list.refetch} data-testid="actsets-refresh">
          Refresh
        </button>
      </div>
      <ErrorBox error={list.error} />
      {sets && (
        <ActivationSetList
          sets={sets}
          layers={layers}
          probeSets={probeSets}
          selectedId={selectedId}
          onSelect={(id) => go({ tab: 'activations', setId: id })}
        />
      )}
      {selected && (
        <NeuronsView
          key={selected.id}
          set={selected}
          about={`${modelName} · ${selected.tensorName} (${selected.summary}) · probe set ${
            probeSets.find((p) => p.id === selected.probeSetId)?.name ?? `#${selected.probeSetId}`
          } · activation set #${selected.id}`}
          layers={layers}
          neuron={neuron}
          onNeuron={(n) => go({ tab: 'activations', setId: selected.id, neuron: n })}
        />
      )}
    </section>
  );
}

function NeuronsView({
  set,
  about,
  layers,
  neuron,
  onNeuron,
}: {
  set: ActivationSetInfo;
  about: string;
  layers: LayerInfo[];
  neuron: number | null;
  onNeuron: (n: number) => void;
}) {
  const { data: stats, error } = useContractQuery('activations.stats', set.complete ? { activationSetId: set.id } : null);

  if (!set.complete) {
    return (
      <p className="warn-text">
        This set is incomplete ({formatCount(set.rowsDone)} of {formatCount(set.nImages)} images): extract again with the same settings to
        finish it.
      </p>
    );
  }
  const dead = stats?.filter((s) => s.dead).length ?? 0;
  const flagged = set.nonFiniteNeurons.length;
  const layer = layers.find((l) => l.tensorName === set.tensorName);
  return (
    <div className="neurons" data-testid="neurons" data-set={set.id}>
      <div className="neurons-head">
        <h3>
          Neurons of {layer?.friendly || set.tensorName}{' '}
          <span className="hint">
            ({set.summary} over {formatCount(set.nImages)} images)
          </span>
        </h3>
        {stats && (
          <p className={`dead-summary${dead ? ' has-dead' : ''}`}>
            <strong>{formatCount(stats.length)}</strong> neurons ·{' '}
            <strong data-testid="dead-count" data-value={dead}>
              {formatCount(dead)}
            </strong>{' '}
            dead{' '}
            <span className="hint">
              (max &lt; 0.01 on every image{stats.length ? `, ${((dead / stats.length) * 100).toFixed(0)}%` : ''})
            </span>
            {flagged > 0 && (
              <>
                {' '}
                ·{' '}
                <strong data-testid="nonfinite-count" data-value={flagged}>
                  {formatCount(flagged)}
                </strong>{' '}
                non-finite{' '}
                <span className="hint">(NaN or ±Infinity on some images: stats use the finite values; explanations skip them)</span>
              </>
            )}
          </p>
        )}
        {set.nonFiniteLogits > 0 && (
          <p className="warn-text" data-testid="nonfinite-logits">
            {formatCount(set.nonFiniteLogits)} stored logits are NaN or ±Infinity: ablation and Top Impact refuse this set.
          </p>
        )}
      </div>
      <ErrorBox error={error} />
      {stats && (
        <div className="neurons-body">
          <NeuronStatsTable
            stats={stats}
            selected={neuron}
            onSelect={onNeuron}
            unitHref={(n) => router.href({ screen: 'explanations', view: 'unit', modelId: set.modelId, setId: set.id, neuron: n })}
          />
          {neuron !== null ? (
            <Suspense fallback={<div className="card neuron-detail empty-detail hint">Loading the chart…</div>}>
              <NeuronDetail activationSetId={set.id} modelId={set.modelId} neuron={neuron} images={set.nImages} about={about} />
            </Suspense>
          ) : (
            <div className="card neuron-detail empty-detail">
              <p className="hint">Click a neuron to see its histogram. Sort by a column to find the strongest or the dead ones.</p>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
