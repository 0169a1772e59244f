import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ActivationSetInfo, LabelFormat } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatCount } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import { FileLayerFields } from '../../components/FileLayerFields';

const FORMATS: Array<{ id: LabelFormat; name: string }> = [
  { id: 'netdissect', name: 'NetDissect tally.csv' },
  { id: 'milan', name: 'MILAN descriptions (layer, unit, description)' },
  { id: 'clip_dissect', name: 'CLIP-Dissect descriptions.csv' },
  { id: 'dnd', name: 'Describe-and-Dissect final_results.csv' },
];
const formatName = (f: LabelFormat) => FORMATS.find((x) => x.id === f)?.name ?? f;

interface Done {
  runId: number;
  format: LabelFormat;
  detected: boolean;
  rows: number;
  scored: number;
  warnings: string[];
}

/**
 * labels.import for the chosen layer: another tool's labels (NetDissect, MILAN, CLIP-Dissect, DnD) become an
 * imported explain run of it, and a row of the compare table.
 */
export function LabelsImport({ set }: { set: ActivationSetInfo }) {
  const client = useQueryClient();
  const call = useContractMutation('labels.import', { changes: ['explanations'] });
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<LabelFormat | ''>('');
  const [layer, setLayer] = useState('');
  const [allowLayerMismatch, setAllowLayerMismatch] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [done, setDone] = useState<Done | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const r = await call.run({
        activationSetId: set.id,
        path: path.trim(),
        allowLayerMismatch,
        ...(format ? { format } : {}),
        ...(layer.trim() ? { layer: layer.trim() } : {}),
      });
      // compare.* belongs to no feature of the invalidation map: refresh the table explicitly.
      void client.invalidateQueries({ queryKey: ['compare.layer'] });
      setDone({ runId: r.run.id, format: r.format, detected: !format, rows: r.rows, scored: r.scored, warnings: r.warnings });
    } catch (err) {
      setError(toShownError(err));
    }
  }

  return (
    <section className="card stack" data-testid="labels-import">
      <h2>Import labels from another tool</h2>
      <p className="hint">
        Neuron labels made elsewhere for this layer ({set.tensorName}) become an imported run and a row of the table above. Labels that are
        all class names of the probe set are scored with the label simulator; others are listed without a score.
      </p>
      <form onSubmit={(e) => void submit(e)} className="inline-field wrap">
        <input
          className="path-input"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="path of tally.csv, descriptions.csv, final_results.csv, …"
          aria-label="Labels file path"
          data-testid="labels-import-path"
        />
        <select
          value={format}
          onChange={(e) => setFormat(e.target.value as LabelFormat | '')}
          aria-label="File format"
          data-testid="labels-import-format"
        >
          <option value="">Format: detect from the header</option>
          {FORMATS.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </select>
        <FileLayerFields
          layer={layer}
          setLayer={setLayer}
          allowMismatch={allowLayerMismatch}
          setAllowMismatch={setAllowLayerMismatch}
          testIds={{ layer: 'labels-import-layer', mismatch: 'labels-import-allow-mismatch' }}
        />
        <button type="submit" disabled={call.busy || !path.trim()} data-testid="labels-import-submit">
          {call.busy ? 'Importing…' : 'Import for this layer'}
        </button>
      </form>
      <p className="hint">Browser mode has no file dialog: type a path on the machine running the backend.</p>
      {done && (
        <div className="ok-text" data-testid="labels-import-done" data-run={done.runId} data-format={done.format}>
          Imported run #{done.runId}: {done.detected ? 'detected format' : 'format'} {formatName(done.format)}, {formatCount(done.rows)}{' '}
          rows; {formatCount(done.scored)} of its explanations scored with the label simulator (those whose every label is a class name of
          the probe set).
          {done.warnings.length > 0 && (
            <ul className="warn-text" data-testid="labels-import-warnings">
              {done.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ErrorBox error={error} testId="labels-import-error" />
    </section>
  );
}
