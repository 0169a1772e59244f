import { useId } from 'react';
import type { ReportSectionId, ReportSectionInfo } from '../../../../shared/contract/reports';
import { formatCount } from '../../lib/format';
import { RANK_KEYS, type NeuronDraft, type NeuronMode, type SortKey } from './neuronSelection';

// The report's choices: its sections (what report.sections says each has, and where its numbers come from) and which
// neurons get a page of their own.

export function SectionPicker({
  sections,
  chosen,
  onToggle,
  pinned,
}: {
  sections: ReportSectionInfo[];
  /** The sections checked (available or not: a link may have asked for one the run does not have). */
  chosen: ReadonlySet<ReportSectionId>;
  onToggle: (id: ReportSectionId, on: boolean) => void;
  /** Runs named by the link instead of the newest (section id -> what to say). */
  pinned: Partial<Record<ReportSectionId, { text: string; clear: () => void }>>;
}) {
  return (
    <fieldset className="report-fieldset" data-testid="report-sections">
      <legend>Sections</legend>
      <p className="hint">The title page (with provenance) and the contents are always there.</p>
      <ul className="report-sections">
        {sections.map((s) => {
          const id = `report-section-${s.id}`;
          const pin = pinned[s.id];
          return (
            <li key={s.id} className={s.available ? '' : 'unavailable'}>
              <input
                id={id}
                type="checkbox"
                checked={s.available && chosen.has(s.id)}
                disabled={!s.available}
                onChange={(e) => onToggle(s.id, e.target.checked)}
                aria-describedby={`${id}-about`}
                data-testid={id}
                data-available={s.available}
              />
              <div>
                <label htmlFor={id}>{s.title}</label>
                <p className="hint" id={`${id}-about`} data-testid={`${id}-about`}>
                  {s.available ? (
                    <>
                      Source: {pin ? pin.text : (s.source ?? '—')}
                      {pin && (
                        <>
                          {' '}
                          <button type="button" className="link small" onClick={pin.clear}>
                            use the newest instead
                          </button>
                        </>
                      )}
                    </>
                  ) : (
                    <>Not available: {s.reason ?? 'no results for this run.'}</>
                  )}
                </p>
                {!s.available && chosen.has(s.id) && (
                  <p className="warn-text small-text">The link asked for this section; it is left out until the run has its results.</p>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

const MODES: { mode: NeuronMode; label: string }[] = [
  { mode: 'top', label: 'Top N' },
  { mode: 'bottom', label: 'Bottom N' },
  { mode: 'all', label: 'All' },
  { mode: 'list', label: 'A list' },
  { mode: 'bookmarked', label: 'Bookmarked' },
  { mode: 'none', label: 'None' },
];

export function NeuronPicker({
  draft,
  onChange,
  error,
  layerNeurons,
  bookmarks,
  disabled,
}: {
  draft: NeuronDraft;
  onChange: (d: NeuronDraft) => void;
  error: string | null;
  /** Neurons in the layer (for the hints); null while unknown. */
  layerNeurons: number | null;
  /** Bookmarked neurons of the run's activation set; null while unknown. */
  bookmarks: number | null;
  /** The Neurons section is not chosen: no neuron pages. */
  disabled: boolean;
}) {
  const name = useId();
  const rankFields = draft.mode === 'top' || draft.mode === 'bottom';
  return (
    <fieldset className="report-fieldset" disabled={disabled} data-testid="report-neurons" data-mode={draft.mode}>
      <legend>Neuron pages</legend>
      <p className="hint">
        {disabled
          ? 'Check Neurons under Sections to give neurons a page of their own.'
          : 'One page per neuron: its explanation, scores and (optionally) example images.'}
      </p>
      <div className="report-modes" role="radiogroup" aria-label="Which neurons">
        {MODES.map((m) => (
          <label key={m.mode} className="inline-field">
            <input
              type="radio"
              name={name}
              value={m.mode}
              checked={draft.mode === m.mode}
              onChange={() => onChange({ ...draft, mode: m.mode })}
              data-testid={`report-neurons-${m.mode}`}
            />
            {m.label}
            {m.mode === 'all' && layerNeurons !== null && <span className="hint">({formatCount(layerNeurons)})</span>}
            {m.mode === 'bookmarked' && bookmarks !== null && <span className="hint">({formatCount(bookmarks)})</span>}
          </label>
        ))}
      </div>
      {rankFields && (
        <div className="report-rank">
          <label className="field">
            <span>N (neurons)</span>
            <input
              type="number"
              min={1}
              max={layerNeurons ?? undefined}
              value={draft.n}
              onChange={(e) => onChange({ ...draft, n: e.target.value })}
              aria-invalid={error !== null}
              data-testid="report-neurons-n"
            />
          </label>
          <label className="field">
            <span>{draft.mode === 'top' ? 'Highest' : 'Lowest'} by</span>
            <select
              value={draft.by}
              onChange={(e) => onChange({ ...draft, by: e.target.value as SortKey })}
              data-testid="report-neurons-sort"
            >
              {RANK_KEYS.map((k) => (
                <option key={k.key} value={k.key}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {draft.mode === 'list' && (
        <label className="field">
          <span>Neuron numbers{layerNeurons !== null ? ` (0 to ${formatCount(layerNeurons - 1)})` : ''}</span>
          <input
            value={draft.list}
            onChange={(e) => onChange({ ...draft, list: e.target.value })}
            placeholder="3, 17, 42"
            spellCheck={false}
            aria-invalid={error !== null}
            data-testid="report-neurons-list"
          />
        </label>
      )}
      {draft.mode === 'all' && layerNeurons !== null && layerNeurons > 200 && (
        <p className="warn-text small-text">{formatCount(layerNeurons)} neuron pages: the preview and the PDF take a while.</p>
      )}
      {draft.mode === 'bookmarked' && bookmarks === 0 && (
        <p className="warn-text small-text">No neuron of this layer is bookmarked yet (star them on their neuron pages).</p>
      )}
      {error && !disabled && (
        <p className="error-text" role="alert" data-testid="report-neurons-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
