import './dissect.css';
import { useCallback } from 'react';
import { useLayers } from '../../components/LayerPicker';
import { useApp } from '../../lib/appContext';
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
  const { navigate } = useApp();
  const route = useScreenRoute('dissect');
  const open = useCallback((setId: number, opts?: { replace: boolean }) => navigate({ screen: 'dissect', setId }, opts), [navigate]);
  // #/dissect opens the first complete layer.
  const { set, picker } = useLayers(route.setId, open, { testId: 'dissect-layer', showSummary: true });

  return (
    <div className="stack dissect-screen" data-testid="dissect-screen" data-set={set?.id ?? ''}>
      <section className="card stack">
        <h1>Describe-and-Dissect</h1>
        <p className="hint">
          Open-vocabulary labels of neurons from local generative models (Describe-and-Dissect), and the concept-set baseline CLIP-Dissect.
          Both are stored as explanation runs: their results tables, neuron pages, simulation scores and exports sit next to Linear
          Explanations.
        </p>
        {picker}
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
