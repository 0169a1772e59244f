import './browse.css';
import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { formatValue } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { useDebounced } from '../../lib/useDebounced';
import { router } from '../../routes';
import { formatCorr, methodLabel } from './format';

const WHY: Record<'exact' | 'words' | 'meaning', string> = {
  exact: 'exact concept',
  words: 'words of the concept',
  meaning: 'meaning',
};

/**
 * Search units by meaning across every run and method of the project (neuron.search): exact concept, words of a
 * concept, then concepts nearest in meaning through a calibrated encoder's text tower. Each hit opens its unit.
 */
export function UnitSearch() {
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 250);
  const q = useContractQuery('neuron.search', query ? { text: query, limit: 30 } : null);
  const r = q.data;
  return (
    <section className="card unit-search" data-testid="unit-search">
      <div className="card-head">
        <h4>Search units by meaning</h4>
        <input
          type="search"
          className="unit-search-input"
          placeholder="e.g. shoe, striped, Sandal"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Search units by meaning, across runs and methods"
          data-testid="unit-search-input"
        />
      </div>
      <ErrorBox error={q.error} />
      {query && r && (
        <>
          <p className="hint" data-testid="unit-search-summary">
            {r.total} unit explanation{r.total === 1 ? '' : 's'} match “{r.query}” among {r.explanations} explanations ({r.concepts}{' '}
            distinct concepts) of every run and method
            {r.encoder ? `; meaning by the text tower of ${r.encoder.name} (cosine of text embeddings)` : ''}
            {r.total > r.hits.length ? `; the first ${r.hits.length} shown` : ''}.
          </p>
          {r.note && (
            <p className="warn-text" data-testid="unit-search-note">
              {r.note}
            </p>
          )}
          {r.hits.length > 0 && (
            <div className="table-scroll">
              <table className="table unit-search-table" data-testid="unit-search-results">
                <thead>
                  <tr>
                    <th>Unit</th>
                    <th>Run · method</th>
                    <th>Model · layer</th>
                    <th>Matched concept (weight)</th>
                    <th>Why</th>
                    <th title="Test correlation of the explanation under its run's own simulator">Test r</th>
                  </tr>
                </thead>
                <tbody>
                  {r.hits.map((h) => (
                    <tr key={`${h.runId}-${h.method}-${h.neuron}`} data-reason={h.reason} data-concept={h.concept} data-neuron={h.neuron}>
                      <td>
                        <a
                          href={router.href({ screen: 'explanations', view: 'run', runId: h.runId, neuron: h.neuron })}
                          data-testid="unit-search-link"
                          title={h.text}
                        >
                          unit {h.neuron}
                        </a>
                      </td>
                      <td>
                        #{h.runId} · {methodLabel(h.method)}
                      </td>
                      <td>
                        {h.modelName} · <span className="mono">{h.layer}</span>
                      </td>
                      <td>
                        <strong>{h.concept}</strong> ({formatValue(h.weight)})<div className="similar-text">{h.text}</div>
                      </td>
                      <td>
                        {WHY[h.reason]}
                        {h.similarity !== null && (
                          <span className="mono" title={`Cosine of the text embeddings of “${h.concept}” and “${r.query}”`}>
                            {' '}
                            (cos {h.similarity.toFixed(2)})
                          </span>
                        )}
                      </td>
                      <td className="mono">{formatCorr(h.testCorrelation)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
