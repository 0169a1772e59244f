import { useState, type FormEvent, type ReactNode } from 'react';
import { toShownError, type ShownError } from '../lib/errors';
import { formatBytes, formatCount } from '../lib/format';
import { ConfirmReplace } from './ConfirmReplace';
import { ErrorBox } from './ErrorBox';

// Write a file on the backend's machine at a path the user types: never replacing a file without asking (the backend
// answers file_exists; ConfirmReplace re-sends with overwrite), then says what was written. Test ids are
// `<testId>`, `-path`, `-submit`, `-confirm-replace`, `-error`, `-done`.

export function ExportToPath({
  title,
  path,
  setPath,
  write,
  busy,
  controls,
  testId,
  dataId,
}: {
  title: ReactNode;
  /** The path is the caller's state (a format choice may rename the file). */
  path: string;
  setPath: (p: string) => void;
  write: (path: string, overwrite: boolean) => Promise<{ path: string; rows: number; bytes: number }>;
  busy: boolean;
  /** Choices shown before the path (e.g. a format). */
  controls?: ReactNode;
  testId: string;
  /** data-id of the form (what it exports). */
  dataId?: number;
}) {
  const [error, setError] = useState<ShownError | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function go(overwrite: boolean, ev?: FormEvent) {
    ev?.preventDefault();
    setError(null);
    setConfirm(null);
    setDone(null);
    try {
      const r = await write(path.trim(), overwrite);
      setDone(`Wrote ${formatCount(r.rows)} rows (${formatBytes(r.bytes)}) to ${r.path}.`);
    } catch (err) {
      const shown = toShownError(err);
      if (shown.code === 'file_exists') setConfirm(path.trim());
      else setError(shown);
    }
  }

  return (
    <form className="stack export-to-path" onSubmit={(ev) => void go(false, ev)} data-testid={testId} data-run={dataId}>
      <div className="inline-field wrap">
        <strong>{title}</strong>
        {controls}
        <input
          className="path-input"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          aria-label="Export to path"
          data-testid={`${testId}-path`}
        />
        <button type="submit" disabled={busy || !path.trim()} data-testid={`${testId}-submit`}>
          Export
        </button>
      </div>
      {confirm && (
        <ConfirmReplace
          path={confirm}
          onReplace={() => void go(true)}
          onKeep={() => setConfirm(null)}
          testId={`${testId}-confirm-replace`}
        />
      )}
      <ErrorBox error={error} testId={`${testId}-error`} />
      {done && (
        <p className="ok-text" data-testid={`${testId}-done`}>
          {done}
        </p>
      )}
    </form>
  );
}
