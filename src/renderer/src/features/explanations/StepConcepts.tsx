import { ErrorBox } from '../../components/ErrorBox';
import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';
import type { ConceptSetInfo, EncoderInfo } from '../concepts';
import type { SourceDraft } from './conceptSource';
import { EncoderSourceFields } from './EncoderSourceFields';
import type { ConceptList } from './types';
import type { Loaded } from '../../lib/query';

/** Step 2: the probe set the activations were computed on, and where the concepts come from (labels or an encoder). */
export function StepConcepts({
  probeSet,
  concepts,
  source,
  onSource,
  encoders,
  sets,
}: {
  probeSet: ProbeSetInfo | undefined;
  concepts: Loaded<ConceptList>;
  source: SourceDraft;
  onSource: (s: SourceDraft) => void;
  encoders: EncoderInfo[];
  sets: ConceptSetInfo[];
}) {
  const firstCalibrated = encoders.find((e) => e.calibration !== null && e.status === 'ok');
  const labelSet = sets.find((s) => s.source === 'labels') ?? sets[0];
  return (
    <div className="stack">
      <p>
        Probe set: <strong data-testid="wiz-probeset">{probeSet?.name ?? '—'}</strong>{' '}
        <span className="hint">
          ({formatCount(probeSet?.images ?? 0)} images; fixed by the activation set — explanations are fitted on the images the activations
          came from)
        </span>
      </p>
      <div className="field">
        <span className="field-label">Concept source</span>
        <label className="inline-field">
          <input
            type="radio"
            name="concept-source"
            checked={source.kind === 'labels'}
            onChange={() => onSource({ kind: 'labels' })}
            data-testid="wiz-source-labels"
          />{' '}
          Labels of the probe set: classes, superclasses from the folder tree
          {probeSet?.labelsCsvPath ? ', CSV labels' : ''}
        </label>
        <label className="inline-field">
          <input
            type="radio"
            name="concept-source"
            checked={source.kind === 'encoder'}
            onChange={() =>
              onSource({ kind: 'encoder', encoderId: firstCalibrated?.id ?? null, conceptSetId: labelSet?.id ?? null, filter: true })
            }
            data-testid="wiz-source-encoder"
          />{' '}
          Image-text encoder (SigLIP/CLIP): any concept set, LE(SigLIP)
        </label>
        {source.kind === 'labels' && <p className="hint">Each concept is a 0/1 column per image (a superclass = any of its classes).</p>}
      </div>
      {source.kind === 'encoder' && <EncoderSourceFields draft={source} onDraft={onSource} encoders={encoders} sets={sets} />}
      {source.kind === 'labels' && <ErrorBox error={concepts.error} />}
      {source.kind === 'labels' && concepts.loading && <p className="hint">Reading concepts…</p>}
      {source.kind === 'labels' && concepts.data && (
        <div data-testid="wiz-concepts" data-count={concepts.data.names.length}>
          <h4>{concepts.data.names.length} concepts</h4>
          <ul className="chip-list">
            {concepts.data.names.map((n) => (
              <li key={n} className="chip">
                {n}
              </li>
            ))}
          </ul>
          <p className="hint" data-testid="wiz-dropped" data-count={concepts.data.dropped.length}>
            {concepts.data.dropped.length > 0
              ? `Dropped (constant on this probe set, so they cannot explain anything): ${concepts.data.dropped.join(', ')}`
              : 'None dropped: every label varies across the probe set (constant labels would be dropped, they cannot explain anything).'}
          </p>
        </div>
      )}
    </div>
  );
}
