import { useMemo, useState } from 'react';
import type { LayerInfo } from '../../../../shared/contract';
import { formatCount } from '../../lib/format';

function matches(l: LayerInfo, q: string): boolean {
  if (!q) return true;
  const s = q.toLowerCase();
  return l.tensorName.toLowerCase().includes(s) || l.friendly.toLowerCase().includes(s) || l.opType.toLowerCase().includes(s);
}

/**
 * Candidate layers (tensor, friendly name, op, measured shape, neurons) with a search box. Suggested
 * layers are highlighted with the reason; a row click selects the layer, "Extract…" also opens the
 * extraction form with it.
 */
export function LayersTable({
  layers,
  selected,
  onSelect,
  onExtract,
}: {
  layers: LayerInfo[];
  selected: string | null;
  onSelect: (tensor: string) => void;
  onExtract: (tensor: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [suggestedOnly, setSuggestedOnly] = useState(false);
  const shown = useMemo(
    () => layers.filter((l) => matches(l, query.trim()) && (!suggestedOnly || l.suggested)),
    [layers, query, suggestedOnly],
  );
  const suggested = layers.filter((l) => l.suggested);

  return (
    <section className="card layers-card" aria-labelledby="layers-title">
      <div className="card-head">
        <h3 id="layers-title">
          Layers{' '}
          <span className="hint">
            {shown.length === layers.length ? formatCount(layers.length) : `${shown.length} of ${layers.length}`}
          </span>
        </h3>
        <div className="layers-tools">
          <label className="inline-field">
            <input
              type="checkbox"
              checked={suggestedOnly}
              onChange={(e) => setSuggestedOnly(e.target.checked)}
              data-testid="layers-suggested-only"
            />
            <span>suggested only ({suggested.length})</span>
          </label>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search tensor, name or op…"
            aria-label="Search layers"
            data-testid="layers-search"
          />
        </div>
      </div>
      <p className="hint">
        <span className="swatch suggested-swatch" aria-hidden="true" /> Suggested layers are where interpretability work usually starts.
        Shapes were measured on a dummy batch; “neurons” is what one image gives under the default summary (channels of a feature map,
        features of a vector).
      </p>
      {suggested.length > 0 && (
        <ul className="suggested-strip" aria-label="Suggested layers" data-testid="suggested-layers">
          {suggested.map((l) => (
            <li key={l.id}>
              <button
                type="button"
                className={`suggested-chip${l.tensorName === selected ? ' active' : ''}`}
                onClick={() => {
                  onSelect(l.tensorName);
                  document
                    .querySelector(`[data-testid=layer-row][data-tensor="${CSS.escape(l.tensorName)}"]`)
                    ?.scrollIntoView({ block: 'nearest' });
                }}
                title={l.tensorName}
                data-testid="suggested-layer"
                data-tensor={l.tensorName}
              >
                <strong>{l.friendly || l.tensorName}</strong> <span className="mono">[{l.shape.join('×')}]</span>
                <span className="hint"> {l.reason}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="table-scroll layers-scroll">
        <table className="table layers" data-testid="layers-table">
          <thead>
            <tr>
              <th scope="col">Tensor</th>
              <th scope="col">Name</th>
              <th scope="col">Op</th>
              <th scope="col">Shape</th>
              <th scope="col" className="num">
                Neurons
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((l) => (
              <tr
                key={l.id}
                className={`layer-row${l.suggested ? ' suggested' : ''}${l.tensorName === selected ? ' selected' : ''}`}
                onClick={() => onSelect(l.tensorName)}
                aria-selected={l.tensorName === selected}
                data-testid="layer-row"
                data-tensor={l.tensorName}
                data-suggested={l.suggested}
              >
                <td className="mono layer-tensor" title={l.nodeName}>
                  {l.tensorName}
                  {l.suggested && (
                    <div className="layer-reason" data-testid="layer-reason">
                      <span className="badge badge-suggested">suggested</span> {l.reason}
                    </div>
                  )}
                </td>
                <td className="mono">{l.friendly}</td>
                <td>{l.opType}</td>
                <td className="mono nowrap">[{l.shape.join(', ')}]</td>
                <td className="num">{formatCount(l.neurons)}</td>
                <td className="actions-cell">
                  <button
                    type="button"
                    className="small"
                    onClick={(e) => {
                      e.stopPropagation();
                      onExtract(l.tensorName);
                    }}
                    data-testid="layer-extract"
                  >
                    Extract…
                  </button>
                </td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} className="hint">
                  No layer matches “{query}”.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
