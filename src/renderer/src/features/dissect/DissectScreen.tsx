import './dissect.css';
import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { ClipDissectForm } from './ClipDissectForm';
import { DissectRuns } from './DissectRuns';
import { DndWizard } from './DndWizard';

/**
 * Describe-and-Dissect: pick a layer (an extracted activation set), then describe its neurons with DnD (the wizard) or
 * label them with CLIP-Dissect; the layer's runs of both, with their results tables and reference-format exports.
 * The labels are explain runs: the Explanations screen scores and shows them next to Linear Explanations.
 */
export function DissectScreen() {
  const { navigate, openScreen } = useApp();
  const route = useScreenRoute('dissect');
  const sets = useContractQuery('activations.list', {});
  const models = useContractQuery('model.list', {});
  const complete = (sets.data ?? []).filter((s) => s.complete);
  const set = complete.find((s) => s.id === route.setId);
  const modelName = (id: number) => models.data?.find((m) => m.id === id)?.name ?? `model #${id}`;

  // #/dissect opens the first complete layer.
  useEffect(() => {
    if (route.setId === undefined && complete.length > 0) navigate({ screen: 'dissect', setId: complete[0].id }, { replace: true });
  }, [route.setId, complete, navigate]);

  return (
    <div className="stack dissect-screen" data-testid="dissect-screen" data-set={set?.id ?? ''}>
      <section className="card stack">
        <h1>Describe-and-Dissect</h1>
        <p className="hint">
          Open-vocabulary labels of neurons from local generative models (Describe-and-Dissect), and the concept-set baseline CLIP-Dissect.
          Both are stored as explanation runs: their results tables, neuron pages, simulation scores and exports sit next to Linear
          Explanations.
        </p>
        <ErrorBox error={sets.error ?? models.error} />
        {sets.data && complete.length === 0 && (
          <p className="hint">
            No extracted layer yet: extract one on the{' '}
            <button type="button" className="link" onClick={() => openScreen('models')}>
              Models
            </button>{' '}
            screen.
          </p>
        )}
        {complete.length > 0 && (
          <label className="inline-field">
            Layer{' '}
            <select
              value={set?.id ?? ''}
              onChange={(e) => navigate({ screen: 'dissect', setId: Number(e.target.value) })}
              data-testid="dissect-layer"
            >
              {!set && <option value="">— choose a layer —</option>}
              {complete.map((s) => (
                <option key={s.id} value={s.id}>
                  {modelName(s.modelId)} / {s.tensorName} ({formatCount(s.nNeurons)} neurons, {formatCount(s.nImages)} images, {s.summary})
                </option>
              ))}
            </select>
          </label>
        )}
        {route.setId !== undefined && sets.data && !set && (
          <p className="warn-text" data-testid="dissect-layer-missing">
            Activation set #{route.setId} is not a complete layer of this project: choose another one.
          </p>
        )}
      </section>
      {set && (
        <>
          <DndWizard key={`dnd-${set.id}`} set={set} />
          <ClipDissectForm key={`cd-${set.id}`} set={set} />
          <DissectRuns setId={set.id} />
        </>
      )}
    </div>
  );
}
