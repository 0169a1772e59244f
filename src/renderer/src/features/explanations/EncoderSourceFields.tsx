import { EncoderSelect } from '../concepts';
import type { ConceptSetInfo, EncoderInfo } from '../concepts';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { formatCount } from '../../lib/format';
import type { SourceDraft } from './conceptSource';

type EncoderDraft = Extract<SourceDraft, { kind: 'encoder' }>;

/** The image-text concept source: a calibrated encoder, a concept set, and whether to top-5 filter it first. */
export function EncoderSourceFields({
  draft,
  onDraft,
  encoders,
  sets,
}: {
  draft: EncoderDraft;
  onDraft: (d: EncoderDraft) => void;
  encoders: EncoderInfo[];
  sets: ConceptSetInfo[];
}) {
  const { openScreen } = useApp();
  // Concepts the chosen encoder cannot read (every word unknown to its tokenizer): listed before the run.
  const unknown = useContractQuery(
    'conceptSet.unknownWords',
    draft.encoderId !== null && draft.conceptSetId !== null ? { conceptSetId: draft.conceptSetId, encoderId: draft.encoderId } : null,
  );
  return (
    <div className="stack source-encoder" data-testid="wiz-encoder-source">
      <EncoderSelect
        encoders={encoders}
        value={draft.encoderId}
        onChange={(v) => onDraft({ ...draft, encoderId: typeof v === 'number' ? v : null })}
        label="Encoder"
        testId="wiz-encoder"
      />
      <label className="inline-field">
        Concept set{' '}
        <select
          value={draft.conceptSetId ?? ''}
          onChange={(e) => onDraft({ ...draft, conceptSetId: e.target.value ? Number(e.target.value) : null })}
          data-testid="wiz-conceptset"
        >
          <option value="">— choose a concept set —</option>
          {sets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({formatCount(s.count)}, {s.source})
            </option>
          ))}
        </select>
      </label>
      {sets.length === 0 && (
        <p className="hint">
          No concept sets yet: make one on the{' '}
          <button type="button" className="link" onClick={() => openScreen('concepts')}>
            Concepts
          </button>{' '}
          screen (from the labels, the common nouns, or a file).
        </p>
      )}
      {unknown.data?.warning && (
        <p className="warn-text" role="status" data-testid="wiz-unknown-concepts" data-count={unknown.data.unknown.length}>
          {unknown.data.warning}
        </p>
      )}
      <label className="inline-field">
        <input
          type="checkbox"
          checked={draft.filter}
          onChange={(e) => onDraft({ ...draft, filter: e.target.checked })}
          data-testid="wiz-filter"
        />{' '}
        Apply the top-5 filter first
        <span className="hint"> (drop concepts whose 5 highest P on this probe set average below 0.5, or that are constant)</span>
      </label>
      <p className="hint">P = sigmoid(a·(cos + b)) with the encoder's calibration; the raw concept text is embedded, no prompt template.</p>
    </div>
  );
}
