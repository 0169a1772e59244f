import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { PathField } from '../../components/PathField';
import { useContractMutation } from '../../lib/query';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';
import type { ConceptSetInfo } from './types';
import { ProbeSetSelect } from '../probes';

/** Ways to make a concept set: a probe set's labels, the built-in nouns, a .txt/.csv file, or combining ticked sets. */
export function ConceptSetActions({
  probeSets,
  ticked,
  onMade,
}: {
  probeSets: ProbeSetInfo[];
  ticked: number[];
  onMade: (s: ConceptSetInfo) => void;
}) {
  // Each makes a concept set: the list (and the explain wizard's choices) re-read through the concepts feature.
  const fromLabels = useContractMutation('conceptSet.fromLabels', { changes: ['concepts'] });
  const builtin = useContractMutation('conceptSet.builtin', { changes: ['concepts'] });
  const importSet = useContractMutation('conceptSet.import', { changes: ['concepts'] });
  const combine = useContractMutation('conceptSet.combine', { changes: ['concepts'] });
  const [picked, setProbeSetId] = useState<number | null>(null);
  const probeSetId = picked ?? probeSets[0]?.id ?? null;
  const [file, setFile] = useState('');
  const [fileName, setFileName] = useState('');
  const [combinedName, setCombinedName] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  async function act(work: () => Promise<{ set: ConceptSetInfo; note: string }>) {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const { set, note } = await work();
      setMessage(`“${set.name}”: ${formatCount(set.count)} concepts${note}.`);
      onMade(set);
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack" data-testid="conceptset-actions">
      <div className="inline-field wrap">
        <ProbeSetSelect
          probeSets={probeSets}
          value={probeSetId}
          onChange={setProbeSetId}
          label="From the labels of"
          testId="cs-labels-probeset"
        />
        <button
          type="button"
          disabled={busy || probeSetId === null}
          onClick={() => probeSetId !== null && void act(async () => ({ set: await fromLabels.run({ probeSetId }), note: '' }))}
          data-testid="cs-from-labels"
        >
          Create from labels
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => void act(async () => ({ set: await builtin.run({ name: 'common-nouns' }), note: '' }))}
          data-testid="cs-builtin"
        >
          Add built-in common nouns
        </button>
      </div>
      <div className="grid-2">
        <div className="stack">
          <PathField
            id="cs-import-path"
            label="Import a .txt (one per line) or .csv file"
            value={file}
            onChange={setFile}
            kind="file"
            extensions={['.txt', '.csv']}
            testId="cs-import-path"
          />
          <div className="inline-field wrap">
            <input
              value={fileName}
              onChange={(e) => setFileName(e.target.value)}
              placeholder="name (optional)"
              aria-label="Name of the imported set"
              data-testid="cs-import-name"
            />
            <button
              type="button"
              disabled={busy || !file.trim()}
              onClick={() =>
                void act(async () => {
                  const r = await importSet.run({ path: file.trim(), ...(fileName.trim() ? { name: fileName.trim() } : {}) });
                  return { set: r.set, note: ` (${formatCount(r.blank)} blank lines and ${formatCount(r.duplicates)} duplicates skipped)` };
                })
              }
              data-testid="cs-import"
            >
              Import
            </button>
          </div>
        </div>
        <div className="stack">
          <span className="field-label">Combine the ticked sets ({ticked.length}), in order, de-duplicated</span>
          <div className="inline-field wrap">
            <input
              value={combinedName}
              onChange={(e) => setCombinedName(e.target.value)}
              placeholder="name (optional)"
              aria-label="Name of the combined set"
              data-testid="cs-combine-name"
            />
            <button
              type="button"
              disabled={busy || ticked.length < 2}
              onClick={() =>
                void act(async () => {
                  const r = await combine.run({ conceptSetIds: ticked, ...(combinedName.trim() ? { name: combinedName.trim() } : {}) });
                  return { set: r.set, note: ` (${formatCount(r.duplicates)} duplicates dropped)` };
                })
              }
              data-testid="cs-combine"
            >
              Combine
            </button>
          </div>
        </div>
      </div>
      {message && (
        <p className="ok-text" data-testid="cs-message">
          {message}
        </p>
      )}
      <ErrorBox error={error} testId="cs-error" />
    </div>
  );
}
