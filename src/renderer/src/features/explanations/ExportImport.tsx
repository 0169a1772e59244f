import { ConfirmReplace } from '../../components/ConfirmReplace';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { dirOf, formatBytes, formatCount, joinPath } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import type { RunInfo } from './types';
import { FileLayerFields } from '../../components/FileLayerFields';

/** Write a run to the LE results CSV (reference format) or JSON; read such a file back as an imported run. */
export function ExportImport({ run, onImported }: { run: RunInfo; onImported: (runId: number) => void }) {
  const { project, notify } = useApp();
  const exportRunCall = useContractMutation('explain.export', { changes: 'nothing' });
  const importRunCall = useContractMutation('explain.import', { changes: ['explanations'] });
  const base = dirOf(project?.path ?? '/tmp/x');
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const [outPath, setOutPath] = useState(() => joinPath(base, `explanations_run${run.id}.csv`));
  const [inPath, setInPath] = useState('');
  const [layer, setLayer] = useState('');
  const [allowLayerMismatch, setAllowLayerMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  /** The path the backend said exists: the user confirms replacing it (exports never replace silently). */
  const [confirmReplace, setConfirmReplace] = useState<string | null>(null);
  // Another run is shown: the export path names it (same folder and format), and what was said about the previous
  // run goes, except the note of the import that opened this run.
  const shownRun = useRef(run.id);
  const importedTo = useRef<number | null>(null);
  useEffect(() => {
    if (shownRun.current === run.id) return;
    shownRun.current = run.id;
    setOutPath((p) => joinPath(dirOf(p.trim() || joinPath(base, 'x')), `explanations_run${run.id}.${format}`));
    setConfirmReplace(null);
    if (importedTo.current !== run.id) {
      setDone(null);
      setError(null);
    }
  }, [run.id, base, format]);

  async function act(f: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await f());
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
    }
  }
  function exportRun(e: FormEvent | null, overwrite = false) {
    e?.preventDefault();
    setConfirmReplace(null);
    void act(async () => {
      try {
        const r = await exportRunCall.run({ runId: run.id, format, path: outPath.trim(), overwrite });
        return `Wrote ${formatCount(r.rows)} rows (${formatBytes(r.bytes)}) to ${r.path}.`;
      } catch (err) {
        if (toShownError(err).code !== 'file_exists') throw err;
        setConfirmReplace(outPath.trim());
        return '';
      }
    });
  }
  function importRun(e: FormEvent) {
    e.preventDefault();
    void act(async () => {
      const r = await importRunCall.run({
        activationSetId: run.activationSetId,
        path: inPath.trim(),
        allowLayerMismatch,
        ...(layer.trim() ? { layer: layer.trim() } : {}),
      });
      notify({
        kind: 'success',
        title: 'Explanations imported',
        message: `${r.rows} rows as run #${r.run.id}${r.scored ? ', scored with the label simulator' : ' (not scored: some concepts are not labels)'}.`,
      });
      for (const w of r.warnings) notify({ kind: 'info', title: 'Imported with a warning', message: w });
      importedTo.current = r.run.id;
      onImported(r.run.id);
      return `Imported ${formatCount(r.rows)} rows as run #${r.run.id}.${r.warnings.map((w) => ` Warning: ${w}`).join('')}`;
    });
  }
  const pick = window.nwb?.pickPath;
  return (
    <section className="card export-import" data-testid="export-import">
      <h4>Export / import</h4>
      <form onSubmit={exportRun} className="inline-field wrap">
        <select
          value={format}
          onChange={(e) => {
            const f = e.target.value === 'json' ? 'json' : 'csv';
            setFormat(f);
            setOutPath((p) => p.replace(/\.(csv|json)$/i, `.${f}`));
          }}
          aria-label="Export format"
          data-testid="export-format"
        >
          <option value="csv">CSV (LE reference format)</option>
          <option value="json">JSON (with scores and provenance)</option>
        </select>
        <input
          className="path-input"
          value={outPath}
          onChange={(e) => setOutPath(e.target.value)}
          aria-label="Export to path"
          data-testid="export-path"
        />
        <button type="submit" disabled={busy || !outPath.trim()} data-testid="export-submit">
          Export
        </button>
      </form>
      {confirmReplace && (
        <ConfirmReplace
          path={confirmReplace}
          onReplace={() => exportRun(null, true)}
          onKeep={() => setConfirmReplace(null)}
          testId="export-confirm-replace"
        />
      )}
      <form onSubmit={importRun} className="inline-field wrap">
        <input
          className="path-input"
          value={inPath}
          onChange={(e) => setInPath(e.target.value)}
          placeholder="path of an LE results .csv or .json"
          aria-label="Import from path"
          data-testid="import-path"
        />
        {pick && (
          <button
            type="button"
            onClick={() => void pick('labels-csv').then((p) => p && setInPath(p))}
            title="Pick a CSV file (the shell has no save or JSON dialog for explanations yet)"
          >
            Browse…
          </button>
        )}
        <FileLayerFields
          layer={layer}
          setLayer={setLayer}
          allowMismatch={allowLayerMismatch}
          setAllowMismatch={setAllowLayerMismatch}
          testIds={{ layer: 'import-layer', mismatch: 'import-allow-layer-mismatch' }}
        />
        <button type="submit" disabled={busy || !inPath.trim()} data-testid="import-submit">
          Import for this layer
        </button>
      </form>
      <p className="hint">Browser mode has no file dialog: type a path on the machine running the backend.</p>
      {done && (
        <p className="ok-text" data-testid="export-import-done">
          {done}
        </p>
      )}
      <ErrorBox error={error} testId="export-import-error" />
    </section>
  );
}
