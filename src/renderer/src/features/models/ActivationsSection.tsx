import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { ActivationSetInfo, LayerInfo, NeuronStat } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';
import { ActivationSetList } from './ActivationSetList';
import { jobKey, useJob } from '../jobs';
import { NeuronStatsTable } from './NeuronStatsTable';

// recharts is large: load the histogram only when a neuron is opened.
const NeuronDetail = lazy(() => import('./NeuronDetail').then((m) => ({ default: m.NeuronDetail })));

/** Activation sets of a model; for the chosen one, every neuron's stats and one neuron's histogram. */
export function ActivationsSection({ modelId, layers, probeSets }: { modelId: number; layers: LayerInfo[]; probeSets: ProbeSetInfo[] }) {
  const { api, project } = useApp();
  const run = useJob(jobKey('activations.extract', project?.path, modelId));
  const [sets, setSets] = useState<ActivationSetInfo[] | null>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const finishedSet = run?.status === 'done' ? (run.output?.activationSet.id ?? null) : null;
  const endedAt = run?.endedAt ?? null;

  const reload = useCallback(async () => {
    try {
      const list = await api.call('activations.list', { modelId });
      setSets(list);
      setSelectedId((id) => (id !== null && list.some((s) => s.id === id) ? id : (list.find((s) => s.complete)?.id ?? null)));
      setError(null);
    } catch (e) {
      setError(toShownError(e));
    }
  }, [api, modelId]);

  // Reload when an extraction of this model ends; show the set it produced.
  useEffect(() => {
    void reload().then(() => {
      if (finishedSet !== null) setSelectedId(finishedSet);
    });
  }, [reload, endedAt, finishedSet]);

  const selected = sets?.find((s) => s.id === selectedId) ?? null;
  return (
    <section className="card" aria-labelledby="actsets-title" data-testid="actsets">
      <div className="card-head">
        <h3 id="actsets-title">Activation sets</h3>
        <button type="button" onClick={() => void reload()} data-testid="actsets-refresh">
          Refresh
        </button>
      </div>
      <ErrorBox error={error} />
      {sets && <ActivationSetList sets={sets} layers={layers} probeSets={probeSets} selectedId={selectedId} onSelect={setSelectedId} />}
      {selected && <NeuronsView key={selected.id} set={selected} layers={layers} />}
    </section>
  );
}

function NeuronsView({ set, layers }: { set: ActivationSetInfo; layers: LayerInfo[] }) {
  const { api } = useApp();
  const [stats, setStats] = useState<NeuronStat[] | null>(null);
  const [neuron, setNeuron] = useState<number | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    if (!set.complete) return;
    let live = true;
    api.call('activations.stats', { activationSetId: set.id }).then(
      (s) => live && setStats(s),
      (e: unknown) => live && setError(toShownError(e)),
    );
    return () => {
      live = false;
    };
  }, [api, set.id, set.complete]);

  if (!set.complete) {
    return <p className="warn-text">This set is incomplete ({formatCount(set.rowsDone)} of {formatCount(set.nImages)} images): extract again with the same settings to finish it.</p>;
  }
  const dead = stats?.filter((s) => s.dead).length ?? 0;
  const flagged = set.nonFiniteNeurons.length;
  const layer = layers.find((l) => l.tensorName === set.tensorName);
  return (
    <div className="neurons" data-testid="neurons" data-set={set.id}>
      <div className="neurons-head">
        <h3>
          Neurons of {layer?.friendly || set.tensorName} <span className="hint">({set.summary} over {formatCount(set.nImages)} images)</span>
        </h3>
        {stats && (
          <p className={`dead-summary${dead ? ' has-dead' : ''}`}>
            <strong>{formatCount(stats.length)}</strong> neurons ·{' '}
            <strong data-testid="dead-count" data-value={dead}>
              {formatCount(dead)}
            </strong>{' '}
            dead <span className="hint">(max &lt; 0.01 on every image{stats.length ? `, ${((dead / stats.length) * 100).toFixed(0)}%` : ''})</span>
            {flagged > 0 && (
              <>
                {' '}
                ·{' '}
                <strong data-testid="nonfinite-count" data-value={flagged}>
                  {formatCount(flagged)}
                </strong>{' '}
                non-finite <span className="hint">(NaN or ±Infinity on some images: stats use the finite values; explanations skip them)</span>
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
          <NeuronStatsTable stats={stats} selected={neuron} onSelect={setNeuron} />
          {neuron !== null ? (
            <Suspense fallback={<div className="card neuron-detail empty-detail hint">Loading the chart…</div>}>
              <NeuronDetail activationSetId={set.id} neuron={neuron} images={set.nImages} />
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
