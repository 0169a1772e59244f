import { formatValue } from '../../lib/format';
import { useContractQuery } from '../../lib/query';

/** "Which neurons use 'footwear'?": the matching terms with their weights (explain.searchConcept), strongest first. */
export function ConceptHits({ runId, text, onOpen }: { runId: number; text: string; onOpen: (neuron: number) => void }) {
  const hits = useContractQuery('explain.searchConcept', { runId, text });
  if (!hits.data) return null;
  const pos = hits.data.filter((h) => h.weight > 0).length;
  return (
    <p className="concept-hits" data-testid="concept-hits" data-count={hits.data.length}>
      <strong>{hits.data.length}</strong> term{hits.data.length === 1 ? '' : 's'} match “{text}” ({pos} positive, {hits.data.length - pos}{' '}
      negative):{' '}
      {hits.data.slice(0, 24).map((h) => (
        <button key={`${h.neuron}-${h.concept}`} type="button" className="chip hit-chip" onClick={() => onOpen(h.neuron)} title={h.text}>
          #{h.neuron} {formatValue(h.weight)} × {h.concept}
        </button>
      ))}
      {hits.data.length > 24 && <span className="hint"> …</span>}
    </p>
  );
}
