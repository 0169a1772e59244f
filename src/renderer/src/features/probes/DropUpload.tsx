import { useSyncExternalStore } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { ProgressBar } from '../../components/ProgressBar';
import { formatBytes, formatCount } from '../../lib/format';
import { SkipReason } from './SkippedList';
import { uploads, type UploadState } from './uploadStore';

const SHOWN = 20;

/** A folder dropped in browser mode: what goes where, the size warning, progress in files and bytes, Cancel. */
export function DropUpload() {
  const s = useSyncExternalStore(uploads.subscribe, uploads.get);
  if (!s) return null;
  const { tree } = s;
  const running = s.phase === 'hashing' || s.phase === 'uploading' || s.phase === 'finishing';
  return (
    <section className="card drop-upload" aria-labelledby="drop-upload-title" data-testid="drop-upload" data-phase={s.phase}>
      <h2 id="drop-upload-title">Dropped folder “{tree.name}”</h2>
      <p data-testid="drop-upload-summary">
        {formatCount(tree.images.length)} image file{tree.images.length === 1 ? '' : 's'} ({formatBytes(tree.bytes)}) to upload to{' '}
        <code className="mono" data-testid="drop-upload-target">
          {s.target}
        </code>
        , a folder the project owns, and import from there. Browsers do not tell a page where a dropped folder is, so its files are copied;
        files already there with the same SHA-256 are not sent again.
      </p>
      {tree.images.length === 0 && (
        <p className="error-box" role="alert" data-testid="drop-upload-empty">
          No image files in “{tree.name}” ({tree.notSent.length} other files). Drop the folder that holds the images in sub-folders per
          class.
        </p>
      )}
      {s.phase === 'review' && <Review s={s} />}
      {running && <Running s={s} />}
      {s.phase === 'importing' && (
        <p className="hint" data-testid="drop-upload-done" data-sent={s.bytesDone - s.bytesHad} data-had={s.filesHad}>
          Uploaded: {formatCount(s.filesTotal)} files, {formatBytes(s.bytesDone - s.bytesHad)} sent
          {s.filesHad ? `, ${formatCount(s.filesHad)} already there (${formatBytes(s.bytesHad)} not sent again)` : ''}. The import runs
          below.
        </p>
      )}
      {s.phase === 'cancelled' && (
        <div className="banner banner-warn" data-testid="drop-upload-cancelled">
          <span>
            Upload cancelled after {formatCount(s.filesDone)} of {formatCount(s.filesTotal)} files. What arrived is kept: drop the folder
            again to continue where it stopped.
          </span>
          <button type="button" onClick={() => uploads.dismiss()}>
            Close
          </button>
        </div>
      )}
      {s.phase === 'failed' && (
        <>
          <ErrorBox error={s.error} testId="drop-upload-error" />
          <button type="button" onClick={() => uploads.dismiss()}>
            Close
          </button>
        </>
      )}
      {(tree.notSent.length > 0 || tree.hidden > 0) && <NotSentList s={s} />}
    </section>
  );
}

function Review({ s }: { s: UploadState }) {
  const { tree } = s;
  return (
    <div className="stack">
      {s.warning && (
        <div className="banner banner-warn" role="alert" data-testid="drop-upload-warning">
          <span>
            <strong>
              {formatBytes(tree.bytes)} in {formatCount(tree.images.length)} file{tree.images.length === 1 ? '' : 's'}.
            </strong>{' '}
            {s.warning}
          </span>
        </div>
      )}
      {tree.csvs.length > 0 && (
        <div className="field">
          <label htmlFor="drop-labels">Labels CSV (optional)</label>
          <select
            id="drop-labels"
            value={s.labelsCsv ?? ''}
            onChange={(e) => uploads.setLabelsCsv(e.target.value || null)}
            data-testid="drop-labels"
          >
            <option value="">none: labels from the folder tree only</option>
            {tree.csvs.map((c) => (
              <option key={c.relPath} value={c.relPath}>
                {c.relPath} ({formatBytes(c.file.size)})
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={tree.images.length === 0}
          onClick={() => void uploads.start()}
          data-testid="drop-upload-start"
        >
          Upload {formatBytes(tree.bytes)} and import
        </button>
        <button type="button" onClick={() => uploads.dismiss()} data-testid="drop-upload-dismiss">
          Cancel
        </button>
      </div>
    </div>
  );
}

function Running({ s }: { s: UploadState }) {
  const what =
    s.phase === 'hashing' ? 'files hashed (SHA-256)' : s.phase === 'uploading' ? 'files uploaded' : 'files: checking what arrived';
  const verb = s.phase === 'hashing' ? 'read' : 'done';
  return (
    <div className="job-progress" data-testid="drop-upload-progress" data-bytes-done={s.bytesDone} data-bytes-total={s.bytesTotal}>
      <ProgressBar
        done={s.filesDone}
        total={s.filesTotal}
        etaSeconds={s.etaSeconds}
        message={`${what} · ${formatBytes(s.bytesDone)} of ${formatBytes(s.bytesTotal)} ${verb}${s.bytesHad ? ` (${formatBytes(s.bytesHad)} already there)` : ''}`}
        testId="drop-upload-files"
      />
      <button type="button" className="danger" onClick={() => uploads.cancel()} data-testid="drop-upload-cancel">
        Cancel
      </button>
    </div>
  );
}

function NotSentList({ s }: { s: UploadState }) {
  const { notSent, hidden } = s.tree;
  return (
    <details data-testid="drop-upload-notsent" data-count={notSent.length}>
      <summary>
        Not uploaded: {formatCount(notSent.length)} file{notSent.length === 1 ? '' : 's'}
        {hidden ? ` (and ${formatCount(hidden)} hidden entr${hidden === 1 ? 'y' : 'ies'}, which the import ignores)` : ''}
      </summary>
      <ul className="plain-list">
        {notSent.slice(0, SHOWN).map((f) => (
          <li key={f.relPath}>
            <span className="mono">{f.relPath}</span> <SkipReason reason={f.reason} />
          </li>
        ))}
      </ul>
      {notSent.length > SHOWN && <p className="hint">and {formatCount(notSent.length - SHOWN)} more.</p>}
    </details>
  );
}
